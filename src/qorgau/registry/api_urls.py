from django.urls import URLPattern, URLResolver, path

from qorgau.registry import api, search_api

# The registry API, mounted under /api/v1/ (names are prefixed: the namespace is shared).
urlpatterns: list[URLPattern | URLResolver] = [
    path("persons/", api.PersonListApi.as_view(), name="registry-person-list"),
    path("persons/search/", search_api.PersonSearchApi.as_view(), name="registry-person-search"),
    path(
        "persons/search/name/",
        search_api.PersonNameSearchApi.as_view(),
        name="registry-person-name-search",
    ),
    path("persons/<int:pk>/", api.PersonDetailApi.as_view(), name="registry-person-detail"),
    path("incidents/", api.IncidentListApi.as_view(), name="registry-incident-list"),
    path("incidents/<int:pk>/", api.IncidentDetailApi.as_view(), name="registry-incident-detail"),
    path("orders/", api.OrderListApi.as_view(), name="registry-order-list"),
    path("orders/expiring/", api.OrderExpiringApi.as_view(), name="registry-order-expiring"),
    path(
        "orders/check-overdue/",
        api.OrderCheckOverdueApi.as_view(),
        name="registry-order-check-overdue",
    ),
    path("orders/<int:pk>/", api.OrderDetailApi.as_view(), name="registry-order-detail"),
    path("orders/<int:pk>/serve/", api.OrderServeApi.as_view(), name="registry-order-serve"),
    path(
        "orders/<int:pk>/check-in/", api.OrderCheckInApi.as_view(), name="registry-order-check-in"
    ),
    path(
        "orders/<int:pk>/violation/",
        api.OrderViolationApi.as_view(),
        name="registry-order-violation",
    ),
    path("orders/<int:pk>/extend/", api.OrderExtendApi.as_view(), name="registry-order-extend"),
    path("orders/<int:pk>/revoke/", api.OrderRevokeApi.as_view(), name="registry-order-revoke"),
    path("requirements/", api.RequirementListApi.as_view(), name="registry-requirement-list"),
    path(
        "requirements/<int:pk>/",
        api.RequirementDetailApi.as_view(),
        name="registry-requirement-detail",
    ),
    path(
        "requirements/<int:pk>/violation/",
        api.RequirementViolationApi.as_view(),
        name="registry-requirement-violation",
    ),
    path(
        "requirements/<int:pk>/extension/",
        api.RequirementExtendApi.as_view(),
        name="registry-requirement-extension",
    ),
    path("offences/", api.OffenceListApi.as_view(), name="registry-offence-list"),
    path("risk-assessments/", api.RiskAssessmentListApi.as_view(), name="registry-risk-list"),
    path("risk/overdue/", api.RiskOverdueApi.as_view(), name="registry-risk-overdue"),
]
