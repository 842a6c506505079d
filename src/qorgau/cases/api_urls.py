"""The API of survivor case files (under ``/api/v1/survivor-cases/``)."""

from django.urls import path

from qorgau.cases import api

urlpatterns = [
    path("", api.CaseListApi.as_view(), name="case-list"),
    path("statistics/", api.CaseStatisticsApi.as_view(), name="case-statistics"),
    path("<int:pk>/", api.CaseDetailApi.as_view(), name="case-detail"),
    path("<int:pk>/assessments/", api.CaseAssessApi.as_view(), name="case-assess"),
    path("<int:pk>/referrals/", api.CaseReferApi.as_view(), name="case-refer"),
    path(
        "<int:pk>/consent/withdraw/",
        api.CaseConsentWithdrawApi.as_view(),
        name="case-consent-withdraw",
    ),
]
