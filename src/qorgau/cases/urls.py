"""Pages of the survivor case files."""

from django.urls import path

from qorgau.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_open, name="case_open"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/consent/withdraw/", views.case_consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/safety-plan/", views.case_safety_plan, name="safety_plan"),
    path("<int:pk>/follow-ups/", views.case_followup_schedule, name="followup_schedule"),
    path("follow-ups/<int:pk>/record/", views.case_followup_record, name="followup_record"),
    path("<int:pk>/closure/request/", views.case_closure_request, name="closure_request"),
    path("<int:pk>/closure/approve/", views.case_closure_approve, name="closure_approve"),
    path("<int:pk>/reopen/", views.case_reopen, name="reopen"),
]
