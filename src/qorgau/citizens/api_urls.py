"""API endpoints of the citizens part (mounted under /api/v1/citizens/)."""

from django.urls import URLPattern, path

from qorgau.citizens import api, setup_api

urlpatterns: list[URLPattern] = [
    path("reports/", api.CitizenReportSubmitApi.as_view(), name="citizens-report-submit"),
    path("reports/status/", api.CitizenReportStatusApi.as_view(), name="citizens-report-status"),
    path("triage/", api.TriageQueueApi.as_view(), name="citizens-triage-queue"),
    path("triage/<int:pk>/", api.TriageActionApi.as_view(), name="citizens-triage-action"),
    path("services/", api.HelpServiceListApi.as_view(), name="citizens-services"),
    path("volunteers/", api.VolunteerSignUpApi.as_view(), name="citizens-volunteer-sign-up"),
    path("volunteers/vetting/", api.VettingListApi.as_view(), name="citizens-vetting-list"),
    path(
        "volunteers/<int:pk>/decision/",
        api.VettingDecisionApi.as_view(),
        name="citizens-vetting-decide",
    ),
    path(
        "setup/services/",
        setup_api.HelpEntrySetupListApi.as_view(),
        name="citizens-setup-service-list",
    ),
    path(
        "setup/services/<int:pk>/",
        setup_api.HelpEntrySetupDetailApi.as_view(),
        name="citizens-setup-service-detail",
    ),
]
