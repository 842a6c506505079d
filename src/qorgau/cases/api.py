"""The API of survivor case files, for a centre's own case-management client.

Thin over the services like the pages: the organisation wall is the access layer's
(another centre's case is a 404, audited), every change goes through a service (a refusal is a
400 naming the field, or a 403) and every reading is audited. No decrypted text leaves through
the API: names, contacts, plans and notes stay on the pages, where their decryption is audited
with the case in front of the caseworker.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user, restrict
from qorgau.accounts.http import account_of
from qorgau.accounts.models import Organisation
from qorgau.accounts.roles import MANAGE_SURVIVOR_CASES
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.cases import services, services_assessment, services_sharing
from qorgau.cases.models import (
    LEGAL_TYPES,
    CaseReferral,
    GbvimsType,
    Need,
    ReferredBy,
    ShareWith,
    SurvivorCase,
)
from qorgau.cases.statistics import month_statistics
from qorgau.coordination.models import ReferralKind
from qorgau.registry import choices as c
from qorgau.territory.models import Territory

MONTH_FORMAT = _("Write the month as YYYY-MM.")


class CaseworkPermission(BasePermission):
    """Only users who keep survivor case files, for reading and writing alike."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(MANAGE_SURVIVOR_CASES))


PERMISSIONS = [*APIView.permission_classes, CaseworkPermission]


def _cases(request: Request) -> Any:
    return restrict(
        SurvivorCase.objects.select_related("district").prefetch_related("assessments"),
        request.user,
        permission=MANAGE_SURVIVOR_CASES,
    )


def _case(request: Request, pk: int) -> SurvivorCase:
    case: SurvivorCase = get_for_user(
        _cases(request), request.user, pk, permission=MANAGE_SURVIVOR_CASES
    )
    return case


def _audit_read(request: Request, target: Any = None, **details: Any) -> None:
    audit_record(
        action=AuditAction.VIEW,
        request=request._request,
        actor=account_of(request),
        target=target,
        object_type="" if target is not None else "cases.survivorcase",
        details={"api": True, **details},
    )


class CaseReferralSerializer(serializers.ModelSerializer[CaseReferral]):
    reference = serializers.CharField(source="referral.reference", read_only=True)
    kind = serializers.CharField(source="referral.kind.code", read_only=True)
    receiver = serializers.IntegerField(source="referral.receiver_id", read_only=True)
    status = serializers.CharField(source="referral.status", read_only=True)
    outcome = serializers.CharField(source="referral.outcome", read_only=True)

    class Meta:
        model = CaseReferral
        fields = ["reference", "kind", "receiver", "share_kind", "status", "outcome"]


class CaseOutputSerializer(serializers.ModelSerializer[SurvivorCase]):
    reference = serializers.CharField(source="label", read_only=True)
    district: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )
    legal_types = serializers.ListField(child=serializers.CharField(), read_only=True)
    consent_in_force = serializers.SerializerMethodField()
    risk_level = serializers.SerializerMethodField()

    class Meta:
        model = SurvivorCase
        fields = [
            "id",
            "reference",
            "status",
            "opened_on",
            "caseworker",
            "advocate",
            "district",
            "sex",
            "birth_year",
            "referred_by",
            "injury",
            "gbvims_type",
            "legal_types",
            "consent_share",
            "consent_given_on",
            "consent_expires_on",
            "consent_withdrawn_on",
            "consent_in_force",
            "risk_level",
            "closed_on",
            "reopened_on",
        ]

    def get_consent_in_force(self, case: SurvivorCase) -> bool:
        return case.consent_in_force()

    def get_risk_level(self, case: SurvivorCase) -> str:
        newest = max(case.assessments.all(), key=lambda a: (a.assessed_on, a.pk), default=None)
        return newest.level if newest else ""


class CaseListApi(generics.ListCreateAPIView[SurvivorCase]):
    """The centre's case files (``status`` filters); POST takes in a survivor with her consent."""

    class CaseOpenInputSerializer(serializers.Serializer[Any]):
        district = serializers.SlugRelatedField(
            slug_field="kato_code", queryset=Territory.objects.current()
        )
        opened_on = serializers.DateField()
        gbvims_type = serializers.ChoiceField(choices=GbvimsType.choices)
        consent_share = serializers.MultipleChoiceField(choices=ShareWith.choices)
        consent_given_on = serializers.DateField()
        consent_expires_on = serializers.DateField(required=False, allow_null=True)
        iin = serializers.CharField(required=False, allow_blank=True, max_length=12)
        birth_year = serializers.IntegerField(
            required=False, allow_null=True, min_value=1900, max_value=2100
        )
        sex = serializers.ChoiceField(choices=[c.Sex.FEMALE, c.Sex.MALE], default=c.Sex.FEMALE)
        referred_by = serializers.ChoiceField(choices=ReferredBy.choices, default=ReferredBy.SELF)
        injury = serializers.ChoiceField(
            choices=c.InjurySeverity.choices, required=False, allow_blank=True
        )
        legal_types = serializers.MultipleChoiceField(choices=LEGAL_TYPES, required=False)

    serializer_class = CaseOutputSerializer
    permission_classes = PERMISSIONS

    def get_queryset(self) -> Any:
        cases = _cases(self.request)
        wanted = self.request.query_params.get("status")
        return cases.filter(status=wanted) if wanted else cases

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_read(request, list=True)
        return response

    @extend_schema(request=CaseOpenInputSerializer, responses={201: CaseOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.CaseOpenInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        data["consent_share"] = sorted(data["consent_share"])
        data["legal_types"] = sorted(data.get("legal_types", ()))
        case = services.case_open(actor=account_of(request), request=request._request, **data)
        return Response(CaseOutputSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    """One case file (no decrypted text) with its referrals and their answers."""

    permission_classes = PERMISSIONS

    @extend_schema(responses={200: CaseOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        case = _case(request, pk)
        _audit_read(request, case)
        body = dict(CaseOutputSerializer(case).data)
        links = case.referrals.select_related("referral", "referral__kind")
        body["referrals"] = CaseReferralSerializer(links, many=True).data
        return Response(body)


class CaseAssessApi(APIView):
    """POST scores her answers with the risk instrument and records her needs."""

    class AssessInputSerializer(serializers.Serializer[Any]):
        answers = serializers.DictField(child=serializers.IntegerField(min_value=0))
        needs = serializers.MultipleChoiceField(choices=Need.choices, required=False)
        level = serializers.ChoiceField(choices=c.RiskLevel.choices, required=False)
        override_reason = serializers.CharField(required=False, allow_blank=True, max_length=500)

    permission_classes = PERMISSIONS

    @extend_schema(request=AssessInputSerializer, responses={201: CaseOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk)
        incoming = self.AssessInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        services_assessment.case_assess(
            actor=account_of(request),
            request=request._request,
            case=case,
            answers=data["answers"],
            needs=sorted(data.get("needs", ())),
            level=data.get("level", ""),
            override_reason=data.get("override_reason", ""),
        )
        return Response(CaseOutputSerializer(_case(request, pk)).data, status=201)


class CaseReferApi(APIView):
    """POST refers her through the closed loop, on her consent."""

    class ReferInputSerializer(serializers.Serializer[Any]):
        kind = serializers.SlugRelatedField(
            slug_field="code", queryset=ReferralKind.objects.filter(is_active=True)
        )
        receiver = serializers.PrimaryKeyRelatedField(
            queryset=Organisation.objects.filter(is_active=True)
        )
        reason = serializers.CharField(max_length=500)

    permission_classes = PERMISSIONS

    @extend_schema(request=ReferInputSerializer, responses={201: CaseReferralSerializer})
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk)
        incoming = self.ReferInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        link = services_sharing.case_refer(
            actor=account_of(request),
            request=request._request,
            case=case,
            **dict(incoming.validated_data),
        )
        return Response(CaseReferralSerializer(link).data, status=status.HTTP_201_CREATED)


class CaseConsentWithdrawApi(APIView):
    """POST records her withdrawal of consent; what waits to be shared is withdrawn."""

    class WithdrawInputSerializer(serializers.Serializer[Any]):
        withdrawn_on = serializers.DateField()

    permission_classes = PERMISSIONS

    @extend_schema(request=WithdrawInputSerializer, responses={200: CaseOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk)
        incoming = self.WithdrawInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services_sharing.case_consent_withdraw(
            actor=account_of(request),
            request=request._request,
            case=case,
            withdrawn_on=incoming.validated_data["withdrawn_on"],
        )
        return Response(CaseOutputSerializer(_case(request, pk)).data)


class CaseStatisticsApi(APIView):
    """GET ``?period=YYYY-MM``: the month's counts of the centre's case files."""

    permission_classes = PERMISSIONS

    @extend_schema(
        parameters=[OpenApiParameter("period", str, required=True, description="YYYY-MM")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        period = request.query_params.get("period", "")
        try:
            stats = month_statistics(_cases(request), period)
        except ValueError:
            raise serializers.ValidationError({"period": [str(MONTH_FORMAT)]}) from None
        _audit_read(request, statistics=period)
        return Response(
            {
                "period": stats.period,
                **stats.figures(),
                "new_cases": stats.new_cases,
                "closed": stats.closed,
                "new_cases_by_type": dict(stats.by_type),
                "new_cases_by_referrer": dict(stats.by_referrer),
                "referrals_by_status": dict(stats.referrals_made),
            }
        )
