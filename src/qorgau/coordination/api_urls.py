"""API endpoints of the coordination part (mounted under /api/v1/coordination/)."""

from django.urls import URLPattern, URLResolver, path

from qorgau.coordination import api, setup_api

urlpatterns: list[URLPattern | URLResolver] = [
    path("bodies/", api.BodyListApi.as_view(), name="coordination-body-list"),
    path("meetings/", api.MeetingListApi.as_view(), name="coordination-meeting-list"),
    path(
        "meetings/<int:pk>/candidates/",
        api.CandidateListApi.as_view(),
        name="coordination-candidates",
    ),
    path("decisions/", api.DecisionListApi.as_view(), name="coordination-decision-list"),
    path(
        "decisions/<int:pk>/update/",
        api.DecisionUpdateApi.as_view(),
        name="coordination-decision-update",
    ),
    path("cases/", api.CaseListApi.as_view(), name="coordination-case-list"),
    path("actions/", api.ActionListApi.as_view(), name="coordination-action-list"),
    path(
        "actions/<int:pk>/update/", api.ActionUpdateApi.as_view(), name="coordination-action-update"
    ),
    path("referrals/", api.ReferralListApi.as_view(), name="coordination-referral-list"),
    path(
        "referrals/<int:pk>/", api.ReferralDetailApi.as_view(), name="coordination-referral-detail"
    ),
    path(
        "referrals/<int:pk>/answer/",
        api.ReferralAnswerApi.as_view(),
        name="coordination-referral-answer",
    ),
    path(
        "referrals/<int:pk>/outcome/",
        api.ReferralOutcomeApi.as_view(),
        name="coordination-referral-outcome",
    ),
    path("referral-kinds/", api.ReferralKindListApi.as_view(), name="coordination-referral-kinds"),
    path(
        "notifications/", api.NotificationListApi.as_view(), name="coordination-notification-list"
    ),
    path(
        "notifications/read/",
        api.NotificationReadApi.as_view(),
        name="coordination-notification-read",
    ),
    path(
        "setup/bodies/", setup_api.BodySetupListApi.as_view(), name="coordination-setup-body-list"
    ),
    path(
        "setup/bodies/<int:pk>/",
        setup_api.BodySetupDetailApi.as_view(),
        name="coordination-setup-body-detail",
    ),
    path(
        "setup/bodies/<int:pk>/members/",
        setup_api.MemberSetupListApi.as_view(),
        name="coordination-setup-member-list",
    ),
    path(
        "setup/members/<int:pk>/",
        setup_api.MemberSetupDetailApi.as_view(),
        name="coordination-setup-member-detail",
    ),
]
