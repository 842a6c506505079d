"""Reports over the API: ask for a report, follow it, download the stored file."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.http import account_of
from qorgau.accounts.roles import VIEW_AGGREGATES
from qorgau.reports.models import Report, ReportFormat, ReportKind, ReportLanguage
from qorgau.reports.render import ReportError
from qorgau.reports.services import report_request, reports_for
from qorgau.reports.views import report_response


class CanViewAggregates(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(VIEW_AGGREGATES))


class PeriodicReportOutputSerializer(serializers.ModelSerializer[Report]):
    territory = serializers.CharField(source="territory.kato_code")
    requested_by = serializers.CharField(source="requested_by.username", default=None)
    computation_run = serializers.DateTimeField(source="computation_run.started_at", default=None)

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "territory",
            "period",
            "language",
            "format",
            "status",
            "progress",
            "stage",
            "error",
            "requested_by",
            "requested_at",
            "finished_at",
            "computation_run",
            "sections",
            "size",
            "sha256",
        ]


class PeriodicReportInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    region = serializers.CharField(required=False, allow_blank=True, help_text="KATO code")
    period = serializers.CharField(help_text="2024, 2024Q4 or 2024-10")
    language = serializers.ChoiceField(choices=ReportLanguage.choices)
    format = serializers.ChoiceField(choices=ReportFormat.choices, default=ReportFormat.PDF)


class ReportListApi(generics.ListCreateAPIView[Report]):
    """Stored reports the user may see; POST asks for a new one (generated in the background)."""

    serializer_class = PeriodicReportOutputSerializer
    permission_classes = [*generics.ListCreateAPIView.permission_classes, CanViewAggregates]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return reports_for(self.request.user)

    @extend_schema(
        request=PeriodicReportInputSerializer, responses={201: PeriodicReportOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = PeriodicReportInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            report = report_request(
                actor=account_of(request),
                kind=data["kind"],
                code=data.get("region") or None,
                period=data["period"],
                language=data["language"],
                fmt=data["format"],
            )
        except ReportError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        report.refresh_from_db()
        return Response(PeriodicReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportDetailApi(generics.RetrieveAPIView[Report]):
    """One report with its status and progress."""

    serializer_class = PeriodicReportOutputSerializer
    permission_classes = [*generics.RetrieveAPIView.permission_classes, CanViewAggregates]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return reports_for(self.request.user)


class ReportFileApi(APIView):
    """The report file (PDF or HTML) once it is ready; 404 before."""

    permission_classes = [*APIView.permission_classes, CanViewAggregates]

    @extend_schema(
        operation_id="reports_file",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "text/html"): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        report = generics.get_object_or_404(reports_for(request.user), pk=pk)
        return report_response(report)
