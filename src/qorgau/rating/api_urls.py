"""API endpoints of the rating part (mounted under /api/v1/rating/)."""

from django.urls import URLPattern, URLResolver, path

from qorgau.rating import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("methods/", api.MethodListApi.as_view(), name="rating-methods"),
    path("runs/", api.RunListApi.as_view(), name="rating-runs"),
    path("runs/<int:pk>/", api.RunDetailApi.as_view(), name="rating-run"),
    path("runs/<int:pk>/results/", api.ResultListApi.as_view(), name="rating-results"),
]
