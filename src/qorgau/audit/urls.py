from django.urls import path

from qorgau.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("verify/", views.chain_status, name="verify"),
]
