"""Pages of the latency part."""

from django.urls import URLPattern, path

from qorgau.latency import views

app_name = "latency"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("region/<str:code>/", views.region, name="region"),
    path("region/<str:code>/chart.<str:fmt>", views.chart, name="chart"),
    path("download.<str:fmt>", views.download, name="download"),
    path("run/", views.run_start, name="run_start"),
    path("run/<int:pk>/", views.run_detail, name="run"),
]
