"""Record linkage over the API: runs (aggregates), starting a run, the review queue.

Runs and their counts are aggregates (``VIEW_AGGREGATES``); starting needs ``RUN_LINKAGE``.
The review queue and decisions need ``REVIEW_LINKAGE``; a pair's detail returns the two
records' decrypted attributes, audited like the review page.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.http import account_of
from qorgau.accounts.roles import REVIEW_LINKAGE, RUN_LINKAGE, VIEW_AGGREGATES
from qorgau.linkage import services
from qorgau.linkage.models import DEFAULT_THRESHOLD, CandidatePair, LinkageRun, PairStatus


class CanViewLinkageRuns(BasePermission):
    """Reading runs needs the aggregates permission; starting one needs the run permission."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method == "POST":
            return bool(request.user and request.user.has_perm(RUN_LINKAGE))
        return bool(request.user and request.user.has_perm(VIEW_AGGREGATES))


class CanReviewLinkage(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(REVIEW_LINKAGE))


class LinkageRunOutputSerializer(serializers.ModelSerializer[LinkageRun]):
    started_by = serializers.CharField(source="started_by.username", default=None)

    class Meta:
        model = LinkageRun
        fields = [
            "id",
            "started_at",
            "finished_at",
            "started_by",
            "backend",
            "years",
            "threshold",
            "status",
            "progress",
            "stage",
            "error",
            "counts",
            "quality",
            "model",
            "failure",
        ]


class LinkageRunInputSerializer(serializers.Serializer[Any]):
    years = serializers.ListField(
        child=serializers.IntegerField(min_value=1990, max_value=2100),
        required=False,
        max_length=50,
    )
    threshold = serializers.FloatField(min_value=0.5, max_value=0.999, default=DEFAULT_THRESHOLD)


class LinkageRunListApi(generics.ListAPIView[LinkageRun]):
    """Linkage runs, newest first; POST starts a run (the data steward)."""

    serializer_class = LinkageRunOutputSerializer
    permission_classes = [*generics.ListAPIView.permission_classes, CanViewLinkageRuns]
    queryset = LinkageRun.objects.select_related("started_by").order_by("-pk")

    @extend_schema(
        operation_id="linkage_runs_start",
        request=LinkageRunInputSerializer,
        responses={201: LinkageRunOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        incoming = LinkageRunInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with transaction.atomic():
            run = services.run_create(
                actor=account_of(request),
                years=incoming.validated_data.get("years"),
                threshold=incoming.validated_data["threshold"],
                request=request._request,
            )
            transaction.on_commit(lambda: services.run_start(run.pk))
        return Response(LinkageRunOutputSerializer(run).data, status=status.HTTP_201_CREATED)


class LinkageRunDetailApi(generics.RetrieveAPIView[LinkageRun]):
    """One run with its progress, counts and quality."""

    serializer_class = LinkageRunOutputSerializer
    permission_classes = [*generics.RetrieveAPIView.permission_classes, CanViewLinkageRuns]
    queryset = LinkageRun.objects.select_related("started_by")


class CandidatePairOutputSerializer(serializers.ModelSerializer[CandidatePair]):
    left_register = serializers.CharField(source="left.register")
    right_register = serializers.CharField(source="right.register")
    reviewer = serializers.CharField(source="reviewer.username", default=None)

    class Meta:
        model = CandidatePair
        fields = [
            "id",
            "run",
            "probability",
            "status",
            "left_register",
            "right_register",
            "reviewer",
            "decided_at",
        ]


class CandidatePairListApi(generics.ListAPIView[CandidatePair]):
    """The review queue: pairs near the threshold.

    ``?run=`` (default: the latest finished run), ``?status=pending|match|non_match``.
    """

    serializer_class = CandidatePairOutputSerializer
    permission_classes = [*generics.ListAPIView.permission_classes, CanReviewLinkage]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return CandidatePair.objects.none()
        pairs = CandidatePair.objects.select_related("left", "right", "reviewer")
        run = self.request.query_params.get("run")
        if run and run.isdigit():
            pairs = pairs.filter(run_id=int(run))
        else:
            latest = services.latest_finished_run()
            pairs = pairs.filter(run=latest) if latest else pairs.none()
        wanted = self.request.query_params.get("status", PairStatus.PENDING)
        return pairs.filter(status=wanted if wanted in PairStatus.values else PairStatus.PENDING)


class CandidatePairDetailApi(APIView):
    """GET: the two records' attributes (decrypted, audited). POST {"decision": "match" |
    "non_match"}: record the decision and apply it to the clusters."""

    permission_classes = [*APIView.permission_classes, CanReviewLinkage]

    def _pair(self, pk: int) -> CandidatePair:
        return generics.get_object_or_404(
            CandidatePair.objects.select_related("left", "right", "run"), pk=pk
        )

    @extend_schema(
        operation_id="linkage_pair_detail",
        responses={
            200: inline_serializer(
                "LinkagePairRecords",
                {
                    "pair": CandidatePairOutputSerializer(),
                    "left": serializers.DictField(),
                    "right": serializers.DictField(),
                },
            )
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        pair = self._pair(pk)
        left, right = services.pair_records(
            pair, actor=account_of(request), request=request._request
        )
        return Response(
            {
                "pair": CandidatePairOutputSerializer(pair).data,
                "left": dataclasses.asdict(left) if left else {},
                "right": dataclasses.asdict(right) if right else {},
            }
        )

    @extend_schema(
        operation_id="linkage_pair_decide",
        request=inline_serializer(
            "LinkagePairDecision",
            {"decision": serializers.ChoiceField(choices=["match", "non_match"])},
        ),
        responses={200: CandidatePairOutputSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        pair = self._pair(pk)
        decision = request.data.get("decision", "") if isinstance(request.data, dict) else ""
        try:
            pair = services.pair_decide(
                pair, actor=account_of(request), decision=str(decision), request=request._request
            )
        except ValidationError as exc:
            return Response(
                {"message": "Invalid decision.", "extra": {"fields": exc.message_dict}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(CandidatePairOutputSerializer(pair).data)
