"""The budget over the API: structure, allocations, execution, upload and analysis.

Reading needs the right to see aggregates; writing needs MANAGE_BUDGET and, for a regional
finance officer, a row in his or her region. Writes go through the same services (and rules)
as the pages.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import account_of
from qorgau.accounts.roles import MANAGE_BUDGET, VIEW_AGGREGATES
from qorgau.budget import services, uploads
from qorgau.budget.models import Allocation, Execution, Source, SubProgramme, UploadJob


class CanViewBudget(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(VIEW_AGGREGATES))


class CanManageBudgetOrReadOnly(BasePermission):
    """Reading for whoever sees aggregates; POST only for a finance officer."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return bool(request.user.has_perm(VIEW_AGGREGATES))
        return bool(request.user.has_perm(MANAGE_BUDGET))


class CanManageBudget(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.has_perm(MANAGE_BUDGET))


class BudgetSubProgrammeSerializer(serializers.ModelSerializer[SubProgramme]):
    programme = serializers.CharField(source="programme.code")

    class Meta:
        model = SubProgramme
        fields = [
            "code",
            "classification",
            "programme",
            "name_kk",
            "name_ru",
            "name_en",
            "outputs",
            "active",
        ]


class BudgetSubProgrammeListApi(generics.ListAPIView[SubProgramme]):
    """The programme's sub-programmes with their budget classification codes."""

    serializer_class = BudgetSubProgrammeSerializer
    permission_classes = [*generics.ListAPIView.permission_classes, CanViewBudget]
    queryset = SubProgramme.objects.select_related("programme")


class BudgetRevisionSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    approved = serializers.DecimalField(max_digits=16, decimal_places=2)
    revised = serializers.DecimalField(max_digits=16, decimal_places=2)
    reason = serializers.CharField()
    made_at = serializers.DateTimeField()


class BudgetAllocationSerializer(serializers.ModelSerializer[Allocation]):
    sub_programme = serializers.CharField(source="sub_programme.code")
    region = serializers.CharField(source="region.kato_code")
    revisions = BudgetRevisionSerializer(many=True, read_only=True)

    class Meta:
        model = Allocation
        fields = ["id", "sub_programme", "region", "year", "approved", "revised", "revisions"]


class BudgetAllocationInputSerializer(serializers.Serializer[Any]):
    sub_programme = serializers.CharField()
    region = serializers.CharField(help_text="KATO code of the region")
    year = serializers.IntegerField()
    approved = serializers.DecimalField(max_digits=16, decimal_places=2)
    revised = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    reason = serializers.CharField(required=False, allow_blank=True)


class BudgetAllocationFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__kato_code")
    sub_programme = django_filters.CharFilter(field_name="sub_programme__code")

    class Meta:
        model = Allocation
        fields = ["year", "region", "sub_programme"]


class BudgetAllocationListApi(generics.ListCreateAPIView[Allocation]):
    """Allocations with their revision history; POST creates or revises one."""

    serializer_class = BudgetAllocationSerializer
    filterset_class = BudgetAllocationFilterSet
    permission_classes = [*generics.ListAPIView.permission_classes, CanManageBudgetOrReadOnly]
    queryset = Allocation.objects.select_related("sub_programme", "region").prefetch_related(
        "revisions"
    )

    @extend_schema(
        request=BudgetAllocationInputSerializer, responses={201: BudgetAllocationSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = BudgetAllocationInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        allocation = services.allocation_save(
            actor=account_of(request),
            values=dict(incoming.validated_data),
            source=Source.API,
            request=request._request,
        )
        return Response(BudgetAllocationSerializer(allocation).data, status=status.HTTP_201_CREATED)


class BudgetExecutionSerializer(serializers.ModelSerializer[Execution]):
    sub_programme = serializers.CharField(source="sub_programme.code")
    region = serializers.CharField(source="region.kato_code")

    class Meta:
        model = Execution
        fields = [
            "id",
            "sub_programme",
            "region",
            "year",
            "month",
            "executed",
            "wages",
            "goods_services",
            "social_order",
            "people_served",
            "bed_nights",
            "sessions",
            "trainings",
            "completed",
            "over_allocation",
            "justification",
        ]


class BudgetExecutionInputSerializer(serializers.Serializer[Any]):
    sub_programme = serializers.CharField()
    region = serializers.CharField(help_text="KATO code of the region")
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    executed = serializers.DecimalField(max_digits=16, decimal_places=2)
    wages = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    goods_services = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    social_order = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    people_served = serializers.IntegerField(required=False)
    bed_nights = serializers.IntegerField(required=False)
    sessions = serializers.IntegerField(required=False)
    trainings = serializers.IntegerField(required=False)
    completed = serializers.IntegerField(required=False)
    over_allocation = serializers.BooleanField(required=False, default=False)
    justification = serializers.CharField(required=False, allow_blank=True)


class BudgetExecutionFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__kato_code")
    sub_programme = django_filters.CharFilter(field_name="sub_programme__code")

    class Meta:
        model = Execution
        fields = ["year", "month", "region", "sub_programme"]


class BudgetExecutionListApi(generics.ListCreateAPIView[Execution]):
    """Monthly execution and outputs; POST records or corrects one month."""

    serializer_class = BudgetExecutionSerializer
    filterset_class = BudgetExecutionFilterSet
    permission_classes = [*generics.ListAPIView.permission_classes, CanManageBudgetOrReadOnly]
    queryset = Execution.objects.select_related("sub_programme", "region")

    @extend_schema(
        request=BudgetExecutionInputSerializer, responses={201: BudgetExecutionSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = BudgetExecutionInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        values = dict(incoming.validated_data)
        values["over_allocation"] = "yes" if values.get("over_allocation") else ""
        execution = services.execution_save(
            actor=account_of(request), values=values, source=Source.API, request=request._request
        )
        return Response(BudgetExecutionSerializer(execution).data, status=status.HTTP_201_CREATED)


class BudgetUploadJobSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    file_name = serializers.CharField()
    status = serializers.ChoiceField(choices=UploadJob.Status.choices)
    total_rows = serializers.IntegerField(allow_null=True)
    processed_rows = serializers.IntegerField()
    accepted_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected_rows = serializers.IntegerField()
    percent = serializers.IntegerField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    rejected = serializers.ListField(
        child=serializers.DictField(),
        help_text="The first rejected rows (sheet, row, column, reason)",
    )
    rejected_truncated = serializers.BooleanField(
        help_text="More rows were rejected than listed: the job's page offers them all as CSV"
    )

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # "source" is also an attribute of every DRF field: declared here, not on the class.
        fields = super().get_fields()
        fields["source"] = serializers.ChoiceField(choices=Source.choices)
        return fields


MAX_UPLOAD = 10 * 1024 * 1024  # as the upload page


class BudgetUploadInputSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()

    def validate_file(self, value: Any) -> Any:
        problem = uploads.upload_problem(value, limit=MAX_UPLOAD)
        if problem:
            raise serializers.ValidationError(problem)
        return value


def _job_body(job: UploadJob) -> dict[str, Any]:
    return {
        **uploads.job_progress(job),
        "rejected": job.first_rejects,
        "rejected_truncated": len(job.first_rejects) >= uploads.FIRST_REJECTS,
    }


class BudgetUploadApi(APIView):
    """An XLSX workbook (sheets allocations, execution): 202 with the queued job, whose rows
    are stored in the background; poll ``upload/<id>/`` for its progress and rejected rows."""

    parser_classes = [MultiPartParser]
    permission_classes = [*APIView.permission_classes, CanManageBudget]

    @extend_schema(
        operation_id="budget_upload",
        request={"multipart/form-data": BudgetUploadInputSerializer},
        responses={202: BudgetUploadJobSerializer},
    )
    def post(self, request: Request) -> Response:
        incoming = BudgetUploadInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with transaction.atomic():
            job = uploads.job_create(
                actor=account_of(request), upload=incoming.validated_data["file"], source=Source.API
            )
        return Response(_job_body(job), status=status.HTTP_202_ACCEPTED)


class BudgetUploadJobApi(APIView):
    """One upload's progress and, when done, its counts and first rejected rows (404 for a
    job outside the user's scope)."""

    permission_classes = [*APIView.permission_classes, CanManageBudget]

    @extend_schema(operation_id="budget_upload_job", responses={200: BudgetUploadJobSerializer})
    def get(self, request: Request, pk: int) -> Response:
        job = get_for_user(UploadJob.objects.all(), request.user, pk)
        return Response(_job_body(job))


YEAR = OpenApiParameter("year", int, required=True)


class BudgetAnalysisApi(APIView):
    """Execution rates, unit costs and spending per capita for a year.

    ``table``: ``regions`` (execution and spending per capita by region), ``sub-programmes``
    (outputs and unit costs), ``months`` (cumulative execution), ``results`` (spending beside
    the monitoring indicator ``indicator``).
    """

    permission_classes = [*APIView.permission_classes, CanViewBudget]

    @extend_schema(
        operation_id="budget_analysis",
        parameters=[
            YEAR,
            OpenApiParameter("region", str, description="KATO code of a region"),
            OpenApiParameter("indicator", str),
        ],
        responses={200: dict},
    )
    def get(self, request: Request, table: str) -> Response:
        from qorgau.budget.views import TABLES

        try:
            year = int(request.query_params.get("year", ""))
        except ValueError:
            return Response(
                {"message": _("Give the year, e.g. ?year=2024."), "extra": {}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if table not in TABLES:
            return Response({"message": _("Unknown table."), "extra": {}}, status=404)
        rows = TABLES[table](year, request._request)
        return Response({"year": year, "table": table, "rows": rows})
