"""API endpoints of the budget part (mounted under /api/v1/budget/)."""

from django.urls import URLPattern, path

from qorgau.budget import api

urlpatterns: list[URLPattern] = [
    path("sub-programmes/", api.BudgetSubProgrammeListApi.as_view(), name="budget-sub-programmes"),
    path("allocations/", api.BudgetAllocationListApi.as_view(), name="budget-allocations"),
    path("execution/", api.BudgetExecutionListApi.as_view(), name="budget-execution"),
    path("upload/", api.BudgetUploadApi.as_view(), name="budget-upload"),
    path("upload/<int:pk>/", api.BudgetUploadJobApi.as_view(), name="budget-upload-job"),
    path("analysis/<slug:table>/", api.BudgetAnalysisApi.as_view(), name="budget-analysis"),
]
