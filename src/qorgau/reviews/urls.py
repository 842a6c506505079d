"""Pages of the serious-case reviews."""

from django.urls import path

from qorgau.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("open/", views.review_open, name="review_open"),
    path("summaries/", views.review_summaries, name="review_summaries"),
    path("<int:pk>/", views.review_detail, name="review_detail"),
    path("<int:pk>/timeline/", views.review_timeline, name="review_timeline"),
    path("<int:pk>/findings/", views.review_finding, name="review_finding"),
    path("<int:pk>/recommendations/", views.review_recommendation, name="review_recommendation"),
    path("<int:pk>/close/", views.review_close, name="review_close"),
    path(
        "recommendations/<int:pk>/status/",
        views.recommendation_status,
        name="recommendation_status",
    ),
]
