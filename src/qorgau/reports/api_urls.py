"""API endpoints of the reports part (mounted under /api/v1/reports/)."""

from django.urls import URLPattern, path

from qorgau.reports import api

urlpatterns: list[URLPattern] = [
    path("", api.ReportListApi.as_view(), name="report-list"),
    path("<int:pk>/", api.ReportDetailApi.as_view(), name="report-detail"),
    path("<int:pk>/file/", api.ReportFileApi.as_view(), name="report-file"),
]
