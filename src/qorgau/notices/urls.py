"""Pages of the notifications to survivors."""

from django.urls import path

from qorgau.notices import views

app_name = "notices"

urlpatterns = [
    path("case/<int:case_pk>/", views.case_notices, name="case"),
    path("case/<int:case_pk>/stop/", views.case_notices_stop, name="stop"),
    path("outbox/", views.outbox, name="outbox"),
]
