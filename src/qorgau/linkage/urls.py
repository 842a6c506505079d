"""Pages of the linkage part."""

from django.urls import path

from qorgau.linkage import views

app_name = "linkage"

urlpatterns = [
    path("", views.index, name="index"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("review/", views.review_queue, name="review"),
    path("review/<int:pk>/", views.pair_detail, name="pair"),
]
