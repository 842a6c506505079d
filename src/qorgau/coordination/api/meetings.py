"""Bodies, meetings, their candidates, decisions, conference cases and safety actions over the
API: the work of a coordinating body, listed for its keepers and members.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import account_of
from qorgau.coordination import selectors as s
from qorgau.coordination import services
from qorgau.coordination.api.base import (
    KEEPERS,
    USERS,
    _audit_list,
    _run,
    _user_qs,
    get_for_user_or_404,
)
from qorgau.coordination.api.serializers import (
    CoordinatingBodySerializer,
    CoordinationActionSerializer,
    CoordinationCandidateSerializer,
    CoordinationCaseSerializer,
    CoordinationDecisionSerializer,
    CoordinationItemUpdateSerializer,
    CoordinationMeetingSerializer,
)
from qorgau.coordination.filters import ActionFilterSet, DecisionFilterSet
from qorgau.coordination.models import (
    ConferenceCase,
    CoordinatingBody,
    Decision,
    Meeting,
    MeetingKind,
    SafetyAction,
)
from qorgau.registry.models import Person


class BodyListApi(generics.ListAPIView[CoordinatingBody]):
    permission_classes = USERS
    serializer_class = CoordinatingBodySerializer

    def get_queryset(self) -> Any:
        return _user_qs(self, s.bodies_for, CoordinatingBody).prefetch_related(
            "members__organisation"
        )


class MeetingListApi(generics.ListCreateAPIView[Meeting]):
    permission_classes = USERS
    serializer_class = CoordinationMeetingSerializer
    filterset_fields = ["body", "kind", "status"]

    def get_queryset(self) -> Any:
        return _user_qs(self, s.meetings_for, Meeting).order_by("-planned_at")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        body = get_object_or_404(s.bodies_for(self.request.user), pk=data["body"].pk)
        serializer.instance = _run(
            lambda: services.meeting_plan(
                actor=account_of(self.request),
                body=body,
                planned_at=data["planned_at"],
                kind=data.get("kind", MeetingKind.REGULAR),
                agenda=data.get("agenda", ""),
                place=data.get("place", ""),
            )
        )


@extend_schema(responses=CoordinationCandidateSerializer(many=True))
class CandidateListApi(APIView):
    """The cases proposed for a case conference (pseudonymous)."""

    permission_classes = KEEPERS

    def get(self, request: Request, pk: int) -> Response:
        meeting = get_object_or_404(
            s.meetings_for(request.user).filter(kind=MeetingKind.CONFERENCE), pk=pk
        )
        day = meeting.held_on or timezone.localtime(meeting.planned_at).date()
        found = s.conference_candidates(meeting.body.territory, on=day)
        _audit_list(request, "coordination.candidates")
        rows = [
            {
                "victim_id": c.victim_id,
                "reference": c.reference,
                "reasons": sorted(c.reasons),
                "district_id": c.district_id,
                "last_event": c.last_event,
            }
            for c in found
        ]
        return Response(CoordinationCandidateSerializer(rows, many=True).data)


class DecisionListApi(generics.ListCreateAPIView[Decision]):
    permission_classes = USERS
    serializer_class = CoordinationDecisionSerializer
    filterset_class = DecisionFilterSet

    def get_queryset(self) -> Any:
        return _user_qs(self, s.decisions_for, Decision)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        meeting = get_object_or_404(s.meetings_for(self.request.user), pk=data["meeting"].pk)
        serializer.instance = _run(
            lambda: services.decision_add(
                actor=account_of(self.request),
                meeting=meeting,
                text=data["text"],
                owner=data["owner"],
                deadline=data["deadline"],
            )
        )


class CaseListApi(generics.ListCreateAPIView[ConferenceCase]):
    permission_classes = KEEPERS
    serializer_class = CoordinationCaseSerializer
    filterset_fields = ["meeting"]

    def get_queryset(self) -> Any:
        return _user_qs(self, s.cases_for, ConferenceCase)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_list(request, "coordination.conferencecase")
        return response

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        user = account_of(self.request)
        meeting = get_object_or_404(s.meetings_for(user), pk=data["meeting"].pk)
        victim = Person.objects.only("pk").get(pk=data["victim"].pk)  # checked by the service
        serializer.instance = _run(
            lambda: services.case_add(
                actor=user,
                meeting=meeting,
                victim=victim,
                district=data["district"],
                sharing_basis=data["sharing_basis"],
                sharing_reference=data["sharing_reference"],
                reasons=data.get("reasons") or [],
                summary=data.get("summary", ""),
            )
        )


class ActionListApi(generics.ListCreateAPIView[SafetyAction]):
    permission_classes = USERS
    serializer_class = CoordinationActionSerializer
    filterset_class = ActionFilterSet

    def get_queryset(self) -> Any:
        return _user_qs(self, s.actions_for, SafetyAction)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_list(request, "coordination.safetyaction")
        return response

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        user = account_of(self.request)
        case = get_for_user(s.cases_for(user), user, data["case"].pk)
        serializer.instance = _run(
            lambda: services.action_add(
                actor=user,
                case=case,
                owner=data["owner"],
                description=data["description"],
                deadline=data["deadline"],
            )
        )


class _ItemUpdateApi(APIView):
    permission_classes = USERS
    selector: Any = None
    output: Any = None

    def post(self, request: Request, pk: int) -> Response:
        item = get_for_user_or_404(type(self).selector(request.user), pk)
        data = CoordinationItemUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _run(
            lambda: services.item_update(
                actor=account_of(request),
                item=item,
                status=data.validated_data["status"],
                note=data.validated_data.get("note", ""),
            )
        )
        return Response(self.output(item).data)


@extend_schema(request=CoordinationItemUpdateSerializer, responses=CoordinationActionSerializer)
class ActionUpdateApi(_ItemUpdateApi):
    selector = staticmethod(s.actions_for)
    output = CoordinationActionSerializer


@extend_schema(request=CoordinationItemUpdateSerializer, responses=CoordinationDecisionSerializer)
class DecisionUpdateApi(_ItemUpdateApi):
    selector = staticmethod(s.decisions_for)
    output = CoordinationDecisionSerializer
