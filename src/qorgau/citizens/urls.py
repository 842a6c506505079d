"""Pages of the citizens part: public pages (no account) and the staff pages behind them."""

from django.urls import URLPattern, path

from qorgau.citizens import setup_views, views

app_name = "citizens"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("report/", views.report, name="report"),
    path("status/", views.status, name="status"),
    path("help/", views.directory, name="directory"),
    path("volunteer/", views.volunteer, name="volunteer"),
    path("activities/", views.activities, name="activities"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("safety/", views.safety, name="safety"),
    path("weather/", views.weather, name="weather"),
    path("triage/", views.triage_queue, name="triage_queue"),
    path("triage/<int:pk>/", views.triage_detail, name="triage_detail"),
    path("directory/", views.directory_manage, name="directory_manage"),
    path("directory/new/", views.directory_edit, name="directory_new"),
    path("directory/<int:pk>/", views.directory_edit, name="directory_edit"),
    path("volunteers/", views.vetting_list, name="vetting_list"),
    path("volunteers/<int:pk>/", views.vetting_detail, name="vetting_detail"),
    path("activities/new/", views.activity_record, name="activity_new"),
    *setup_views.HELP_SERVICES.urls(),
]
