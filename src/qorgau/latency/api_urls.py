"""API endpoints of the latency part (mounted under /api/v1/)."""

from django.urls import URLPattern, path

from qorgau.latency import api

urlpatterns: list[URLPattern] = [
    path("results/", api.LatencyResultListApi.as_view(), name="latency-results"),
    path("runs/", api.LatencyRunApi.as_view(), name="latency-runs"),
]
