"""The rating over the API: methods, runs, results (with their explanation)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.http import account_of
from qorgau.accounts.roles import EDIT_RATING_METHOD, RUN_RATING, VIEW_AGGREGATES
from qorgau.rating import selectors
from qorgau.rating.methods import MethodError
from qorgau.rating.models import (
    Level,
    RatingIndicatorResult,
    RatingMethod,
    RatingResult,
    RatingRun,
)
from qorgau.rating.services import method_store, method_sync_builtin, rating_run
from qorgau.territory.models import Territory


class CanViewRating(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if request.method == "POST":
            needed = EDIT_RATING_METHOD if isinstance(view, MethodListApi) else RUN_RATING
            return bool(user and user.has_perm(needed))
        return bool(user and user.has_perm(VIEW_AGGREGATES))


class MethodOutputSerializer(serializers.ModelSerializer[RatingMethod]):
    class Meta:
        model = RatingMethod
        fields = ["id", "name", "version", "sha256", "builtin", "note", "created_at", "content"]


class MethodListApi(generics.ListCreateAPIView[RatingMethod]):
    """Method versions (public, like the method page); POST {"content": YAML} stores a new one."""

    class MethodInputSerializer(serializers.Serializer[Any]):
        content = serializers.CharField()
        note = serializers.CharField(required=False, allow_blank=True, default="")

    serializer_class = MethodOutputSerializer
    queryset = RatingMethod.objects.order_by("name", "-version")

    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return [AllowAny()]
        return [*super().get_permissions(), CanViewRating()]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        method_sync_builtin()
        return super().list(request, *args, **kwargs)

    @extend_schema(request=MethodInputSerializer, responses={201: MethodOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.MethodInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            stored = method_store(
                text=incoming.validated_data["content"],
                actor=account_of(request),
                note=incoming.validated_data["note"],
            )
        except MethodError as exc:
            return Response(
                {"message": str(exc), "extra": {"key": exc.key, "reason": exc.reason}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(MethodOutputSerializer(stored).data, status=status.HTTP_201_CREATED)


class RunOutputSerializer(serializers.ModelSerializer[RatingRun]):
    region = serializers.CharField(source="region.kato_code", allow_null=True, default=None)

    class Meta:
        model = RatingRun
        fields = [
            "id",
            "method_name",
            "method_version",
            "method_sha256",
            "data_sha256",
            "year",
            "level",
            "region",
            "draws",
            "seed",
            "status",
            "progress",
            "error",
            "summary",
            "created_at",
            "finished_at",
        ]


class RunListApi(generics.ListCreateAPIView[RatingRun]):
    """Rating runs the user may see; POST starts one (RUN_RATING)."""

    class RunInputSerializer(serializers.Serializer[Any]):
        year = serializers.IntegerField(min_value=2000, max_value=2100)
        level = serializers.ChoiceField(choices=Level.choices, default=Level.REGION)
        region = serializers.SlugRelatedField(
            slug_field="kato_code",
            queryset=Territory.objects.current().regions(),
            required=False,
            allow_null=True,
        )
        method = serializers.PrimaryKeyRelatedField(
            queryset=RatingMethod.objects.all(), required=False, allow_null=True
        )
        draws = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
        seed = serializers.IntegerField(min_value=0, required=False)

    serializer_class = RunOutputSerializer
    permission_classes = [*generics.ListCreateAPIView.permission_classes, CanViewRating]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return RatingRun.objects.none()
        return selectors.runs_for(self.request.user)

    @extend_schema(request=RunInputSerializer, responses={201: RunOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.RunInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if data["level"] == Level.DISTRICT and not data.get("region"):
            return Response(
                {"message": "A district rating needs its region.", "extra": {"fields": ["region"]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            run = rating_run(
                year=data["year"],
                level=data["level"],
                region=data.get("region"),
                method=data.get("method"),
                draws=data.get("draws"),
                seed=data.get("seed"),
                actor=account_of(request),
            )
        except (ValueError, MethodError) as exc:
            return Response({"message": str(exc), "extra": {}}, status=status.HTTP_400_BAD_REQUEST)
        return Response(RunOutputSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(generics.RetrieveAPIView[RatingRun]):
    serializer_class = RunOutputSerializer
    permission_classes = [*generics.RetrieveAPIView.permission_classes, CanViewRating]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return RatingRun.objects.none()
        return selectors.runs_for(self.request.user)


class IndicatorResultSerializer(serializers.ModelSerializer[RatingIndicatorResult]):
    class Meta:
        model = RatingIndicatorResult
        fields = [
            "indicator",
            "value",
            "low",
            "high",
            "normalised",
            "contribution",
            "weight",
            "imputed",
            "missing",
            "missing_detail",
            "constant",
            "previous_value",
            "gain",
            "rank_if_improved",
        ]


class ResultOutputSerializer(serializers.ModelSerializer[RatingResult]):
    territory = serializers.CharField(source="territory.kato_code")
    territory_name = serializers.CharField(source="territory.name")
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = RatingResult
        fields = [
            "territory",
            "territory_name",
            "score",
            "rank",
            "score_low",
            "score_high",
            "rank_low",
            "rank_median",
            "rank_high",
            "above_next",
            "real_difference",
            "groups",
            "flags",
            "imputed",
            "previous_score",
            "previous_rank",
            "indicators",
        ]

    def get_indicators(self, result: RatingResult) -> list[dict[str, Any]] | None:
        user = self.context["request"].user
        if not selectors.may_see_scorecard(user, result.territory):
            return None
        return list(IndicatorResultSerializer(result.indicators.all(), many=True).data)


class ResultListApi(generics.ListAPIView[RatingResult]):
    """The league table of a run; each row's indicators (the scorecard) only within the user's
    region for users scoped below the country."""

    serializer_class = ResultOutputSerializer
    permission_classes = [*generics.ListAPIView.permission_classes, CanViewRating]
    pagination_class = None

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return RatingResult.objects.none()
        run = generics.get_object_or_404(
            selectors.runs_for(self.request.user), pk=self.kwargs["pk"]
        )
        return run.results.select_related("territory").prefetch_related("indicators")
