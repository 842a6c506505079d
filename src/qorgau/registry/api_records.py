"""The API of offences and risk assessments."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from qorgau.accounts.http import account_of
from qorgau.accounts.roles import ASSESS_RISK, RECORD_OFFENCES
from qorgau.registry import choices as c
from qorgau.registry import selectors as s
from qorgau.registry import services
from qorgau.registry.api_common import (
    AuditedList,
    AuditedListCreate,
    DistrictField,
    IncidentField,
    InDistrictOutputSerializer,
    PersonField,
    district_from,
)
from qorgau.registry.filters import OffenceFilterSet, RiskAssessmentFilterSet
from qorgau.registry.models import Offence, RiskAssessment
from qorgau.registry.risk import instrument_load


class OffenceOutputSerializer(InDistrictOutputSerializer[Offence]):
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


class RiskAssessmentOutputSerializer(InDistrictOutputSerializer[RiskAssessment]):
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


# --- Offences and risk -----------------------------------------------------------------------


class OffenceListApi(AuditedListCreate):
    """Offences within scope; POST records one with its outcome."""

    class OffenceRecordInputSerializer(serializers.Serializer[Any]):
        incident = IncidentField(required=False, allow_null=True)
        district = DistrictField(required=False, allow_null=True)
        offender = PersonField()
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
    object_type = "registry.offence"
    write_permission = RECORD_OFFENCES

    def get_queryset(self) -> Any:
        return s.offences_for(self.request.user)

    @extend_schema(request=OffenceRecordInputSerializer, responses={201: OffenceOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(self.OffenceRecordInputSerializer)
        offence = services.offence_record(
            actor=account_of(request),
            request=request._request,
            district=district_from(data, data.get("incident")),
            **data,
        )
        return self.created(offence)


class RiskAssessmentListApi(AuditedListCreate):
    """Risk assessments within scope; POST scores answers with the default instrument.

    ``answers`` maps item codes to 0/1 (or a count); ``level`` may only raise the computed one.
    """

    class RiskAssessInputSerializer(serializers.Serializer[Any]):
        victim = PersonField()
        offender = PersonField(required=False, allow_null=True)
        incident = IncidentField(required=False, allow_null=True)
        district = DistrictField(required=False, allow_null=True)
        answers = serializers.DictField(child=serializers.IntegerField(min_value=0))
        level = serializers.ChoiceField(choices=c.RiskLevel.choices, required=False)
        override_reason = serializers.CharField(required=False, allow_blank=True, max_length=500)

    serializer_class = RiskAssessmentOutputSerializer
    filterset_class = RiskAssessmentFilterSet
    object_type = "registry.riskassessment"
    write_permission = ASSESS_RISK

    def get_queryset(self) -> Any:
        return s.assessments_for(self.request.user)

    @extend_schema(
        request=RiskAssessInputSerializer, responses={201: RiskAssessmentOutputSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(self.RiskAssessInputSerializer)
        assessment = services.risk_assess(
            actor=account_of(request),
            request=request._request,
            district=district_from(data, data.get("incident")),
            instrument_code=instrument_load().code,
            **data,
        )
        return self.created(assessment)


class RiskOverdueApi(AuditedList):
    """The latest assessment of each victim in scope whose re-assessment date has passed."""

    serializer_class = RiskAssessmentOutputSerializer
    object_type = "registry.riskassessment"
    filterset_class = None

    def get_queryset(self) -> Any:
        return s.work_lists(self.request.user).risk_overdue
