"""Pages of the budget part."""

from django.urls import URLPattern, path

from qorgau.budget import views

app_name = "budget"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("analysis/", views.analysis, name="analysis"),
    path("programme/", views.programme, name="programme"),
    path("allocations/", views.allocation_list, name="allocations"),
    path("allocations/<int:pk>/", views.allocation_detail, name="allocation"),
    path("allocations/enter/", views.allocation_enter, name="allocation_enter"),
    path("execution/enter/", views.execution_enter, name="execution_enter"),
    path("upload/", views.upload, name="upload"),
    path("upload/template.xlsx", views.upload_template, name="upload_template"),
    path("upload/<int:pk>/", views.upload_job, name="upload_job"),
    path("upload/<int:pk>/progress/", views.upload_job_progress, name="upload_job_progress"),
    path("upload/<int:pk>/rejects.csv", views.upload_job_rejects, name="upload_job_rejects"),
    path("chart/<slug:kind>.svg", views.chart, name="chart"),
    path("download/<slug:table>.<str:fmt>", views.download, name="download"),
]
