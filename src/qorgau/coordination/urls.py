"""Pages of the coordination part."""

from django.urls import path

from qorgau.coordination import setup_views, views

app_name = "coordination"

urlpatterns = [
    path("", views.index, name="index"),
    path("bodies/<int:pk>/", views.body_detail, name="body_detail"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/candidates/", views.candidates, name="candidates"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    *setup_views.BODIES.urls(edit=setup_views.body_edit),
    path(
        "setup/bodies/<int:pk>/members/new/",
        setup_views.member_add_view,
        name="setup_member_add",
    ),
    path("setup/members/<int:pk>/", setup_views.member_edit, name="setup_member_edit"),
]
