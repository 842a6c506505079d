from django.urls import URLPattern, URLResolver, path

from qorgau.registry import incident_form, views, views_law, views_prevention, views_requirements

app_name = "registry"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.work, name="work"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/search/", views.person_search, name="person_search"),
    path("persons/search/name/", views.person_name_search, name="person_name_search"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path(
        "persons/<int:person_pk>/prevention/new/",
        views_prevention.prevention_create,
        name="prevention_create",
    ),
    path(
        "persons/<int:person_pk>/register/new/",
        views_prevention.register_entry_create,
        name="register_entry_create",
    ),
    path("register/", views_prevention.register_list, name="register_list"),
    path(
        "register/<int:pk>/leave/",
        views_prevention.register_entry_leave,
        name="register_entry_leave",
    ),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/new/", incident_form.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:incident_pk>/orders/new/", views.order_create, name="order_create"),
    path(
        "incidents/<int:incident_pk>/requirements/new/",
        views_requirements.requirement_create,
        name="requirement_create",
    ),
    path(
        "incidents/<int:incident_pk>/offences/new/",
        views_requirements.offence_create,
        name="offence_create",
    ),
    path("incidents/<int:incident_pk>/risk/new/", views.risk_create, name="risk_create"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/serve/", views.order_serve, name="order_serve"),
    path("orders/<int:pk>/check-in/", views.order_check_in, name="order_check_in"),
    path("orders/<int:pk>/violation/", views.order_violation, name="order_violation"),
    path("orders/<int:pk>/extend/", views.order_extend, name="order_extend"),
    path("orders/<int:pk>/revoke/", views.order_revoke, name="order_revoke"),
    path("requirements/", views_requirements.requirement_list, name="requirement_list"),
    path(
        "requirements/<int:pk>/", views_requirements.requirement_detail, name="requirement_detail"
    ),
    path(
        "requirements/<int:pk>/violation/",
        views_requirements.requirement_violation,
        name="requirement_violation",
    ),
    path(
        "requirements/<int:pk>/extend/",
        views_requirements.requirement_extend,
        name="requirement_extend",
    ),
    path("law/", views_law.legal_rules, name="legal_rules"),
]
