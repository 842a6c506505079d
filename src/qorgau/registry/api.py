"""The registry over the API: one thin view per operation, calling the same selectors, filter
sets and services as the pages. Reads need the personal-data permission; each write needs the
permission of its workflow (``accounts/roles.py``), checked here and again by the service.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import audit_refused, can_place_in_scope, get_for_user
from qorgau.accounts.roles import (
    ASSESS_RISK,
    MANAGE_ORDERS,
    MANAGE_REQUIREMENTS,
    RECORD_OFFENCES,
    REGISTER_INCIDENT,
    VIEW_PERSONAL_DATA,
)
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.registry import choices as c
from qorgau.registry import selectors as s
from qorgau.registry import services
from qorgau.registry.filters import (
    IncidentFilterSet,
    OffenceFilterSet,
    OrderFilterSet,
    PersonFilterSet,
    RequirementFilterSet,
    RiskAssessmentFilterSet,
)
from qorgau.registry.models import (
    BehaviourRequirement,
    Incident,
    IncidentParticipant,
    Offence,
    OrderCheckIn,
    OrderExtension,
    OrderViolation,
    Person,
    ProtectiveOrder,
    RequirementExtension,
    RequirementViolation,
    RiskAssessment,
)
from qorgau.registry.risk import instrument_load
from qorgau.territory.models import Territory

# --- Permissions -----------------------------------------------------------------------------


class _Needs(BasePermission):
    """Reading needs the personal-data permission; writing (POST) also ``write_permission``."""

    write_permission: str | None = None

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.has_perm(VIEW_PERSONAL_DATA)):
            return False
        if request.method == "POST":
            needed = getattr(view, "write_permission", None) or self.write_permission
            return bool(needed and user.has_perm(needed))
        return True


REGISTRY_PERMISSIONS = [*APIView.permission_classes, _Needs]

# A reason for revealing identities must say something ("x" does not).
REASON_MIN_LENGTH = 5


def _audit_list(request: Request, object_type: str) -> None:
    audit_record(
        action=AuditAction.VIEW,
        request=request._request,
        actor=request.user,
        object_type=object_type,
        details={"list": True, "api": True, "filters": request.query_params.dict()},
    )


def _audit_view(request: Request, target: Any, reason: str = "") -> None:
    audit_record(
        action=AuditAction.VIEW,
        request=request._request,
        actor=request.user,
        target=target,
        reason=reason,
        details={"api": True},
    )


class _AuditedList(generics.ListAPIView[Any]):
    """A list within the user's scope; reading it is recorded in the audit trail."""

    object_type = ""
    permission_classes = REGISTRY_PERMISSIONS

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_list(request, self.object_type)
        return response


# --- References in input --------------------------------------------------------------------


class _InScopeField(serializers.PrimaryKeyRelatedField):
    """A record named by id among those the user may name. Naming a stored one outside them
    is refused as an unknown id, and audited as an attempt (``access.audit_refused``)."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            queryset = self.get_queryset()
            if queryset is not None:
                audit_refused(queryset.model, self.context["request"].user, data)
            raise


class _PersonField(_InScopeField):
    """A person the user may name: in scope, or recorded by the user (not yet placed)."""

    def get_queryset(self) -> Any:
        return s.person_choices_for(self.context["request"].user)


class _IncidentField(_InScopeField):
    def get_queryset(self) -> Any:
        return s.incidents_for(self.context["request"].user)


class _DistrictField(serializers.SlugRelatedField):
    """A district by KATO code; whether it is in the user's scope is the service's check."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="kato_code", **kwargs)

    def get_queryset(self) -> Any:
        return Territory.objects.current().districts()


def _district(data: dict[str, Any], incident: Incident | None) -> Territory:
    district = data.pop("district", None) or (incident.district if incident else None)
    if district is None:
        raise ValidationError({"district": _("Give the district or the incident.")})
    return district


# --- Output ----------------------------------------------------------------------------------


class PersonOutputSerializer(serializers.ModelSerializer[Person]):
    home_district: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "label",
            "sex",
            "birth_date",
            "birth_year",
            "citizenship",
            "disability",
            "home_district",
        ]


class IdentityOutputSerializer(serializers.Serializer[Any]):
    surname = serializers.CharField()
    first_name = serializers.CharField()
    patronymic = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()


class PersonDetailOutputSerializer(PersonOutputSerializer):
    identity = serializers.SerializerMethodField()

    class Meta(PersonOutputSerializer.Meta):
        fields = [*PersonOutputSerializer.Meta.fields, "identity"]

    @extend_schema(responses=IdentityOutputSerializer(allow_null=True))
    def get_identity(self, person: Person) -> dict[str, str] | None:
        identity = self.context.get("identities", {}).get(person.pk)
        return IdentityOutputSerializer(identity).data if identity else None


class ParticipantOutputSerializer(serializers.ModelSerializer[IncidentParticipant]):
    person_label = serializers.CharField(source="person.label", read_only=True)

    class Meta:
        model = IncidentParticipant
        fields = ["person", "person_label", "role", "relationship"]


class IncidentOutputSerializer(serializers.ModelSerializer[Incident]):
    district: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )
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


class OrderCheckInOutputSerializer(serializers.ModelSerializer[OrderCheckIn]):
    class Meta:
        model = OrderCheckIn
        fields = ["id", "checked_on", "compliant", "note"]


class OrderViolationOutputSerializer(serializers.ModelSerializer[OrderViolation]):
    class Meta:
        model = OrderViolation
        fields = ["id", "occurred_on", "description", "sanction", "article"]


class OrderExtensionOutputSerializer(serializers.ModelSerializer[OrderExtension]):
    class Meta:
        model = OrderExtension
        fields = ["id", "decided_on", "new_end", "reason"]


class OrderOutputSerializer(serializers.ModelSerializer[ProtectiveOrder]):
    district: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )
    status = serializers.SerializerMethodField()
    check_ins = OrderCheckInOutputSerializer(many=True, read_only=True)
    violations = OrderViolationOutputSerializer(many=True, read_only=True)
    extensions = OrderExtensionOutputSerializer(many=True, read_only=True)

    class Meta:
        model = ProtectiveOrder
        fields = [
            "id",
            "number",
            "incident",
            "district",
            "offender",
            "protected_persons",
            "issued_on",
            "served_on",
            "term_days",
            "ends_on",
            "check_interval_days",
            "next_check_due",
            "prohibitions",
            "legal_basis",
            "revoked_on",
            "revocation_reason",
            "status",
            "check_ins",
            "violations",
            "extensions",
        ]

    def get_status(self, order: ProtectiveOrder) -> str:
        """The state today: issued, active, extended, violated, revoked or expired."""
        return str(order.status_on(timezone.localdate()).value)


class RequirementViolationOutputSerializer(serializers.ModelSerializer[RequirementViolation]):
    class Meta:
        model = RequirementViolation
        fields = ["id", "occurred_on", "condition", "description", "sanction"]


class RequirementExtensionOutputSerializer(serializers.ModelSerializer[RequirementExtension]):
    class Meta:
        model = RequirementExtension
        fields = ["id", "decided_on", "new_end", "reason"]


class RequirementOutputSerializer(serializers.ModelSerializer[BehaviourRequirement]):
    district: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )
    violations = RequirementViolationOutputSerializer(many=True, read_only=True)
    extensions = RequirementExtensionOutputSerializer(many=True, read_only=True)

    class Meta:
        model = BehaviourRequirement
        fields = [
            "id",
            "number",
            "incident",
            "district",
            "offender",
            "protected_persons",
            "court",
            "decided_on",
            "starts_on",
            "term_months",
            "ends_on",
            "conditions",
            "police_reports_per_month",
            "legal_basis",
            "violations",
            "extensions",
        ]


class OffenceOutputSerializer(serializers.ModelSerializer[Offence]):
    district: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )

    class Meta:
        model = Offence
        fields = [
            "id",
            "incident",
            "district",
            "offender",
            "kind",
            "article",
            "committed_on",
            "decided_on",
            "outcome",
            "register_number",
        ]


class RiskAssessmentOutputSerializer(serializers.ModelSerializer[RiskAssessment]):
    district: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "victim",
            "offender",
            "incident",
            "district",
            "instrument",
            "instrument_version",
            "answers",
            "score",
            "computed_level",
            "level",
            "override_reason",
            "assessed_at",
            "next_due",
        ]


# --- Persons ---------------------------------------------------------------------------------


class PersonListApi(generics.ListCreateAPIView[Person]):
    """Persons within the user's scope (pseudonymous: no identity); POST records one."""

    class PersonCreateInputSerializer(serializers.Serializer[Any]):
        iin = serializers.CharField(required=False, allow_blank=True, max_length=12)
        surname = serializers.CharField(required=False, allow_blank=True, max_length=100)
        first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
        patronymic = serializers.CharField(required=False, allow_blank=True, max_length=100)
        phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
        address = serializers.CharField(required=False, allow_blank=True, max_length=300)
        sex = serializers.ChoiceField(choices=c.Sex.choices, default=c.Sex.UNKNOWN)
        birth_date = serializers.DateField(required=False, allow_null=True)
        birth_year = serializers.IntegerField(required=False, allow_null=True)
        disability = serializers.ChoiceField(
            choices=c.Disability.choices, default=c.Disability.UNKNOWN
        )
        home_district = _DistrictField(required=False, allow_null=True)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if not (attrs.get("iin") or attrs.get("surname") or attrs.get("first_name")):
                raise serializers.ValidationError(_("Give the IIN or at least a name."))
            return attrs

    serializer_class = PersonOutputSerializer
    filterset_class = PersonFilterSet
    permission_classes = REGISTRY_PERMISSIONS
    write_permission = REGISTER_INCIDENT

    def get_queryset(self) -> Any:
        return s.persons_for(self.request.user).order_by("-pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_list(request, "registry.person")
        return response

    @extend_schema(request=PersonCreateInputSerializer, responses={201: PersonOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.PersonCreateInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        district = data.get("home_district")
        if district is not None and not can_place_in_scope(request.user, district.pk, None):
            raise ValidationError({"home_district": services.OUTSIDE_SCOPE})
        with services.iin_refusals_audited(actor=request.user, request=request._request):
            person = services.person_register(actor=request.user, request=request._request, **data)
        return Response(PersonOutputSerializer(person).data, status=status.HTTP_201_CREATED)


class PersonDetailApi(generics.RetrieveAPIView[Person]):
    """One person with the decrypted identity; the opening and the decryption are audited.

    ``reason`` (required, as on the page) says why the identity is revealed; it goes to the
    audit trail, which is worthless to the auditors without it.
    """

    class PersonRevealInputSerializer(serializers.Serializer[Any]):
        reason = serializers.CharField(min_length=REASON_MIN_LENGTH, max_length=500)

    serializer_class = PersonDetailOutputSerializer
    permission_classes = REGISTRY_PERMISSIONS

    @extend_schema(parameters=[PersonRevealInputSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = get_for_user(s.persons_for(request.user), request.user, self.kwargs["pk"])
        incoming = self.PersonRevealInputSerializer(data=request.query_params)
        incoming.is_valid(raise_exception=True)
        reason = incoming.validated_data["reason"]
        _audit_view(request, person, reason)
        identities = services.person_identities(
            [person], actor=request.user, request=request._request, reason=reason
        )
        serializer = PersonDetailOutputSerializer(person, context={"identities": identities})
        return Response(serializer.data)


# --- Incidents -------------------------------------------------------------------------------


class _NewPersonInputSerializer(serializers.Serializer[Any]):
    """An existing person (``id``) or a new one (IIN and/or names)."""

    id = _PersonField(required=False)
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
        return existing
    if not (data.get("iin") or data.get("surname") or data.get("first_name")):
        raise ValidationError(_("Give the IIN or at least a name."))
    return services.person_register(actor=request.user, request=request._request, **data)


class IncidentListApi(generics.ListCreateAPIView[Incident]):
    """Incidents within scope, filtered like the page; POST registers one with its people."""

    class IncidentCreateInputSerializer(serializers.Serializer[Any]):
        occurred_at = serializers.DateTimeField()
        reported_at = serializers.DateTimeField()
        district = _DistrictField()
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
    permission_classes = REGISTRY_PERMISSIONS
    write_permission = REGISTER_INCIDENT

    def get_queryset(self) -> Any:
        return s.incidents_for(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_list(request, "registry.incident")
        return response

    @extend_schema(request=IncidentCreateInputSerializer, responses={201: IncidentOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.IncidentCreateInputSerializer(
            data=request.data, context={"request": request}
        )
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        victims, offenders = data.pop("victims"), data.pop("offenders")
        audited = services.iin_refusals_audited(actor=request.user, request=request._request)
        with audited, transaction.atomic():
            incident = services.incident_register(
                actor=request.user,
                request=request._request,
                victims=[_person_from(request, v) for v in victims],
                offenders=[(_person_from(request, o), o["relationship"]) for o in offenders],
                **data,
            )
        incident = s.incidents_for(request.user).get(pk=incident.pk)
        return Response(IncidentOutputSerializer(incident).data, status=status.HTTP_201_CREATED)


class IncidentDetailApi(generics.RetrieveAPIView[Incident]):
    serializer_class = IncidentOutputSerializer
    permission_classes = REGISTRY_PERMISSIONS

    def get_object(self) -> Incident:
        incident = get_for_user(
            s.incidents_for(self.request.user), self.request.user, self.kwargs["pk"]
        )
        _audit_view(self.request, incident)
        return incident


# --- Protective orders -----------------------------------------------------------------------


class OrderListApi(generics.ListCreateAPIView[ProtectiveOrder]):
    """Protective orders within scope; POST issues one (term and checks from the law)."""

    class OrderIssueInputSerializer(serializers.Serializer[Any]):
        incident = _IncidentField(required=False, allow_null=True)
        district = _DistrictField(required=False, allow_null=True)
        offender = _PersonField()
        protected = _PersonField(many=True)
        issued_on = serializers.DateField()
        served_on = serializers.DateField(required=False, allow_null=True)
        prohibitions = serializers.ListField(
            child=serializers.ChoiceField(choices=c.OrderProhibition.choices),
            default=[c.OrderProhibition.NO_CONTACT],
        )
        number = serializers.CharField(required=False, allow_blank=True, max_length=32)

    serializer_class = OrderOutputSerializer
    filterset_class = OrderFilterSet
    permission_classes = REGISTRY_PERMISSIONS
    write_permission = MANAGE_ORDERS

    def get_queryset(self) -> Any:
        return s.orders_for(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_list(request, "registry.protectiveorder")
        return response

    @extend_schema(request=OrderIssueInputSerializer, responses={201: OrderOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.OrderIssueInputSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        incident = data.get("incident")
        order = services.order_issue(
            actor=request.user,
            request=request._request,
            district=_district(data, incident),
            served_on=data.pop("served_on", None),
            **data,
        )
        order = s.orders_for(request.user).get(pk=order.pk)
        return Response(OrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(generics.RetrieveAPIView[ProtectiveOrder]):
    serializer_class = OrderOutputSerializer
    permission_classes = REGISTRY_PERMISSIONS

    def get_object(self) -> ProtectiveOrder:
        order = get_for_user(s.orders_for(self.request.user), self.request.user, self.kwargs["pk"])
        _audit_view(self.request, order)
        return order


class _OrderActionApi(APIView, metaclass=ABCMeta):
    """POST one event on an order in scope; answers with the order as it now stands."""

    permission_classes = REGISTRY_PERMISSIONS
    write_permission = MANAGE_ORDERS
    input_serializer: type[serializers.Serializer[Any]]

    @abstractmethod
    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        """Record the event through the service; each action endpoint says which."""

    def post(self, request: Request, pk: int) -> Response:
        order = s.fresh_order(get_for_user(s.orders_for(request.user), request.user, pk))
        incoming = self.input_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        self.act(request, order, dict(incoming.validated_data))
        order = s.orders_for(request.user).get(pk=order.pk)
        return Response(OrderOutputSerializer(order).data)


class OrderServeApi(_OrderActionApi):
    class OrderServeInputSerializer(serializers.Serializer[Any]):
        served_on = serializers.DateField()

    input_serializer = OrderServeInputSerializer

    @extend_schema(request=OrderServeInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        services.order_serve(actor=request.user, request=request._request, order=order, **data)


class OrderCheckInApi(_OrderActionApi):
    class OrderCheckInInputSerializer(serializers.Serializer[Any]):
        checked_on = serializers.DateField()
        compliant = serializers.BooleanField(default=True)
        note = serializers.CharField(required=False, allow_blank=True, max_length=300)

    input_serializer = OrderCheckInInputSerializer

    @extend_schema(request=OrderCheckInInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        services.order_check_in(actor=request.user, request=request._request, order=order, **data)


class OrderViolationApi(_OrderActionApi):
    class OrderViolationInputSerializer(serializers.Serializer[Any]):
        occurred_on = serializers.DateField()
        description = serializers.CharField(max_length=500)
        sanction = serializers.ChoiceField(choices=c.Sanction.choices, default=c.Sanction.NONE)

    input_serializer = OrderViolationInputSerializer

    @extend_schema(request=OrderViolationInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        services.order_violation_record(
            actor=request.user, request=request._request, order=order, **data
        )


class OrderExtendApi(_OrderActionApi):
    class OrderExtendInputSerializer(serializers.Serializer[Any]):
        decided_on = serializers.DateField()
        new_end = serializers.DateField()
        reason = serializers.CharField(max_length=300)

    input_serializer = OrderExtendInputSerializer

    @extend_schema(request=OrderExtendInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        services.order_extend(actor=request.user, request=request._request, order=order, **data)


class OrderRevokeApi(_OrderActionApi):
    class OrderRevokeInputSerializer(serializers.Serializer[Any]):
        revoked_on = serializers.DateField()
        reason = serializers.CharField(max_length=300)

    input_serializer = OrderRevokeInputSerializer

    @extend_schema(request=OrderRevokeInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        services.order_revoke(actor=request.user, request=request._request, order=order, **data)


_DAYS = OpenApiParameter("days", int, required=False, description="How many days ahead (7).")


class OrderExpiringApi(_AuditedList):
    """Orders in force whose term ends within ``days`` (default 7)."""

    serializer_class = OrderOutputSerializer
    object_type = "registry.protectiveorder"
    filterset_class = None

    def get_queryset(self) -> Any:
        try:
            days = int(self.request.query_params.get("days", s.DEFAULT_EXPIRY_DAYS))
        except ValueError:
            days = s.DEFAULT_EXPIRY_DAYS
        return s.work_lists(self.request.user, days=max(0, min(days, 366))).expiring

    @extend_schema(parameters=[_DAYS])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OrderCheckOverdueApi(_AuditedList):
    """Orders in force whose police compliance check is overdue."""

    serializer_class = OrderOutputSerializer
    object_type = "registry.protectiveorder"
    filterset_class = None

    def get_queryset(self) -> Any:
        return s.work_lists(self.request.user).check_overdue


# --- Special behaviour requirements ----------------------------------------------------------


class RequirementListApi(generics.ListCreateAPIView[BehaviourRequirement]):
    """Special behaviour requirements within scope; POST records a court's decision."""

    class RequirementSetInputSerializer(serializers.Serializer[Any]):
        incident = _IncidentField(required=False, allow_null=True)
        district = _DistrictField(required=False, allow_null=True)
        offender = _PersonField()
        protected = _PersonField(many=True, required=False)
        number = serializers.CharField(max_length=40)
        court = serializers.CharField(max_length=200)
        decided_on = serializers.DateField()
        starts_on = serializers.DateField(required=False, allow_null=True)
        term_months = serializers.IntegerField(min_value=1)
        conditions = serializers.ListField(
            child=serializers.ChoiceField(choices=c.RequirementCondition.choices)
        )
        police_reports_per_month = serializers.IntegerField(min_value=0, default=0)

    serializer_class = RequirementOutputSerializer
    filterset_class = RequirementFilterSet
    permission_classes = REGISTRY_PERMISSIONS
    write_permission = MANAGE_REQUIREMENTS

    def get_queryset(self) -> Any:
        return s.requirements_for(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_list(request, "registry.behaviourrequirement")
        return response

    @extend_schema(
        request=RequirementSetInputSerializer, responses={201: RequirementOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.RequirementSetInputSerializer(
            data=request.data, context={"request": request}
        )
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        data.setdefault("protected", [])
        requirement = services.requirement_set(
            actor=request.user,
            request=request._request,
            district=_district(data, data.get("incident")),
            **data,
        )
        requirement = s.requirements_for(request.user).get(pk=requirement.pk)
        return Response(
            RequirementOutputSerializer(requirement).data, status=status.HTTP_201_CREATED
        )


class RequirementDetailApi(generics.RetrieveAPIView[BehaviourRequirement]):
    serializer_class = RequirementOutputSerializer
    permission_classes = REGISTRY_PERMISSIONS

    def get_object(self) -> BehaviourRequirement:
        requirement = get_for_user(
            s.requirements_for(self.request.user), self.request.user, self.kwargs["pk"]
        )
        _audit_view(self.request, requirement)
        return requirement


class _RequirementWriters(_Needs):
    """Courts and the police both record violations of the requirements."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(
            user
            and user.has_perm(VIEW_PERSONAL_DATA)
            and (user.has_perm(MANAGE_REQUIREMENTS) or user.has_perm(MANAGE_ORDERS))
        )


class RequirementViolationApi(APIView):
    class RequirementViolationInputSerializer(serializers.Serializer[Any]):
        occurred_on = serializers.DateField()
        condition = serializers.ChoiceField(choices=c.RequirementCondition.choices)
        description = serializers.CharField(max_length=500)
        sanction = serializers.ChoiceField(choices=c.Sanction.choices, default=c.Sanction.NONE)

    permission_classes = [*APIView.permission_classes, _RequirementWriters]

    @extend_schema(
        request=RequirementViolationInputSerializer,
        responses={200: RequirementOutputSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        requirement = get_for_user(s.requirements_for(request.user), request.user, pk)
        incoming = self.RequirementViolationInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.requirement_violation_record(
            actor=request.user,
            request=request._request,
            requirement=requirement,
            **incoming.validated_data,
        )
        requirement = s.requirements_for(request.user).get(pk=pk)
        return Response(RequirementOutputSerializer(requirement).data)


class RequirementExtendApi(APIView):
    class RequirementExtendInputSerializer(serializers.Serializer[Any]):
        decided_on = serializers.DateField()
        months = serializers.IntegerField()
        reason = serializers.CharField(max_length=300)

    permission_classes = REGISTRY_PERMISSIONS
    write_permission = MANAGE_REQUIREMENTS

    @extend_schema(
        request=RequirementExtendInputSerializer, responses={200: RequirementOutputSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        requirement = get_for_user(s.requirements_for(request.user), request.user, pk)
        incoming = self.RequirementExtendInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.requirement_extend(
            actor=request.user,
            request=request._request,
            requirement=requirement,
            **incoming.validated_data,
        )
        requirement = s.requirements_for(request.user).get(pk=pk)
        return Response(RequirementOutputSerializer(requirement).data)


# --- Offences and risk -----------------------------------------------------------------------


class OffenceListApi(generics.ListCreateAPIView[Offence]):
    """Offences within scope; POST records one with its outcome."""

    class OffenceRecordInputSerializer(serializers.Serializer[Any]):
        incident = _IncidentField(required=False, allow_null=True)
        district = _DistrictField(required=False, allow_null=True)
        offender = _PersonField()
        kind = serializers.ChoiceField(choices=c.OffenceKind.choices)
        article = serializers.CharField(max_length=20)
        committed_on = serializers.DateField()
        decided_on = serializers.DateField(required=False, allow_null=True)
        outcome = serializers.ChoiceField(
            choices=c.OffenceOutcome.choices, default=c.OffenceOutcome.PENDING
        )
        register_number = serializers.CharField(required=False, allow_blank=True, max_length=32)

    serializer_class = OffenceOutputSerializer
    filterset_class = OffenceFilterSet
    permission_classes = REGISTRY_PERMISSIONS
    write_permission = RECORD_OFFENCES

    def get_queryset(self) -> Any:
        return s.offences_for(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_list(request, "registry.offence")
        return response

    @extend_schema(request=OffenceRecordInputSerializer, responses={201: OffenceOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.OffenceRecordInputSerializer(
            data=request.data, context={"request": request}
        )
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        offence = services.offence_record(
            actor=request.user,
            request=request._request,
            district=_district(data, data.get("incident")),
            **data,
        )
        return Response(OffenceOutputSerializer(offence).data, status=status.HTTP_201_CREATED)


class RiskAssessmentListApi(generics.ListCreateAPIView[RiskAssessment]):
    """Risk assessments within scope; POST scores answers with the default instrument.

    ``answers`` maps item codes to 0/1 (or a count); ``level`` may only raise the computed one.
    """

    class RiskAssessInputSerializer(serializers.Serializer[Any]):
        victim = _PersonField()
        offender = _PersonField(required=False, allow_null=True)
        incident = _IncidentField(required=False, allow_null=True)
        district = _DistrictField(required=False, allow_null=True)
        answers = serializers.DictField(child=serializers.IntegerField(min_value=0))
        level = serializers.ChoiceField(choices=c.RiskLevel.choices, required=False)
        override_reason = serializers.CharField(required=False, allow_blank=True, max_length=500)

    serializer_class = RiskAssessmentOutputSerializer
    filterset_class = RiskAssessmentFilterSet
    permission_classes = REGISTRY_PERMISSIONS
    write_permission = ASSESS_RISK

    def get_queryset(self) -> Any:
        return s.assessments_for(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_list(request, "registry.riskassessment")
        return response

    @extend_schema(
        request=RiskAssessInputSerializer, responses={201: RiskAssessmentOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.RiskAssessInputSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        assessment = services.risk_assess(
            actor=request.user,
            request=request._request,
            district=_district(data, data.get("incident")),
            instrument_code=instrument_load().code,
            **data,
        )
        return Response(
            RiskAssessmentOutputSerializer(assessment).data, status=status.HTTP_201_CREATED
        )


class RiskOverdueApi(_AuditedList):
    """The latest assessment of each victim in scope whose re-assessment date has passed."""

    serializer_class = RiskAssessmentOutputSerializer
    object_type = "registry.riskassessment"
    filterset_class = None

    def get_queryset(self) -> Any:
        return s.work_lists(self.request.user).risk_overdue
