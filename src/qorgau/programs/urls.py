"""Pages of the programs part."""

from django.urls import path

from qorgau.programs import setup_views, views

app_name = "programs"

urlpatterns = [
    path("", views.index, name="index"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/new/", views.provider_create, name="provider_create"),
    path("providers/<int:pk>/", views.provider_detail, name="provider_detail"),
    path(
        "providers/<int:provider_pk>/programmes/new/",
        views.programme_create,
        name="programme_create",
    ),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("demand/", views.demand, name="demand"),
    path("participants/", views.participants, name="participants"),
    path("participants/enrol/<int:requirement_pk>/", views.enrol, name="enrol"),
    path("enrolments/<int:pk>/", views.enrolment_detail, name="enrolment_detail"),
    path("enrolments/<int:pk>/<slug:action>/", views.enrolment_action, name="enrolment_action"),
    path("partner-reports/<int:pk>/", views.partner_report, name="partner_report"),
    path("attendance/import/", views.attendance_import, name="attendance_import"),
    path("violations/", views.violation_list, name="violations"),
    path("violations/<int:pk>/resolve/", views.violation_resolve, name="violation_resolve"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("evaluation/<slug:by>.svg", views.evaluation_chart, name="evaluation_chart"),
    path("evaluation.csv", views.evaluation_csv, name="evaluation_csv"),
    *setup_views.PROVIDERS.urls(),
]
