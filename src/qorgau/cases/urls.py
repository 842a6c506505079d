"""Pages of the survivor case files."""

from django.urls import path

from qorgau.cases import views, views_work

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_open, name="case_open"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("statistics/", views_work.case_statistics, name="statistics"),
    path("transfers/", views_work.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/answer/", views_work.transfer_answer, name="transfer_answer"),
    path("<int:pk>/consent/withdraw/", views_work.case_consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/assessment/", views_work.case_assess, name="assess"),
    path("<int:pk>/advocate/", views_work.case_advocate, name="advocate"),
    path("<int:pk>/refer/", views_work.case_refer, name="refer"),
    path("<int:pk>/transfer/", views_work.case_transfer, name="transfer"),
    path("<int:pk>/safety-plan/", views.case_safety_plan, name="safety_plan"),
    path("<int:pk>/follow-ups/", views.case_followup_schedule, name="followup_schedule"),
    path("follow-ups/<int:pk>/record/", views.case_followup_record, name="followup_record"),
    path("<int:pk>/closure/request/", views.case_closure_request, name="closure_request"),
    path("<int:pk>/closure/approve/", views.case_closure_approve, name="closure_approve"),
    path("<int:pk>/reopen/", views.case_reopen, name="reopen"),
]
