"""The coordination part over the API: the same selectors, filter sets and services as the pages.

Reads return only what the user's agency may see (pseudonymous references, never names); every
read of cases, actions and referrals and every change is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user
from qorgau.accounts.models import Organisation
from qorgau.accounts.roles import ACT_FOR_AGENCY, KEEP_COORDINATING_BODY
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.coordination import selectors as s
from qorgau.coordination import services
from qorgau.coordination.filters import ActionFilterSet, DecisionFilterSet, ReferralFilterSet
from qorgau.coordination.models import (
    ConferenceCase,
    CoordinatingBody,
    Decision,
    ItemStatus,
    Meeting,
    MeetingKind,
    Membership,
    Notification,
    Referral,
    ReferralKind,
    ReferralOutcome,
    SafetyAction,
    SharingBasis,
)
from qorgau.registry.models import Person
from qorgau.territory.models import Territory


class CoordinationUser(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(
            user and (user.has_perm(KEEP_COORDINATING_BODY) or user.has_perm(ACT_FOR_AGENCY))
        )


class Keeper(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(KEEP_COORDINATING_BODY))


USERS = [*APIView.permission_classes, CoordinationUser]
KEEPERS = [*APIView.permission_classes, Keeper]


def _run(action: Any) -> Any:
    try:
        return action()
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        ) from exc
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc) or None) from exc


def _audit_list(request: Request, object_type: str) -> None:
    audit_record(
        action=AuditAction.VIEW,
        request=request._request,
        actor=request.user,
        object_type=object_type,
        details={"list": True, "api": True, "filters": request.query_params.dict()},
    )


# --- Serializers ------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class _ItemStatusField(serializers.CharField):
    """Shared by decisions and actions; inline in the schema (one choice set, two components)."""


@extend_schema_field(OpenApiTypes.STR)
class _OutcomeField(serializers.CharField):
    pass


class CoordinationMemberSerializer(serializers.ModelSerializer[Membership]):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    organisation_display_name = serializers.CharField(
        source="organisation.display_name", read_only=True
    )
    organisation_kind = serializers.CharField(source="organisation.kind", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "organisation",
            "organisation_name",
            "organisation_display_name",
            "organisation_kind",
            "role",
            "joined_on",
            "left_on",
        ]


class CoordinatingBodySerializer(serializers.ModelSerializer[CoordinatingBody]):
    members = CoordinationMemberSerializer(many=True, read_only=True)

    class Meta:
        model = CoordinatingBody
        fields = ["id", "name", "display_name", "territory", "is_active", "members"]


class CoordinationMeetingSerializer(serializers.ModelSerializer[Meeting]):
    class Meta:
        model = Meeting
        fields = [
            "id",
            "body",
            "kind",
            "planned_at",
            "duration_minutes",
            "place",
            "agenda",
            "status",
            "held_on",
            "minutes",
            "attendees",
        ]
        read_only_fields = ["status", "held_on", "minutes", "attendees"]


class CoordinationDecisionSerializer(serializers.ModelSerializer[Decision]):
    reference = serializers.CharField(read_only=True)
    status = _ItemStatusField(read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "reference",
            "meeting",
            "text",
            "owner",
            "deadline",
            "status",
            "completed_on",
            "progress_note",
            "escalated_at",
        ]
        read_only_fields = ["status", "completed_on", "progress_note", "escalated_at"]


class CoordinationActionSerializer(serializers.ModelSerializer[SafetyAction]):
    """What an agency sees of a case: its reference and the action, nothing else."""

    reference = serializers.CharField(read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    status = _ItemStatusField(read_only=True)

    class Meta:
        model = SafetyAction
        fields = [
            "id",
            "reference",
            "case",
            "case_reference",
            "description",
            "owner",
            "deadline",
            "status",
            "completed_on",
            "progress_note",
            "escalated_at",
        ]
        read_only_fields = ["status", "completed_on", "progress_note", "escalated_at"]


class CoordinationCaseSerializer(serializers.ModelSerializer[ConferenceCase]):
    reference = serializers.CharField(read_only=True)
    victim_reference = serializers.CharField(source="victim.label", read_only=True)

    class Meta:
        model = ConferenceCase
        fields = [
            "id",
            "reference",
            "meeting",
            "victim",
            "victim_reference",
            "district",
            "discussed_on",
            "reasons",
            "sharing_basis",
            "sharing_reference",
            "summary",
        ]
        read_only_fields = ["discussed_on"]


class CoordinationReferralSerializer(serializers.ModelSerializer[Referral]):
    reference = serializers.CharField(read_only=True)
    person_reference = serializers.CharField(source="case_reference", read_only=True)
    outcome = _OutcomeField(read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "kind",
            "person_reference",
            "case",
            "district",
            "sender",
            "receiver",
            "reason",
            "sharing_basis",
            "sharing_reference",
            "status",
            "sent_at",
            "respond_by",
            "responded_at",
            "decline_reason",
            "outcome_due_by",
            "outcome",
            "outcome_note",
            "completed_at",
            "escalated_at",
        ]
        read_only_fields = fields


class CoordinationReferralInputSerializer(serializers.Serializer[Any]):
    kind = serializers.SlugRelatedField(slug_field="code", queryset=ReferralKind.objects.all())
    sender = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    receiver = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    district = serializers.PrimaryKeyRelatedField(queryset=Territory.objects.all())
    person = serializers.IntegerField(required=False, allow_null=True)
    case = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=500)
    sharing_basis = serializers.ChoiceField(choices=SharingBasis.choices)
    sharing_reference = serializers.CharField(max_length=400, required=False, allow_blank=True)


class CoordinationReferralKindSerializer(serializers.ModelSerializer[ReferralKind]):
    class Meta:
        model = ReferralKind
        fields = ["code", "name", "receiver_kinds", "respond_within_hours", "outcome_within_days"]


class CoordinationNotificationSerializer(serializers.ModelSerializer[Notification]):
    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "url", "created_at", "read_at"]


class CoordinationItemUpdateSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=[ItemStatus.IN_PROGRESS, ItemStatus.DONE, ItemStatus.CANCELLED]
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CoordinationAnswerSerializer(serializers.Serializer[Any]):
    accept = serializers.BooleanField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CoordinationOutcomeSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=ReferralOutcome.choices)  # the only enum component
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CoordinationCandidateSerializer(serializers.Serializer[Any]):
    victim = serializers.IntegerField(source="victim_id")
    reference = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    district = serializers.IntegerField(source="district_id")
    last_event = serializers.DateField()


class CoordinationReadSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False)


# --- Views ------------------------------------------------------------------------------------


def _user_qs(view: Any, selector: Any, model: Any) -> Any:
    if getattr(view, "swagger_fake_view", False):
        return model.objects.none()
    return selector(view.request.user)


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
                actor=self.request.user,
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
                actor=self.request.user,
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
        user = self.request.user
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
        user = self.request.user
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
                actor=request.user,
                item=item,
                status=data.validated_data["status"],
                note=data.validated_data.get("note", ""),
            )
        )
        return Response(self.output(item).data)


def get_for_user_or_404(queryset: Any, pk: int) -> Any:
    return get_object_or_404(queryset, pk=pk)


@extend_schema(request=CoordinationItemUpdateSerializer, responses=CoordinationActionSerializer)
class ActionUpdateApi(_ItemUpdateApi):
    selector = staticmethod(s.actions_for)
    output = CoordinationActionSerializer


@extend_schema(request=CoordinationItemUpdateSerializer, responses=CoordinationDecisionSerializer)
class DecisionUpdateApi(_ItemUpdateApi):
    selector = staticmethod(s.decisions_for)
    output = CoordinationDecisionSerializer


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
        user = request.user
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
            actor=request.user,
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
                actor=request.user,
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
                actor=request.user,
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


class CoordinationReadResultSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField()


@extend_schema(request=CoordinationReadSerializer, responses=CoordinationReadResultSerializer)
class NotificationReadApi(APIView):
    def post(self, request: Request) -> Response:
        data = CoordinationReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            user=request.user, ids=data.validated_data.get("ids")
        )
        return Response({"marked": marked})
