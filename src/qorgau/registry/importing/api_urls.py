from django.urls import URLPattern, URLResolver, path

from qorgau.registry.importing import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("", api.ImportCreateApi.as_view(), name="import-create"),
    path("<int:pk>/", api.ImportDetailApi.as_view(), name="import-detail"),
]
