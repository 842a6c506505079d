"""The notifications of one survivor case over the API (mounted under /api/v1/notices/).

Read-only: her subscription (the contact masked, never in full) and the messages sent, each
with its text as sent. Only the caseworkers of the organisation that holds the case; another
organisation's case is a 404, audited; the decryption of the texts is audited.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import account_of
from qorgau.accounts.roles import MANAGE_SURVIVOR_CASES
from qorgau.cases.models import SurvivorCase
from qorgau.notices import services
from qorgau.notices.models import Channel, EventKind, MessageStatus


class Caseworker(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(MANAGE_SURVIVOR_CASES))


def masked(contact: str) -> str:
    """The last characters of her contact only: enough to recognise it, not to reach her."""
    if len(contact) <= 4:
        return "•" * len(contact)
    return "•" * (len(contact) - 3) + contact[-3:]


class NoticeSubscriptionSerializer(serializers.Serializer[Any]):
    channel = serializers.ChoiceField(choices=Channel.choices)
    contact_masked = serializers.CharField()
    language = serializers.CharField()
    explicit_wording = serializers.BooleanField()
    events = serializers.ListField(child=serializers.CharField())  # EventKind values
    ending_days = serializers.IntegerField()
    quiet_from = serializers.TimeField(allow_null=True)
    quiet_until = serializers.TimeField(allow_null=True)
    callback_phone = serializers.CharField()
    opted_in_on = serializers.DateField()


class NoticeMessageSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    event_kind = serializers.ChoiceField(choices=EventKind.choices)
    event_date = serializers.DateField()
    status = serializers.ChoiceField(choices=MessageStatus.choices)
    reason = serializers.CharField()
    attempts = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    language = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class CaseNoticesSerializer(serializers.Serializer[Any]):
    case = serializers.IntegerField()
    consent_in_force = serializers.BooleanField()
    subscription = NoticeSubscriptionSerializer(allow_null=True)
    messages = NoticeMessageSerializer(many=True)


@extend_schema(responses=CaseNoticesSerializer)
class CaseNoticesApi(APIView):
    """Her subscription and the messages sent for one survivor case."""

    permission_classes = [*APIView.permission_classes, Caseworker]

    def get(self, request: Request, case_pk: int) -> Response:
        try:
            case = get_for_user(
                SurvivorCase.objects.all(), request.user, case_pk, permission=MANAGE_SURVIVOR_CASES
            )
        except Http404:
            raise NotFound from None
        found = services.case_notices(
            actor=account_of(request), case=case, request=request._request
        )
        current = found.subscription
        data = {
            "case": case.pk,
            "consent_in_force": case.consent_in_force(),
            "subscription": None
            if current is None
            else {
                "channel": current.channel,
                "contact_masked": masked(found.contact),
                "language": current.language,
                "explicit_wording": current.explicit_wording,
                "events": current.events,
                "ending_days": current.ending_days,
                "quiet_from": current.quiet_from,
                "quiet_until": current.quiet_until,
                "callback_phone": current.callback_phone,
                "opted_in_on": current.opted_in_on,
            },
            "messages": [
                {
                    "id": message.pk,
                    "event_kind": message.event_kind,
                    "event_date": message.event_date,
                    "status": message.status,
                    "reason": message.reason,
                    "attempts": message.attempts,
                    "channel": message.channel,
                    "language": message.language,
                    "text": text,
                    "created_at": message.created_at,
                    "sent_at": message.sent_at,
                }
                for message, text in found.messages
            ],
        }
        return Response(CaseNoticesSerializer(data).data)
