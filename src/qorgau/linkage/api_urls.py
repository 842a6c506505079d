"""API endpoints of the linkage part (mounted under /api/v1/linkage/)."""

from django.urls import URLPattern, URLResolver, path

from qorgau.linkage import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("runs/", api.LinkageRunListApi.as_view(), name="linkage-runs"),
    path("runs/<int:pk>/", api.LinkageRunDetailApi.as_view(), name="linkage-run"),
    path("pairs/", api.CandidatePairListApi.as_view(), name="linkage-pairs"),
    path("pairs/<int:pk>/", api.CandidatePairDetailApi.as_view(), name="linkage-pair"),
]
