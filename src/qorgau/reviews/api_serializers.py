"""What the review API shows and takes: references and codes only, as the pages do.

A review names persons by their pseudonymous references (``P-…``), the incident by its number,
agencies by id and name; nothing here decrypts a name. The input serializers validate the shape
of a request (a 400 naming the field); the services decide the rest.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from qorgau.accounts.models import Organisation
from qorgau.coordination.models import ItemStatus
from qorgau.reviews.display import officer_name
from qorgau.reviews.models import (
    Finding,
    FindingCode,
    Recommendation,
    SeriousCaseReview,
    TimelineEntry,
)


def person_reference(pk: int | None) -> str:
    """The pseudonymous reference every review page shows instead of a name."""
    return f"P-{pk:06d}" if pk else ""


class ReviewSerializer(serializers.ModelSerializer[SeriousCaseReview]):
    reference = serializers.CharField(read_only=True)
    # Codes as plain strings on output (``ReviewStatus``): the schema's enums stay on the inputs.
    status = serializers.CharField(read_only=True)
    incident = serializers.CharField(source="incident.label", read_only=True)
    victim = serializers.SerializerMethodField()
    offender = serializers.SerializerMethodField()
    district: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )

    class Meta:
        model = SeriousCaseReview
        fields = [
            "id",
            "reference",
            "status",
            "harm",
            "event_on",
            "incident",
            "victim",
            "offender",
            "district",
            "opened_on",
            "opened_how",
            "timeline_built_at",
            "summary",
            "closed_on",
        ]

    def get_victim(self, review: SeriousCaseReview) -> str:
        return person_reference(review.victim_id)

    def get_offender(self, review: SeriousCaseReview) -> str:
        return person_reference(review.offender_id)


class FindingSerializer(serializers.ModelSerializer[Finding]):
    class Meta:
        model = Finding
        fields = ["id", "code", "text", "recorded_on"]


class RecommendationSerializer(serializers.ModelSerializer[Recommendation]):
    reference = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)  # an ``ItemStatus`` code
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "reference",
            "text",
            "owner",
            "owner_name",
            "deadline",
            "status",
            "progress_note",
            "completed_on",
            "is_overdue",
        ]


class ReviewDetailSerializer(ReviewSerializer):
    findings = FindingSerializer(many=True, read_only=True)
    recommendations = RecommendationSerializer(many=True, read_only=True)

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "findings", "recommendations"]


class TimelineEntrySerializer(serializers.ModelSerializer[TimelineEntry]):
    """One entry as the page shows it: who saw it in words, its details still as codes."""

    agency = serializers.IntegerField(source="organisation_id", read_only=True, allow_null=True)
    territory: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )
    subject = serializers.CharField(read_only=True)  # victim or offender
    who = serializers.SerializerMethodField()
    officer = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = [
            "day",
            "source",
            "subject",
            "person_reference",
            "reference",
            "agency",
            "territory",
            "who",
            "officer",
            "detail",
        ]

    def get_who(self, entry: TimelineEntry) -> str:
        return str(self.context.get("who", {}).get(entry.pk, ""))

    def get_officer(self, entry: TimelineEntry) -> str | None:
        """The officer's name as the page shows it; null when the source named none."""
        return None if entry.officer is None else officer_name(entry.officer)


class FindingInputSerializer(serializers.Serializer[Any]):
    code = serializers.ChoiceField(choices=FindingCode.choices)
    text = serializers.CharField()


class RecommendationInputSerializer(serializers.Serializer[Any]):
    text = serializers.CharField()
    # Any agency of the country may own a recommendation: a death often teaches a ministry.
    owner = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(is_active=True))
    deadline = serializers.DateField()


class RecommendationStatusInputSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ItemStatus.choices)
    progress_note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class CloseInputSerializer(serializers.Serializer[Any]):
    summary = serializers.CharField()
