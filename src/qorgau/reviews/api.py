"""The API of serious-case reviews (under ``/api/v1/reviews/``), for the review panel.

Thin over :mod:`qorgau.reviews.services` like the pages: only the keepers of reviews
(``KEEP_SERIOUS_CASE_REVIEWS``), a review found through the access layer (another region's is a
404, the attempt audited), every reading audited under the review and the victim, every change
made by a service (its refusal a 400 naming the field). The timeline leaves as the page shows
it: references and codes, never a name.
"""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import account_of
from qorgau.accounts.roles import KEEP_SERIOUS_CASE_REVIEWS
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.reviews import api_serializers as s
from qorgau.reviews import services
from qorgau.reviews.display import describe
from qorgau.reviews.models import Recommendation, ReviewStatus, SeriousCaseReview
from qorgau.reviews.timeline import agencies_of

UNKNOWN_STATUS = _("Choose a status from the list.")


class ReviewPanelPermission(BasePermission):
    """Only the keepers of serious-case reviews, for reading and writing alike."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(KEEP_SERIOUS_CASE_REVIEWS))


PERMISSIONS = [*APIView.permission_classes, ReviewPanelPermission]


def _read(request: Request, pk: int) -> SeriousCaseReview:
    """The review, audited under it and under the victim, as the review page does."""
    return services.review_for_user(user=request.user, pk=pk, request=request._request)


def _for_change(request: Request, pk: int) -> SeriousCaseReview:
    """The review a change acts on (the service audits the change itself)."""
    review: SeriousCaseReview = get_for_user(
        services.reviews_for_user(request.user), request.user, pk
    )
    return review


def _detail(review: SeriousCaseReview) -> dict[str, Any]:
    """The review the access layer gave, with its findings and recommendations read in two
    queries (never the review fetched again past the access layer)."""
    prefetch_related_objects([review], "findings", "recommendations__owner")
    return dict(s.ReviewDetailSerializer(review).data)


class ReviewListApi(generics.ListAPIView[SeriousCaseReview]):
    """The reviews of the keeper's territory, newest event first (``status`` filters)."""

    serializer_class = s.ReviewSerializer
    permission_classes = PERMISSIONS

    def get_queryset(self) -> Any:
        reviews = services.reviews_for_user(self.request.user).select_related("incident")
        wanted = self.request.query_params.get("status", "")
        if not wanted:
            return reviews
        if wanted not in ReviewStatus.values:
            raise serializers.ValidationError({"status": [str(UNKNOWN_STATUS)]})
        return reviews.filter(status=wanted)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=list(ReviewStatus.values), required=False)]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        audit_record(
            action=AuditAction.VIEW,
            request=request._request,
            actor=account_of(request),
            object_type="reviews.seriouscasereview",
            details={"list": True, "api": True},
        )
        return response


class ReviewDetailApi(APIView):
    """One review with its findings and recommendations."""

    permission_classes = PERMISSIONS

    @extend_schema(responses={200: s.ReviewDetailSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(_read(request, pk)))


class ReviewTimelineApi(APIView):
    """The review's stored timeline: day, what, about whom (``P-…``), the record, who saw it
    (agency and officer)."""

    permission_classes = PERMISSIONS

    @extend_schema(responses={200: s.TimelineEntrySerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        review = _read(request, pk)
        timeline = list(review.timeline.select_related("territory", "organisation", "officer"))
        agencies = agencies_of(timeline)
        who = {entry.pk: describe(entry, agencies)["who"] for entry in timeline}
        entries = s.TimelineEntrySerializer(timeline, many=True, context={"who": who})
        return Response(entries.data)


class ReviewFindingApi(APIView):
    """POST records a coded finding of the panel."""

    permission_classes = PERMISSIONS

    @extend_schema(request=s.FindingInputSerializer, responses={201: s.FindingSerializer})
    def post(self, request: Request, pk: int) -> Response:
        review = _for_change(request, pk)
        incoming = s.FindingInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        finding = services.finding_record(
            actor=account_of(request),
            review=review,
            request=request._request,
            **incoming.validated_data,
        )
        return Response(s.FindingSerializer(finding).data, status=status.HTTP_201_CREATED)


class ReviewRecommendationApi(APIView):
    """POST records a recommendation with its owner agency and deadline."""

    permission_classes = PERMISSIONS

    @extend_schema(
        request=s.RecommendationInputSerializer, responses={201: s.RecommendationSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        review = _for_change(request, pk)
        incoming = s.RecommendationInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        recommendation = services.recommendation_record(
            actor=account_of(request),
            review=review,
            request=request._request,
            **incoming.validated_data,
        )
        body = s.RecommendationSerializer(recommendation).data
        return Response(body, status=status.HTTP_201_CREATED)


class RecommendationStatusApi(APIView):
    """POST follows a recommendation up (also after its review closed)."""

    permission_classes = PERMISSIONS

    @extend_schema(
        request=s.RecommendationStatusInputSerializer,
        responses={200: s.RecommendationSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        recommendation: Recommendation = get_for_user(
            Recommendation.objects.select_related("review", "owner"), request.user, pk
        )
        incoming = s.RecommendationStatusInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        updated = services.recommendation_update(
            actor=account_of(request),
            recommendation=recommendation,
            request=request._request,
            **incoming.validated_data,
        )
        return Response(s.RecommendationSerializer(updated).data)


class ReviewCloseApi(APIView):
    """POST closes the review with its anonymised published summary."""

    permission_classes = PERMISSIONS

    @extend_schema(request=s.CloseInputSerializer, responses={200: s.ReviewDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        review = _for_change(request, pk)
        incoming = s.CloseInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        closed = services.review_close(
            actor=account_of(request),
            review=review,
            request=request._request,
            **incoming.validated_data,
        )
        return Response(_detail(closed))
