from django.urls import URLPattern, URLResolver, path

from qorgau.registry import (
    api_incidents,
    api_orders,
    api_persons,
    api_prevention,
    api_records,
    api_requirements,
    search_api,
)

# The registry API, mounted under /api/v1/ (names are prefixed: the namespace is shared).
urlpatterns: list[URLPattern | URLResolver] = [
    path("persons/", api_persons.PersonListApi.as_view(), name="registry-person-list"),
    path("persons/search/", search_api.PersonSearchApi.as_view(), name="registry-person-search"),
    path(
        "persons/search/name/",
        search_api.PersonNameSearchApi.as_view(),
        name="registry-person-name-search",
    ),
    path("persons/<int:pk>/", api_persons.PersonDetailApi.as_view(), name="registry-person-detail"),
    path("incidents/", api_incidents.IncidentListApi.as_view(), name="registry-incident-list"),
    path(
        "incidents/<int:pk>/",
        api_incidents.IncidentDetailApi.as_view(),
        name="registry-incident-detail",
    ),
    path("orders/", api_orders.OrderListApi.as_view(), name="registry-order-list"),
    path("orders/expiring/", api_orders.OrderExpiringApi.as_view(), name="registry-order-expiring"),
    path(
        "orders/check-overdue/",
        api_orders.OrderCheckOverdueApi.as_view(),
        name="registry-order-check-overdue",
    ),
    path("orders/<int:pk>/", api_orders.OrderDetailApi.as_view(), name="registry-order-detail"),
    path("orders/<int:pk>/serve/", api_orders.OrderServeApi.as_view(), name="registry-order-serve"),
    path(
        "orders/<int:pk>/check-in/",
        api_orders.OrderCheckInApi.as_view(),
        name="registry-order-check-in",
    ),
    path(
        "orders/<int:pk>/violation/",
        api_orders.OrderViolationApi.as_view(),
        name="registry-order-violation",
    ),
    path(
        "orders/<int:pk>/extend/", api_orders.OrderExtendApi.as_view(), name="registry-order-extend"
    ),
    path(
        "orders/<int:pk>/revoke/", api_orders.OrderRevokeApi.as_view(), name="registry-order-revoke"
    ),
    path(
        "requirements/",
        api_requirements.RequirementListApi.as_view(),
        name="registry-requirement-list",
    ),
    path(
        "requirements/<int:pk>/",
        api_requirements.RequirementDetailApi.as_view(),
        name="registry-requirement-detail",
    ),
    path(
        "requirements/<int:pk>/violation/",
        api_requirements.RequirementViolationApi.as_view(),
        name="registry-requirement-violation",
    ),
    path(
        "requirements/<int:pk>/extension/",
        api_requirements.RequirementExtendApi.as_view(),
        name="registry-requirement-extension",
    ),
    path(
        "prevention-measures/",
        api_prevention.PreventionMeasureListApi.as_view(),
        name="registry-prevention-list",
    ),
    path(
        "preventive-register/",
        api_prevention.RegisterEntryListApi.as_view(),
        name="registry-register-list",
    ),
    path(
        "preventive-register/<int:pk>/leave/",
        api_prevention.RegisterEntryLeaveApi.as_view(),
        name="registry-register-leave",
    ),
    path("offences/", api_records.OffenceListApi.as_view(), name="registry-offence-list"),
    path(
        "risk-assessments/", api_records.RiskAssessmentListApi.as_view(), name="registry-risk-list"
    ),
    path("risk/overdue/", api_records.RiskOverdueApi.as_view(), name="registry-risk-overdue"),
]
