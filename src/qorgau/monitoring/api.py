"""Monitoring over the API: the catalogue, stored values, and aggregate reports."""

from __future__ import annotations

import dataclasses
from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.http import account_of
from qorgau.accounts.roles import VIEW_AGGREGATES
from qorgau.monitoring import aggregates as agg
from qorgau.monitoring.aggregate_views import ReportFilterSet, reports_for
from qorgau.monitoring.catalogue import catalogue_load
from qorgau.monitoring.models import AggregateReport, IndicatorValue
from qorgau.monitoring.periods import period_parse
from qorgau.monitoring.release import may_see_exact, release_protect
from qorgau.territory.models import Territory


class CanViewAggregates(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(VIEW_AGGREGATES))


class CanUseAggregateReports(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return any(request.user.has_perm(p) for p in (agg.ENTER, agg.APPROVE, agg.ACCEPT))


class IndicatorCatalogueApi(APIView):
    """The indicator catalogue: definitions, directions, sources, in three languages."""

    permission_classes = [*APIView.permission_classes, CanViewAggregates]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        catalogue = catalogue_load()
        return Response(
            {
                "version": catalogue.version,
                "indicators": [
                    {
                        "code": i.code,
                        "study_measure": i.study_measure,
                        "name": i.name,
                        "unit": i.unit,
                        "numerator": {"measure": i.numerator.measure, "filter": i.numerator.filter},
                        "denominator": {
                            "measure": i.denominator.measure,
                            "filter": i.denominator.filter,
                        },
                        "multiplier": i.multiplier,
                        "better": i.better,
                        "disaggregations": list(i.disaggregations),
                        "source": i.source,
                        "rationale": i.rationale,
                        "gaming": i.gaming,
                        "awaiting_source": any(
                            t.measure in catalogue.awaiting for t in (i.numerator, i.denominator)
                        ),
                    }
                    for i in catalogue.indicators
                ],
            }
        )


class IndicatorValueFilterSet(django_filters.FilterSet):
    territory = django_filters.CharFilter(field_name="territory__kato_code")

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "period", "period_kind", "breakdown", "territory"]


class IndicatorValueListApi(generics.ListAPIView[IndicatorValue]):
    """Stored indicator values, filtered by indicator, period (2024, 2024Q4, 2024-10), KATO code."""

    class IndicatorValueOutputSerializer(serializers.ModelSerializer[IndicatorValue]):
        territory_code = serializers.CharField(source="territory.kato_code")

        class Meta:
            model = IndicatorValue
            fields = [
                "indicator",
                "territory_code",
                "period",
                "period_kind",
                "breakdown",
                "numerator",
                "denominator",
                "value",
                "low",
                "high",
                "computed_at",
            ]

    serializer_class = IndicatorValueOutputSerializer
    filterset_class = IndicatorValueFilterSet
    permission_classes = [*generics.ListAPIView.permission_classes, CanViewAggregates]
    queryset = IndicatorValue.objects.select_related("territory").order_by(
        "indicator", "period_start", "territory_id"
    )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The stored figures for the statistics roles; for every other role the protected
        release, exactly as its downloads and the open-data page give them — the API must not
        be the one door to exact small-area counts."""
        if may_see_exact(request.user):
            return super().list(request, *args, **kwargs)
        values = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = self.get_serializer(values, many=True).data
        _protect(rows, values or [])
        return self.get_paginated_response(rows)


def _protect(rows: Any, values: list[IndicatorValue]) -> None:
    """Protect serialised rows in place, a period at a time (the release keys on the period)."""
    by_period: dict[str, list[dict[str, Any]]] = {}
    for row, value in zip(rows, values, strict=True):
        row["_territory_id"] = value.territory_id
        by_period.setdefault(value.period, []).append(row)
    for code, group in by_period.items():
        release_protect(group, period_parse(code))
    for row in rows:
        row.pop("_territory_id")


class OutlierFlagSerializer(serializers.Serializer[Any]):
    """A figure far from the reporter's own history (``aggregates.figures_outliers``)."""

    item = serializers.CharField()
    value = serializers.IntegerField()
    median = serializers.FloatField()
    low = serializers.IntegerField(help_text="the usual range's lower end")
    high = serializers.IntegerField(help_text="the usual range's upper end")
    months = serializers.IntegerField(help_text="months of history compared with")


class AggregateReportOutputSerializer(serializers.ModelSerializer[AggregateReport]):
    territory = serializers.CharField(source="territory.kato_code")
    figures = serializers.SerializerMethodField()
    outliers = serializers.SerializerMethodField()

    class Meta:
        model = AggregateReport
        fields = [
            "id",
            "form",
            "period",
            "territory",
            "organisation",
            "status",
            "return_reason",
            "figures",
            "outliers",
        ]

    def get_figures(self, report: AggregateReport) -> dict[str, int]:
        return dict(report.figures.values_list("item", "value"))

    @extend_schema_field(OutlierFlagSerializer(many=True))
    def get_outliers(self, report: AggregateReport) -> list[dict[str, Any]]:
        """Figures to check before submitting or approving: advice, never a refusal."""
        return [dataclasses.asdict(flag) for flag in agg.report_outliers(report)]


class AggregateReportListApi(generics.ListCreateAPIView[AggregateReport]):
    """Aggregate reports in the user's scope; POST saves a draft (validated as on the page)."""

    class AggregateReportInputSerializer(serializers.Serializer[Any]):
        form = serializers.CharField()
        period = serializers.CharField()
        territory = serializers.SlugRelatedField(
            slug_field="kato_code",
            queryset=Territory.objects.current(),
            required=False,
            allow_null=True,
        )
        figures = serializers.DictField(child=serializers.IntegerField())

    serializer_class = AggregateReportOutputSerializer
    permission_classes = [*generics.ListAPIView.permission_classes, CanUseAggregateReports]
    filterset_class = ReportFilterSet

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return AggregateReport.objects.none()
        return reports_for(self.request.user).prefetch_related("figures")

    @extend_schema(
        request=AggregateReportInputSerializer, responses={201: AggregateReportOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.AggregateReportInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        report = agg.report_save(
            actor=account_of(request),
            form_code=data["form"],
            period=data["period"],
            values=data["figures"],
            territory=data.get("territory"),
            request=request._request,
        )
        return Response(
            AggregateReportOutputSerializer(report).data, status=status.HTTP_201_CREATED
        )


class AggregateReportStepApi(APIView):
    """POST submit | approve | accept | return (with {"reason": ...})."""

    permission_classes = [*APIView.permission_classes, CanUseAggregateReports]

    @extend_schema(
        operation_id="aggregate_reports_step",
        request=None,
        responses={200: AggregateReportOutputSerializer},
    )
    def post(self, request: Request, pk: int, step: str) -> Response:
        report = generics.get_object_or_404(reports_for(request.user), pk=pk)
        if step == "return":
            agg.report_return(
                report,
                actor=account_of(request),
                reason=str(request.data.get("reason", ""))
                if isinstance(request.data, dict)
                else "",
                request=request._request,
            )
        else:
            action = {
                "submit": agg.report_submit,
                "approve": agg.report_approve,
                "accept": agg.report_accept,
            }
            if step not in action:
                return Response(
                    {"message": "Unknown step.", "extra": {}}, status=status.HTTP_404_NOT_FOUND
                )
            action[step](report, actor=account_of(request), request=request._request)
        report.refresh_from_db()
        return Response(AggregateReportOutputSerializer(report).data)
