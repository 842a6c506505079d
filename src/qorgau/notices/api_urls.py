"""API endpoints of the notifications (mounted under /api/v1/notices/)."""

from django.urls import URLPattern, URLResolver, path

from qorgau.notices import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_pk>/", api.CaseNoticesApi.as_view(), name="notices-case"),
]
