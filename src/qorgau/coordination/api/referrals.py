"""Referrals between agencies, their kinds and the notifications they raise, over the API."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import account_of
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.coordination import selectors as s
from qorgau.coordination import services
from qorgau.coordination.api.base import USERS, _audit_list, _run, _user_qs
from qorgau.coordination.api.serializers import (
    CoordinationAnswerSerializer,
    CoordinationNotificationSerializer,
    CoordinationOutcomeSerializer,
    CoordinationReadResultSerializer,
    CoordinationReadSerializer,
    CoordinationReferralInputSerializer,
    CoordinationReferralKindSerializer,
    CoordinationReferralSerializer,
)
from qorgau.coordination.filters import ReferralFilterSet
from qorgau.coordination.models import Notification, Referral, ReferralKind
from qorgau.registry.models import Person


class ReferralListApi(generics.ListAPIView[Referral]):
    permission_classes = USERS
    serializer_class = CoordinationReferralSerializer
    filterset_class = ReferralFilterSet

    def get_queryset(self) -> Any:
        return _user_qs(self, s.referrals_for, Referral)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_list(request, "coordination.referral")
        return response

    @extend_schema(
        request=CoordinationReferralInputSerializer,
        responses={201: CoordinationReferralSerializer},
        operation_id="coordination_referrals_send",
    )
    def post(self, request: Request) -> Response:
        data = CoordinationReferralInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = account_of(request)
        if values.get("person"):
            values["person"] = get_for_user(Person.objects.all(), user, values["person"])
        if values.get("case"):
            values["case"] = get_for_user(s.cases_for(user), user, values["case"])
        referral = _run(lambda: services.referral_send(actor=user, **values))
        return Response(
            CoordinationReferralSerializer(referral).data, status=status.HTTP_201_CREATED
        )


class ReferralDetailApi(generics.RetrieveAPIView[Referral]):
    permission_classes = USERS
    serializer_class = CoordinationReferralSerializer

    def get_queryset(self) -> Any:
        return _user_qs(self, s.referrals_for, Referral)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        audit_record(
            action=AuditAction.VIEW,
            request=request._request,
            actor=account_of(request),
            object_type="coordination.referral",
            object_id=str(kwargs["pk"]),
            details={"api": True},
        )
        return response


@extend_schema(request=CoordinationAnswerSerializer, responses=CoordinationReferralSerializer)
class ReferralAnswerApi(APIView):
    permission_classes = USERS

    def post(self, request: Request, pk: int) -> Response:
        referral = get_object_or_404(s.referrals_for(request.user), pk=pk)
        data = CoordinationAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _run(
            lambda: services.referral_answer(
                actor=account_of(request),
                referral=referral,
                accept=data.validated_data["accept"],
                reason=data.validated_data.get("reason", ""),
            )
        )
        return Response(CoordinationReferralSerializer(referral).data)


@extend_schema(request=CoordinationOutcomeSerializer, responses=CoordinationReferralSerializer)
class ReferralOutcomeApi(APIView):
    permission_classes = USERS

    def post(self, request: Request, pk: int) -> Response:
        referral = get_object_or_404(s.referrals_for(request.user), pk=pk)
        data = CoordinationOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _run(
            lambda: services.referral_report_outcome(
                actor=account_of(request),
                referral=referral,
                outcome=data.validated_data["outcome"],
                note=data.validated_data.get("note", ""),
            )
        )
        return Response(CoordinationReferralSerializer(referral).data)


class ReferralKindListApi(generics.ListAPIView[ReferralKind]):
    permission_classes = USERS
    serializer_class = CoordinationReferralKindSerializer
    queryset = ReferralKind.objects.filter(is_active=True)
    pagination_class = None


class NotificationListApi(generics.ListAPIView[Notification]):
    serializer_class = CoordinationNotificationSerializer
    filterset_fields = ["kind"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        notices = Notification.objects.filter(user_id=self.request.user.pk or 0)
        if self.request.query_params.get("unread"):
            notices = notices.filter(read_at__isnull=True)
        return notices


@extend_schema(request=CoordinationReadSerializer, responses=CoordinationReadResultSerializer)
class NotificationReadApi(APIView):
    def post(self, request: Request) -> Response:
        data = CoordinationReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            user=account_of(request), ids=data.validated_data.get("ids")
        )
        return Response({"marked": marked})
