"""The coordination part's serializers: what the API shows of bodies, meetings, decisions,
cases, actions, referrals and notifications (references, never names), and what it accepts.
"""

from __future__ import annotations

from typing import Any, TypeVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from qorgau.accounts.models import Organisation
from qorgau.coordination.models import (
    ConferenceCase,
    CoordinatingBody,
    Decision,
    ItemStatus,
    Meeting,
    Membership,
    Notification,
    Referral,
    ReferralKind,
    ReferralOutcome,
    SafetyAction,
    SharingBasis,
    Tracked,
)
from qorgau.territory.models import Territory

_Tracked = TypeVar("_Tracked", bound=Tracked)


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


# The fields of a tracked item (``models.Tracked``: a decision or an action), after its own;
# only the owner and the deadline are given, the rest is the item's progress. (A comment, not a
# docstring: drf-spectacular would copy a docstring into both schemas.)
TRACKED_FIELDS = ["owner", "deadline", "status", "completed_on", "progress_note", "escalated_at"]


class _TrackedSerializer(serializers.ModelSerializer[_Tracked]):
    reference = serializers.CharField(read_only=True)
    status = _ItemStatusField(read_only=True)

    class Meta:
        read_only_fields = ["status", "completed_on", "progress_note", "escalated_at"]


class CoordinationDecisionSerializer(_TrackedSerializer[Decision]):
    class Meta(_TrackedSerializer.Meta):
        model = Decision
        fields = ["id", "reference", "meeting", "text", *TRACKED_FIELDS]


class CoordinationActionSerializer(_TrackedSerializer[SafetyAction]):
    """What an agency sees of a case: its reference and the action, nothing else."""

    case_reference = serializers.CharField(source="case.reference", read_only=True)

    class Meta(_TrackedSerializer.Meta):
        model = SafetyAction
        fields = ["id", "reference", "case", "case_reference", "description", *TRACKED_FIELDS]


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


class CoordinationReadResultSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField()
