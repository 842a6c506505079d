"""Pages of the rating part."""

from django.urls import path

from qorgau.rating import views

app_name = "rating"

urlpatterns = [
    path("", views.index, name="index"),
    path("run/<int:pk>/", views.index, name="run"),
    path("run/<int:pk>/chart.<str:fmt>", views.chart, name="chart"),
    path("run/<int:pk>/map.<str:fmt>", views.chart, {"kind": "map"}, name="map"),
    path("run/<int:pk>/download.<str:fmt>", views.download, name="download"),
    path("run/<int:pk>/territory/<str:code>/", views.scorecard, name="scorecard"),
    path("start/", views.start, name="start"),
    path("compare/", views.compare, name="compare"),
    path("method/", views.method_page, name="method"),
    path("method/new/", views.method_edit, name="method_edit"),
    path("method/<slug:name>/v<int:version>/", views.method_page, name="method_version"),
    path("method/<slug:name>/v<int:version>.yaml", views.method_file, name="method_file"),
]
