"""The API of incidents: the list, one incident, and registering one with its people."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import account_of
from qorgau.accounts.roles import REGISTER_INCIDENT
from qorgau.registry import choices as c
from qorgau.registry import selectors as s
from qorgau.registry import services
from qorgau.registry.api_common import (
    REGISTRY_PERMISSIONS,
    AuditedListCreate,
    DistrictField,
    InDistrictOutputSerializer,
    PersonField,
    audit_view,
)
from qorgau.registry.filters import IncidentFilterSet
from qorgau.registry.models import Incident, IncidentParticipant, Person


class ParticipantOutputSerializer(serializers.ModelSerializer[IncidentParticipant]):
    person_label = serializers.CharField(source="person.label", read_only=True)

    class Meta:
        model = IncidentParticipant
        fields = ["person", "person_label", "role", "relationship"]


class IncidentOutputSerializer(InDistrictOutputSerializer[Incident]):
    participants = ParticipantOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "label",
            "occurred_at",
            "reported_at",
            "district",
            "settlement_type",
            "source_channel",
            "physical",
            "psychological",
            "sexual",
            "economic",
            "children_present",
            "children_harmed",
            "alcohol",
            "drugs",
            "injury",
            "weapon",
            "administrative_protocol",
            "criminal_case",
            "referred",
            "refused",
            "refusal_reason",
            "erdr_number",
            "erap_number",
            "participants",
        ]


# --- Incidents -------------------------------------------------------------------------------


class _NewPersonInputSerializer(serializers.Serializer[Any]):
    """An existing person (``id``) or a new one (IIN and/or names)."""

    id = PersonField(required=False)
    iin = serializers.CharField(required=False, allow_blank=True, max_length=12)
    surname = serializers.CharField(required=False, allow_blank=True, max_length=100)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    patronymic = serializers.CharField(required=False, allow_blank=True, max_length=100)
    sex = serializers.ChoiceField(choices=c.Sex.choices, default=c.Sex.UNKNOWN)
    birth_date = serializers.DateField(required=False, allow_null=True)


class IncidentVictimInputSerializer(_NewPersonInputSerializer):
    pass


class IncidentOffenderInputSerializer(_NewPersonInputSerializer):
    relationship = serializers.ChoiceField(choices=c.Relationship.choices)


def _person_from(request: Request, data: dict[str, Any]) -> Person:
    data = dict(data)
    data.pop("relationship", None)
    existing = data.pop("id", None)
    if existing is not None:
        return cast(Person, existing)
    if not (data.get("iin") or data.get("surname") or data.get("first_name")):
        raise ValidationError(_("Give the IIN or at least a name."))
    return services.person_register(actor=account_of(request), request=request._request, **data)


class IncidentListApi(AuditedListCreate):
    """Incidents within scope, filtered like the page; POST registers one with its people."""

    class IncidentCreateInputSerializer(serializers.Serializer[Any]):
        occurred_at = serializers.DateTimeField()
        reported_at = serializers.DateTimeField()
        district = DistrictField()
        settlement_type = serializers.ChoiceField(choices=c.SettlementType.choices)
        source_channel = serializers.ChoiceField(choices=c.SourceChannel.choices)
        victims = IncidentVictimInputSerializer(many=True)
        offenders = IncidentOffenderInputSerializer(many=True)
        physical = serializers.BooleanField(default=False)
        psychological = serializers.BooleanField(default=False)
        sexual = serializers.BooleanField(default=False)
        economic = serializers.BooleanField(default=False)
        children_present = serializers.BooleanField(default=False)
        children_harmed = serializers.BooleanField(default=False)
        alcohol = serializers.BooleanField(default=False)
        drugs = serializers.BooleanField(default=False)
        injury = serializers.ChoiceField(
            choices=c.InjurySeverity.choices, default=c.InjurySeverity.NONE
        )
        weapon = serializers.ChoiceField(choices=c.Weapon.choices, default=c.Weapon.NONE)
        administrative_protocol = serializers.BooleanField(default=False)
        criminal_case = serializers.BooleanField(default=False)
        referred = serializers.BooleanField(default=False)
        refused = serializers.BooleanField(default=False)
        refusal_reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
        erdr_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
        erap_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
        description = serializers.CharField(required=False, allow_blank=True)

    serializer_class = IncidentOutputSerializer
    filterset_class = IncidentFilterSet
    object_type = "registry.incident"
    write_permission = REGISTER_INCIDENT

    def get_queryset(self) -> Any:
        return s.incidents_for(self.request.user)

    @extend_schema(request=IncidentCreateInputSerializer, responses={201: IncidentOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(self.IncidentCreateInputSerializer)
        victims, offenders = data.pop("victims"), data.pop("offenders")
        audited = services.iin_refusals_audited(actor=account_of(request), request=request._request)
        with audited, transaction.atomic():
            incident = services.incident_register(
                actor=account_of(request),
                request=request._request,
                victims=[_person_from(request, v) for v in victims],
                offenders=[(_person_from(request, o), o["relationship"]) for o in offenders],
                **data,
            )
        return self.created(s.incidents_for(request.user).get(pk=incident.pk))


class IncidentDetailApi(generics.RetrieveAPIView[Incident]):
    serializer_class = IncidentOutputSerializer
    permission_classes = REGISTRY_PERMISSIONS

    def get_object(self) -> Incident:
        incident = get_for_user(
            s.incidents_for(self.request.user), self.request.user, self.kwargs["pk"]
        )
        audit_view(self.request, incident)
        return incident
