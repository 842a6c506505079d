"""Estimates over the API: list and filter the latest results; start a run (RUN_ESTIMATION)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.roles import RUN_ESTIMATION, VIEW_AGGREGATES
from qorgau.latency import selectors, services
from qorgau.latency.models import EstimationResult, EstimationRun, RunSource
from qorgau.latency.services import DEFAULT_RUN_METHOD, RUN_METHODS


class CanViewEstimates(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(VIEW_AGGREGATES))


class CanRunEstimation(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return bool(request.user and request.user.has_perm(VIEW_AGGREGATES))
        return bool(request.user and request.user.has_perm(RUN_ESTIMATION))


class LatencyResultSerializer(serializers.ModelSerializer[EstimationResult]):
    run = serializers.IntegerField(source="run_id")
    capture_source = serializers.CharField(source="run.source")

    class Meta:
        model = EstimationResult
        fields = [
            "run",
            "capture_source",
            "region_code",
            "year",
            "method",
            "selection",
            "registered",
            "police",
            "observed",
            "estimate",
            "ci_low",
            "ci_high",
            "interval",
            "ratio",
            "ratio_low",
            "ratio_high",
            "model_terms",
            "chao",
            "spread",
            "warnings",
            "status",
            "refusal",
            "unpublished",
        ]


class LatencyRunSerializer(serializers.ModelSerializer[EstimationRun]):
    capture_source = serializers.CharField(source="source")
    progress = serializers.IntegerField()

    class Meta:
        model = EstimationRun
        fields = [
            "id",
            "status",
            "capture_source",
            "selection",
            "bootstrap",
            "seed",
            "first_year",
            "last_year",
            "done",
            "total",
            "progress",
            "message",
            "started_at",
            "finished_at",
        ]


class LatencyRunInputSerializer(serializers.Serializer[Any]):
    # Only the linked registers: estimates from the synthetic truth are a command-line
    # evaluation of the synth part (qorgau synth_evaluate_estimates), never a published run.
    capture_source = serializers.ChoiceField(
        choices=[(RunSource.LINKAGE.value, RunSource.LINKAGE.label)], default=RunSource.LINKAGE
    )
    selection = serializers.ChoiceField(choices=list(RUN_METHODS), default=DEFAULT_RUN_METHOD)
    first_year = serializers.IntegerField(min_value=2000, max_value=2100)
    last_year = serializers.IntegerField(min_value=2000, max_value=2100)
    bootstrap = serializers.IntegerField(min_value=0, max_value=2000, default=0)
    seed = serializers.IntegerField(default=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["first_year"] > attrs["last_year"]:
            raise serializers.ValidationError("first_year comes after last_year")
        return attrs


class LatencyResultListApi(APIView):
    """The latest estimate of every region, year and method (from finished runs)."""

    permission_classes = [*APIView.permission_classes, CanViewEstimates]

    @extend_schema(
        operation_id="latency_results_list",
        parameters=[
            OpenApiParameter("region_code", str, description="today's KATO code of the region"),
            OpenApiParameter("year", int),
            OpenApiParameter("method", str, enum=["mse", "survey"]),
        ],
        responses={200: LatencyResultSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        year = request.query_params.get("year", "")
        results = selectors.latest_results(
            method=request.query_params.get("method") or None,
            region_code=request.query_params.get("region_code") or None,
            year=int(year) if year.isdigit() else None,
        )
        return Response(LatencyResultSerializer(results, many=True).data)


class LatencyRunApi(APIView):
    """GET: the recent runs. POST: start a run (needs the right to run estimation)."""

    permission_classes = [*APIView.permission_classes, CanRunEstimation]

    @extend_schema(
        operation_id="latency_runs_list", responses={200: LatencyRunSerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        return Response(LatencyRunSerializer(EstimationRun.objects.all()[:50], many=True).data)

    @extend_schema(
        operation_id="latency_runs_create",
        request=LatencyRunInputSerializer,
        responses={202: LatencyRunSerializer},
    )
    def post(self, request: Request) -> Response:
        incoming = LatencyRunInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        years = list(range(data["first_year"], data["last_year"] + 1))
        run = services.estimation_start(
            user=request.user,
            years=years,
            selection=data["selection"],
            bootstrap=data["bootstrap"],
            seed=data["seed"],
        )
        services.run_in_background(run, years=years)
        return Response(LatencyRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
