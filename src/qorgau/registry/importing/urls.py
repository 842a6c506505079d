from django.urls import URLPattern, URLResolver, path

from qorgau.registry.importing import views

app_name = "registry_import"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.job_list, name="list"),
    path("new/", views.job_upload, name="upload"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/progress/", views.job_progress_json, name="progress"),
    path("<int:pk>/rejects.csv", views.job_rejects, name="rejects"),
]
