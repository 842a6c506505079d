"""The API of serious-case reviews (under ``/api/v1/reviews/``)."""

from django.urls import path

from qorgau.reviews import api

urlpatterns = [
    path("", api.ReviewListApi.as_view(), name="review-list"),
    path("<int:pk>/", api.ReviewDetailApi.as_view(), name="review-detail"),
    path("<int:pk>/timeline/", api.ReviewTimelineApi.as_view(), name="review-timeline"),
    path("<int:pk>/findings/", api.ReviewFindingApi.as_view(), name="review-finding"),
    path(
        "<int:pk>/recommendations/",
        api.ReviewRecommendationApi.as_view(),
        name="review-recommendation",
    ),
    path("<int:pk>/close/", api.ReviewCloseApi.as_view(), name="review-close"),
    path(
        "recommendations/<int:pk>/status/",
        api.RecommendationStatusApi.as_view(),
        name="review-recommendation-status",
    ),
]
