from django.urls import URLPattern, URLResolver, path

from qorgau.monitoring import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("indicators/", api.IndicatorCatalogueApi.as_view(), name="indicator-catalogue"),
    path("indicator-values/", api.IndicatorValueListApi.as_view(), name="indicator-values"),
    path("aggregate-reports/", api.AggregateReportListApi.as_view(), name="aggregate-reports"),
    path(
        "aggregate-reports/<int:pk>/<str:step>/",
        api.AggregateReportStepApi.as_view(),
        name="aggregate-report-step",
    ),
]
