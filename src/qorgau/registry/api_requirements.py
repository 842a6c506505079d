"""The API of the special behaviour requirements a court sets, their violations and extensions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import account_of
from qorgau.accounts.roles import MANAGE_ORDERS, MANAGE_REQUIREMENTS, VIEW_PERSONAL_DATA
from qorgau.registry import choices as c
from qorgau.registry import selectors as s
from qorgau.registry import services
from qorgau.registry.api_common import (
    REGISTRY_PERMISSIONS,
    AuditedListCreate,
    DistrictField,
    IncidentField,
    InDistrictOutputSerializer,
    PersonField,
    RegistryPermission,
    audit_view,
    district_from,
)
from qorgau.registry.filters import RequirementFilterSet
from qorgau.registry.models import BehaviourRequirement, RequirementExtension, RequirementViolation


class RequirementViolationOutputSerializer(serializers.ModelSerializer[RequirementViolation]):
    class Meta:
        model = RequirementViolation
        fields = ["id", "occurred_on", "condition", "description", "sanction"]


class RequirementExtensionOutputSerializer(serializers.ModelSerializer[RequirementExtension]):
    class Meta:
        model = RequirementExtension
        fields = ["id", "decided_on", "new_end", "reason"]


class RequirementOutputSerializer(InDistrictOutputSerializer[BehaviourRequirement]):
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


# --- Special behaviour requirements ----------------------------------------------------------


class RequirementListApi(AuditedListCreate):
    """Special behaviour requirements within scope; POST records a court's decision."""

    class RequirementSetInputSerializer(serializers.Serializer[Any]):
        incident = IncidentField(required=False, allow_null=True)
        district = DistrictField(required=False, allow_null=True)
        offender = PersonField()
        protected = PersonField(many=True, required=False)
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
    object_type = "registry.behaviourrequirement"
    write_permission = MANAGE_REQUIREMENTS

    def get_queryset(self) -> Any:
        return s.requirements_for(self.request.user)

    @extend_schema(
        request=RequirementSetInputSerializer, responses={201: RequirementOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(self.RequirementSetInputSerializer)
        data.setdefault("protected", [])
        requirement = services.requirement_set(
            actor=account_of(request),
            request=request._request,
            district=district_from(data, data.get("incident")),
            **data,
        )
        return self.created(s.requirements_for(request.user).get(pk=requirement.pk))


class RequirementDetailApi(generics.RetrieveAPIView[BehaviourRequirement]):
    serializer_class = RequirementOutputSerializer
    permission_classes = REGISTRY_PERMISSIONS

    def get_object(self) -> BehaviourRequirement:
        requirement = get_for_user(
            s.requirements_for(self.request.user), self.request.user, self.kwargs["pk"]
        )
        audit_view(self.request, requirement)
        return requirement


class _RequirementWriters(RegistryPermission):
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
            actor=account_of(request),
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
            actor=account_of(request),
            request=request._request,
            requirement=requirement,
            **incoming.validated_data,
        )
        requirement = s.requirements_for(request.user).get(pk=pk)
        return Response(RequirementOutputSerializer(requirement).data)
