from django.urls import path

from qorgau.territory import views

app_name = "territory"
urlpatterns = [
    path("", views.territory_list, name="list"),
    path("<int:pk>/", views.territory_detail, name="detail"),
]
