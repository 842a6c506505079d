"""The programmes over the API: the same selectors, services and access layer as the pages."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import account_of
from qorgau.accounts.roles import (
    EVALUATE_PROGRAMMES,
    KEEP_PROVIDER_REGISTER,
    MANAGE_ORDERS,
    MANAGE_PROGRAMMES,
    MANAGE_REQUIREMENTS,
)
from qorgau.programs import selectors, services
from qorgau.programs.evaluation import CAVEAT, HORIZONS
from qorgau.programs.forms import MAX_UPLOAD
from qorgau.programs.importing import attendance_import_file
from qorgau.programs.models import (
    DropOutReason,
    Enrolment,
    EnrolmentStatus,
    PossibleViolation,
    Programme,
    Provider,
    ReportStatus,
)
from qorgau.programs.views import evaluation_for
from qorgau.registry.importing.jobs import TOO_LARGE
from qorgau.registry.importing.readers import UnreadableFile
from qorgau.registry.models import BehaviourRequirement


def has_any(*permissions: str) -> type[BasePermission]:
    class HasAny(BasePermission):
        def has_permission(self, request: Request, view: APIView) -> bool:
            return any(request.user.has_perm(p) for p in permissions)

    return HasAny


REGISTER_READERS = has_any(KEEP_PROVIDER_REGISTER, MANAGE_PROGRAMMES, EVALUATE_PROGRAMMES)
PROVIDERS = has_any(MANAGE_PROGRAMMES)
# Participants' records: the provider, the district police and the court liaison.
PERSONAL = has_any(MANAGE_PROGRAMMES, MANAGE_REQUIREMENTS, MANAGE_ORDERS)
BASE = list(APIView.permission_classes)


def _fake(view: Any) -> bool:
    return bool(getattr(view, "swagger_fake_view", False))


# --- Register ----------------------------------------------------------------------------------


class ProgrammeProviderSerializer(serializers.ModelSerializer[Provider]):
    name = serializers.CharField(source="organisation.name", read_only=True)
    display_name = serializers.CharField(source="organisation.display_name", read_only=True)
    region = serializers.CharField(source="region.kato_code", read_only=True)

    class Meta:
        model = Provider
        fields = [
            "id",
            "name",
            "display_name",
            "region",
            "ownership",
            "accreditation",
            "accredited_from",
            "accredited_until",
        ]


class ProviderListApi(generics.ListAPIView[Provider]):
    """The register of programme providers the user may read (own, region, or country)."""

    serializer_class = ProgrammeProviderSerializer
    permission_classes = [*BASE, REGISTER_READERS]
    filterset_fields = ["ownership", "accreditation"]

    def get_queryset(self) -> QuerySet[Provider]:
        if _fake(self):
            return Provider.objects.none()
        return selectors.providers_for(self.request.user)


class ProgrammeSerializer(serializers.ModelSerializer[Programme]):
    enrolled = serializers.IntegerField(source="active", read_only=True)
    waiting = serializers.IntegerField(read_only=True)
    languages = serializers.ListField(child=serializers.CharField(max_length=8))

    class Meta:
        model = Programme
        fields = [
            "id",
            "provider",
            "name",
            "curriculum",
            "sessions",
            "format",
            "languages",
            "capacity",
            "accreditation",
            "accredited_until",
            "is_active",
            "enrolled",
            "waiting",
        ]


class ProgrammeListApi(generics.ListCreateAPIView[Programme]):
    """Programmes of the readable providers; coordinators add programmes to their register."""

    serializer_class = ProgrammeSerializer
    permission_classes = [*BASE, REGISTER_READERS]
    filterset_fields = ["provider", "format", "accreditation", "is_active"]

    def get_queryset(self) -> QuerySet[Programme]:
        if _fake(self):
            return Programme.objects.none()
        return selectors.programmes_for(self.request.user).order_by("pk")

    def perform_create(self, serializer: Any) -> None:
        programme = Programme(**serializer.validated_data)
        services.programme_save(
            actor=account_of(self.request), request=self.request, programme=programme
        )
        serializer.instance = programmes_annotated(programme)


def programmes_annotated(programme: Programme) -> Programme:
    return Programme.objects.filter(pk=programme.pk).annotate(**_zero()).get()


def _zero() -> dict[str, Any]:
    from django.db.models import Count, Q

    return {
        "active": Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)),
        "waiting": Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITING)),
    }


class DemandApi(APIView):
    """Obliged offenders in force against places, waiting lists and enrolments per region."""

    permission_classes = [*BASE, REGISTER_READERS]

    @extend_schema(
        operation_id="programs_demand",
        responses={
            200: inline_serializer(
                "ProgrammeDemandRow",
                {
                    "region": serializers.CharField(),
                    "obliged": serializers.IntegerField(),
                    "unlisted": serializers.IntegerField(),
                    "waiting": serializers.IntegerField(),
                    "enrolled": serializers.IntegerField(),
                    "capacity": serializers.IntegerField(),
                    "coverage": serializers.FloatField(allow_null=True),
                },
                many=True,
            )
        },
    )
    def get(self, request: Request) -> Response:
        rows = selectors.demand_by_region(
            on=timezone.localdate(), regions=selectors.demand_regions_for(request.user)
        )
        return Response(
            [
                {
                    "region": r.region.kato_code,
                    "obliged": r.obliged,
                    "unlisted": r.unlisted,
                    "waiting": r.waiting,
                    "enrolled": r.enrolled,
                    "capacity": r.capacity,
                    "coverage": r.coverage,
                }
                for r in rows
            ]
        )


# --- Participants ------------------------------------------------------------------------------


class ProgrammeCandidateSerializer(serializers.ModelSerializer[BehaviourRequirement]):
    offender = serializers.CharField(source="offender.label")
    district = serializers.CharField(source="district.kato_code")

    class Meta:
        model = BehaviourRequirement
        fields = ["id", "number", "offender", "district", "decided_on", "starts_on", "ends_on"]


class CandidateListApi(generics.ListAPIView[BehaviourRequirement]):
    """Obliged offenders of the provider's region not yet listed (from the court requirements)."""

    serializer_class = ProgrammeCandidateSerializer
    permission_classes = [*BASE, PROVIDERS]

    def get_queryset(self) -> QuerySet[BehaviourRequirement]:
        provider = None if _fake(self) else selectors.provider_of(self.request.user)
        if provider is None:
            return BehaviourRequirement.objects.none()
        return selectors.candidates(region=provider.region, on=timezone.localdate())


class EnrolmentSerializer(serializers.ModelSerializer[Enrolment]):
    offender = serializers.CharField(source="offender.label", read_only=True)
    code = serializers.CharField(source="label", read_only=True)
    drop_out_reason = serializers.CharField(read_only=True)  # one enum name in the schema
    attended = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "code",
            "requirement",
            "offender",
            "programme",
            "status",
            "listed_on",
            "enrolled_on",
            "ended_on",
            "drop_out_reason",
            "attended",
        ]
        read_only_fields = fields

    def get_attended(self, enrolment: Enrolment) -> int:
        return sum(1 for s in enrolment.attendance.all() if s.attended)


class EnrolmentFilterSet(django_filters.FilterSet):
    class Meta:
        model = Enrolment
        fields = ["status", "programme"]


class EnrolmentCreateSerializer(serializers.Serializer[Any]):
    requirement = serializers.IntegerField()
    programme = serializers.IntegerField()
    on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EnrolmentListApi(generics.ListAPIView[Enrolment]):
    """Participants through the access layer: a provider sees only its own."""

    serializer_class = EnrolmentSerializer
    filterset_class = EnrolmentFilterSet
    permission_classes = [*BASE, PERSONAL]

    def get_queryset(self) -> QuerySet[Enrolment]:
        if _fake(self):
            return Enrolment.objects.none()
        return (
            selectors.enrolments_for(self.request.user)
            .prefetch_related("attendance")
            .order_by("pk")
        )

    @extend_schema(
        operation_id="programs_enrolment_create",
        request=EnrolmentCreateSerializer,
        responses={201: EnrolmentSerializer},
    )
    def post(self, request: Request) -> Response:
        if not request.user.has_perm(MANAGE_PROGRAMMES):
            self.permission_denied(request)
        data = EnrolmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        provider = selectors.provider_of(request.user)
        if provider is None:
            self.permission_denied(request)
        requirement = get_object_or_404(
            selectors.obliged_requirements(region=provider.region),
            pk=data.validated_data["requirement"],
        )
        programme = get_object_or_404(
            provider.programmes.all(), pk=data.validated_data["programme"]
        )
        enrolment = services.enrolment_create(
            actor=account_of(request),
            request=request,
            requirement=requirement,
            programme=programme,
            on=data.validated_data["on"],
            note=data.validated_data["note"],
        )
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class EnrolmentDetailApi(generics.RetrieveAPIView[Enrolment]):
    serializer_class = EnrolmentSerializer
    permission_classes = [*BASE, PERSONAL]

    def get_object(self) -> Enrolment:
        return get_for_user(
            selectors.enrolments_for(self.request.user), self.request.user, self.kwargs["pk"]
        )


class AttendanceInputSerializer(serializers.Serializer[Any]):
    held_on = serializers.DateField()
    attended = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    number = serializers.IntegerField(required=False, allow_null=True, default=None)


class DayInputSerializer(serializers.Serializer[Any]):
    on = serializers.DateField()


class DropOutInputSerializer(serializers.Serializer[Any]):
    on = serializers.DateField()
    reason = serializers.ChoiceField(choices=DropOutReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


ACTIONS: dict[str, tuple[type[serializers.Serializer[Any]], Any]] = {
    "attendance": (AttendanceInputSerializer, services.attendance_record),
    "complete": (DayInputSerializer, services.enrolment_complete),
    "admit": (DayInputSerializer, services.enrolment_admit),
    "drop-out": (DropOutInputSerializer, services.enrolment_drop_out),
}


def _action_view(action: str) -> type[APIView]:
    input_serializer, service = ACTIONS[action]

    class EnrolmentActionApi(APIView):
        permission_classes = [*BASE, PROVIDERS]

        @extend_schema(
            operation_id=f"programs_enrolment_{action.replace('-', '_')}",
            request=input_serializer,
            responses={200: EnrolmentSerializer},
        )
        def post(self, request: Request, pk: int) -> Response:
            enrolment = get_for_user(selectors.enrolments_for(request.user), request.user, pk)
            data = input_serializer(data=request.data)
            data.is_valid(raise_exception=True)
            service(
                actor=account_of(request),
                request=request,
                enrolment=enrolment,
                **data.validated_data,
            )
            enrolment.refresh_from_db()
            return Response(EnrolmentSerializer(enrolment).data)

    EnrolmentActionApi.__name__ = f"Enrolment{action.title().replace('-', '')}Api"
    return EnrolmentActionApi


EnrolmentAttendanceApi = _action_view("attendance")
EnrolmentCompleteApi = _action_view("complete")
EnrolmentAdmitApi = _action_view("admit")
EnrolmentDropOutApi = _action_view("drop-out")


class AttendanceImportApi(APIView):
    """Upload attendance (.csv or .xlsx); good rows are kept, rejects come back with reasons."""

    permission_classes = [*BASE, PROVIDERS]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="programs_attendance_import",
        request={
            "multipart/form-data": inline_serializer(
                "ProgrammeAttendanceUpload", {"file": serializers.FileField()}
            )
        },
        responses={
            200: inline_serializer(
                "ProgrammeAttendanceImportResult",
                {
                    "accepted": serializers.IntegerField(),
                    "skipped": serializers.IntegerField(),
                    "rejects": serializers.ListField(child=serializers.DictField()),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            return Response(
                {"message": "file", "extra": {"fields": {"file": ["required"]}}}, status=400
            )
        if (upload.size or 0) > MAX_UPLOAD:
            limit = MAX_UPLOAD // (1024 * 1024)
            message = str(TOO_LARGE % {"limit": limit})
            return Response({"message": message, "extra": {}}, status=413)
        suffix = Path(upload.name or "").suffix.lower()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"attendance{suffix}"
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            try:
                result = attendance_import_file(
                    actor=account_of(request), path=path, request=request
                )
            except UnreadableFile as exc:
                return Response(
                    {"message": str(exc.reason), "extra": {}}, status=status.HTTP_400_BAD_REQUEST
                )
        return Response(
            {
                "accepted": result.accepted,
                "skipped": result.skipped,
                "rejects": [{"row": row, "reason": reason} for row, reason in result.rejects],
            }
        )


# --- Possible violations -----------------------------------------------------------------------


class PossibleViolationSerializer(serializers.ModelSerializer[PossibleViolation]):
    requirement_number = serializers.CharField(source="requirement.number")
    district = serializers.CharField(source="district.kato_code")
    enrolment = serializers.CharField(source="enrolment.label")

    class Meta:
        model = PossibleViolation
        fields = [
            "id",
            "requirement",
            "requirement_number",
            "district",
            "enrolment",
            "occurred_on",
            "description",
            "status",
            "reported_at",
        ]


class PossibleViolationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)

    class Meta:
        model = PossibleViolation
        fields = ["status", "requirement"]


class PossibleViolationListApi(generics.ListAPIView[PossibleViolation]):
    """Missed sessions and drop-outs for the district police and the court liaison."""

    serializer_class = PossibleViolationSerializer
    filterset_class = PossibleViolationFilterSet
    permission_classes = [*BASE, PERSONAL]

    def get_queryset(self) -> QuerySet[PossibleViolation]:
        if _fake(self):
            return PossibleViolation.objects.none()
        return selectors.possible_violations_for(self.request.user).order_by("-pk")


# --- Evaluation --------------------------------------------------------------------------------


class EvaluationApi(APIView):
    """Re-offending aggregates: KM shares at 6/12/24 months, the Cox table, the matched result."""

    permission_classes = [
        *BASE,
        has_any(EVALUATE_PROGRAMMES, MANAGE_PROGRAMMES, KEEP_PROVIDER_REGISTER),
    ]

    @extend_schema(operation_id="programs_evaluation", responses={200: dict})
    def get(self, request: Request) -> Response:
        result, _stored = evaluation_for(request)  # type: ignore[arg-type]

        def curves(items: Any) -> list[dict[str, Any]]:
            return [
                {
                    "group": c.group,
                    "n": c.n,
                    "events": c.events,
                    "reoffended": {
                        str(h): None if c.reoffended.get(h) is None else list(c.reoffended[h])
                        for h in HORIZONS
                    },
                }
                for c in items
            ]

        matching = result.matching
        return Response(
            {
                "n": result.n,
                "caveat": str(CAVEAT),
                "by_group": curves(result.curves),
                "by_provider": curves(result.by_provider),
                "by_region": curves(result.by_region),
                "logrank_p": result.logrank,
                "cox": [asdict(row) for row in result.cox],
                "matching": None
                if matching is None or matching.hazard_ratio is None
                else {
                    "pairs": matching.pairs,
                    "balance_before": matching.balance_before,
                    "balance_after": matching.balance_after,
                    "reoffended_12m_attenders": matching.reoffended_treated,
                    "reoffended_12m_non_attenders": matching.reoffended_control,
                    "hazard_ratio": asdict(matching.hazard_ratio),
                },
            }
        )
