"""The API of Law 245-VIII's prevention instruments: preventive talks and official warnings,
entries on and exits from the preventive register.

Thin over :mod:`qorgau.registry.services_prevention` like the pages: the service checks the law
of the record's day, the scope and the permission (a refusal is a 400 naming the field, or a
403), and audits the change; the lists come from the access layer and their reading is audited.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import account_of
from qorgau.accounts.roles import MANAGE_ORDERS
from qorgau.registry import choices as c
from qorgau.registry import selectors as s
from qorgau.registry.api_common import (
    REGISTRY_PERMISSIONS,
    AuditedListCreate,
    DistrictField,
    IncidentField,
    InDistrictOutputSerializer,
    PersonField,
    district_from,
)
from qorgau.registry.filters import PreventionMeasureFilterSet, PreventiveRegisterFilterSet
from qorgau.registry.models import PreventionMeasure, PreventiveRegisterEntry
from qorgau.registry.services_prevention import prevention_record, register_enter, register_leave


class PreventionMeasureOutputSerializer(InDistrictOutputSerializer[PreventionMeasure]):
    class Meta:
        model = PreventionMeasure
        fields = [
            "id",
            "kind",
            "person",
            "district",
            "incident",
            "held_on",
            "ends_on",
            "legal_basis",
            "note",
        ]


class RegisterEntryOutputSerializer(InDistrictOutputSerializer[PreventiveRegisterEntry]):
    class Meta:
        model = PreventiveRegisterEntry
        fields = [
            "id",
            "person",
            "district",
            "entered_on",
            "grounds",
            "left_on",
            "exit_reason",
            "legal_basis",
        ]


class PreventionMeasureListApi(AuditedListCreate):
    """Preventive talks and official warnings within scope; POST records one (the law of its
    day decides whether it exists and, for a warning, its term)."""

    class PreventionMeasureInputSerializer(serializers.Serializer[Any]):
        kind = serializers.ChoiceField(choices=c.PreventionKind.choices)
        person = PersonField()
        held_on = serializers.DateField()
        incident = IncidentField(required=False, allow_null=True)
        district = DistrictField(required=False, allow_null=True)
        note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    serializer_class = PreventionMeasureOutputSerializer
    filterset_class = PreventionMeasureFilterSet
    object_type = "registry.preventionmeasure"
    write_permission = MANAGE_ORDERS

    def get_queryset(self) -> Any:
        return s.measures_for(self.request.user)

    @extend_schema(
        request=PreventionMeasureInputSerializer,
        responses={201: PreventionMeasureOutputSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(self.PreventionMeasureInputSerializer)
        measure = prevention_record(
            actor=account_of(request),
            request=request._request,
            district=district_from(data, data.get("incident")),
            **data,
        )
        return self.created(s.measures_for(request.user).get(pk=measure.pk))


class RegisterEntryListApi(AuditedListCreate):
    """The preventive register within scope (``state=active`` or ``left``); POST puts a person
    on a district's register (one open entry per person and district)."""

    class RegisterEnterInputSerializer(serializers.Serializer[Any]):
        person = PersonField()
        district = DistrictField()
        entered_on = serializers.DateField()
        grounds = serializers.CharField(max_length=500)

    serializer_class = RegisterEntryOutputSerializer
    filterset_class = PreventiveRegisterFilterSet
    object_type = "registry.preventiveregisterentry"
    write_permission = MANAGE_ORDERS

    def get_queryset(self) -> Any:
        return s.register_entries_for(self.request.user)

    @extend_schema(
        request=RegisterEnterInputSerializer, responses={201: RegisterEntryOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(self.RegisterEnterInputSerializer)
        entry = register_enter(actor=account_of(request), request=request._request, **data)
        return self.created(s.register_entries_for(request.user).get(pk=entry.pk))


class RegisterEntryLeaveApi(APIView):
    """POST takes the person of an open entry in scope off the register, with the reason."""

    class RegisterLeaveInputSerializer(serializers.Serializer[Any]):
        left_on = serializers.DateField()
        reason = serializers.CharField(max_length=500)

    permission_classes = REGISTRY_PERMISSIONS
    write_permission = MANAGE_ORDERS

    @extend_schema(
        request=RegisterLeaveInputSerializer, responses={200: RegisterEntryOutputSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        entry = get_for_user(s.register_entries_for(request.user), request.user, pk)
        incoming = self.RegisterLeaveInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        register_leave(
            actor=account_of(request),
            request=request._request,
            entry=entry,
            **dict(incoming.validated_data),
        )
        entry = s.register_entries_for(request.user).get(pk=entry.pk)
        return Response(RegisterEntryOutputSerializer(entry).data)
