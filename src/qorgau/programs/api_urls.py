"""API endpoints of the programs part (mounted under /api/v1/programs/)."""

from django.urls import URLPattern, URLResolver, path

from qorgau.programs import api, setup_api

urlpatterns: list[URLPattern | URLResolver] = [
    path("providers/", api.ProviderListApi.as_view(), name="programme-providers"),
    path("programmes/", api.ProgrammeListApi.as_view(), name="programmes"),
    path("demand/", api.DemandApi.as_view(), name="programme-demand"),
    path("candidates/", api.CandidateListApi.as_view(), name="programme-candidates"),
    path("enrolments/", api.EnrolmentListApi.as_view(), name="programme-enrolments"),
    path("enrolments/<int:pk>/", api.EnrolmentDetailApi.as_view(), name="programme-enrolment"),
    path(
        "enrolments/<int:pk>/attendance/",
        api.EnrolmentAttendanceApi.as_view(),
        name="programme-enrolment-attendance",
    ),
    path(
        "enrolments/<int:pk>/complete/",
        api.EnrolmentCompleteApi.as_view(),
        name="programme-enrolment-complete",
    ),
    path(
        "enrolments/<int:pk>/admit/",
        api.EnrolmentAdmitApi.as_view(),
        name="programme-enrolment-admit",
    ),
    path(
        "enrolments/<int:pk>/drop-out/",
        api.EnrolmentDropOutApi.as_view(),
        name="programme-enrolment-drop-out",
    ),
    path(
        "attendance/import/", api.AttendanceImportApi.as_view(), name="programme-attendance-import"
    ),
    path(
        "possible-violations/",
        api.PossibleViolationListApi.as_view(),
        name="programme-possible-violations",
    ),
    path("evaluation/", api.EvaluationApi.as_view(), name="programme-evaluation"),
    path(
        "setup/providers/",
        setup_api.ProviderSetupListApi.as_view(),
        name="programme-setup-provider-list",
    ),
    path(
        "setup/providers/<int:pk>/",
        setup_api.ProviderSetupDetailApi.as_view(),
        name="programme-setup-provider-detail",
    ),
]
