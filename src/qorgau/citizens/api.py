"""The citizen portal over the API: public submit and status lookup, the public directory,
volunteer sign-up; triage and vetting for staff.

The public endpoints take no authentication at all (no session, so no CSRF coupling, and no
token), share the page's rate limits, and answer a receipt only after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user, restrict
from qorgau.accounts.roles import TRIAGE_CITIZEN_REPORTS, VET_VOLUNTEERS
from qorgau.citizens import services
from qorgau.citizens.models import (
    AtRisk,
    CitizenReport,
    CloseReason,
    HelpService,
    Reporter,
    ServiceKind,
    Volunteer,
    VolunteerKind,
)
from qorgau.territory.models import Territory

_Decided = TypeVar("_Decided")


def _errors(exc: ValidationError) -> ApiValidationError:
    return ApiValidationError({"detail": exc.messages})


def _staff_decision(
    request: Request,
    input_serializer: type[serializers.Serializer[Any]],
    decide: Callable[..., _Decided],
    **record: Any,
) -> _Decided:
    """A staff member's decision on a ``record`` (triage, vetting): the input checked, then the
    service ``decide`` with the user; its refusal of a rule is a 400 with the messages."""
    incoming = input_serializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    try:
        return decide(
            user=request.user, request=request._request, **record, **incoming.validated_data
        )
    except ValidationError as exc:
        raise _errors(exc) from exc


class _Public(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def limit(self, request: Request, bucket: str) -> None:
        if services.rate_limit_hit(request._request, bucket):
            raise Throttled()


class CitizenReportSubmitSerializer(serializers.Serializer[Any]):
    district = serializers.CharField(max_length=9, help_text="KATO code of the district or city")
    account = serializers.CharField(max_length=services.MAX_ACCOUNT)
    at_risk = serializers.ChoiceField(choices=AtRisk.choices)
    reporter = serializers.ChoiceField(choices=Reporter.choices, default=Reporter.OTHER)
    happening_now = serializers.BooleanField(default=False)
    occurred_on = serializers.DateField(required=False, allow_null=True)
    children_involved = serializers.BooleanField(default=False)
    address = serializers.CharField(max_length=services.MAX_SHORT, required=False, allow_blank=True)
    contact = serializers.CharField(max_length=services.MAX_SHORT, required=False, allow_blank=True)
    website = serializers.CharField(required=False, allow_blank=True, help_text="Leave empty.")

    def validate_district(self, value: str) -> Territory:
        found = Territory.objects.current().districts().filter(kato_code=value).first()
        if found is None:
            raise serializers.ValidationError("Unknown district KATO code.")
        return found


class CitizenReceiptSerializer(serializers.Serializer[Any]):
    receipt = serializers.CharField(read_only=True)
    emergency_numbers = serializers.ListField(child=serializers.CharField(), read_only=True)


class CitizenReceiptLookupSerializer(serializers.Serializer[Any]):
    receipt = serializers.CharField(max_length=40)
    text = serializers.CharField(max_length=services.MAX_ACCOUNT, required=False)


class CitizenReportPublicStatusSerializer(serializers.Serializer[Any]):
    status = serializers.CharField()
    submitted_on = serializers.DateField()
    added = serializers.BooleanField()


EMERGENCY = ["102", "112", "111"]


class CitizenReportSubmitApi(_Public):
    """Submit an anonymous report; answers the receipt code once, after the commit."""

    @extend_schema(
        operation_id="citizens_report_submit",
        request=CitizenReportSubmitSerializer,
        responses={201: CitizenReceiptSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = CitizenReportSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.pop("website", ""):
            self.limit(request, "report")
            raise ApiValidationError({"detail": ["Rejected."]})
        self.limit(request, "report")
        try:
            submitted = services.report_submit(language=get_language() or "", **data)
        except ValidationError as exc:
            raise _errors(exc) from exc
        return Response(
            {
                "receipt": services.receipt_display(submitted.receipt),
                "emergency_numbers": EMERGENCY,
            },
            status=status.HTTP_201_CREATED,
        )


class CitizenReportStatusApi(_Public):
    """The status of a report by receipt code; with ``text``, adds information to it."""

    @extend_schema(
        operation_id="citizens_report_status",
        request=CitizenReceiptLookupSerializer,
        responses={200: CitizenReportPublicStatusSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = CitizenReceiptLookupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.limit(request, "lookup")
        found = services.report_by_receipt(serializer.validated_data["receipt"])
        if found is None:
            return Response(
                {"message": "No report has this code.", "extra": {}},
                status=status.HTTP_404_NOT_FOUND,
            )
        added = False
        if text := serializer.validated_data.get("text"):
            try:
                services.report_add_information(report=found, text=text)
            except ValidationError as exc:
                raise _errors(exc) from exc
            added = True
        public_status = {"new": "received", "closed": "closed"}.get(found.status, "passed_on")
        return Response(
            {"status": public_status, "submitted_on": found.submitted_at.date(), "added": added}
        )


class CitizenHelpServiceSerializer(serializers.ModelSerializer[HelpService]):
    region = serializers.CharField(source="region.kato_code", default=None, read_only=True)
    service_kind = serializers.ChoiceField(
        source="kind", choices=ServiceKind.choices, read_only=True
    )

    class Meta:
        model = HelpService
        fields = [
            "id",
            "name",
            "service_kind",
            "region",
            "address",
            "phone",
            "hours",
            "languages",
            "free_of_charge",
            "description",
            "updated_at",
        ]


class HelpServiceListApi(generics.ListAPIView[HelpService]):
    """The public help directory; ``region`` (KATO code), ``kind`` and ``q`` narrow it."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    serializer_class = CitizenHelpServiceSerializer
    filter_backends: list[Any] = []

    @extend_schema(operation_id="citizens_services_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[HelpService]:
        params = self.request.query_params
        region = None
        if code := params.get("region", ""):
            region = Territory.objects.current().regions().filter(kato_code=code).first()
        kind = params.get("kind", "")
        return (
            HelpService.objects.active()
            .select_related("region")
            .search(
                region=region,
                kind=kind if kind in ServiceKind.values else "",
                text=params.get("q", "")[:100],
            )
        )


class CitizenVolunteerSignUpSerializer(serializers.Serializer[Any]):
    applicant_kind = serializers.ChoiceField(source="kind", choices=VolunteerKind.choices)
    name = serializers.CharField(max_length=200)
    region = serializers.CharField(max_length=9, help_text="KATO code of the region")
    contact = serializers.CharField(max_length=services.MAX_SHORT)
    about = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    website = serializers.CharField(required=False, allow_blank=True, help_text="Leave empty.")

    def validate_region(self, value: str) -> Territory:
        found = Territory.objects.current().regions().filter(kato_code=value).first()
        if found is None:
            raise serializers.ValidationError("Unknown region KATO code.")
        return found


class CitizenVolunteerSerializer(serializers.ModelSerializer[Volunteer]):
    region = serializers.CharField(source="region.kato_code", read_only=True)
    applicant_kind = serializers.ChoiceField(
        source="kind", choices=VolunteerKind.choices, read_only=True
    )

    class Meta:
        model = Volunteer
        fields = ["id", "applicant_kind", "name", "region", "status", "submitted_at", "decided_at"]
        read_only_fields = fields


class VolunteerSignUpApi(_Public):
    """Sign up as a volunteer or register a community prevention council (vetted later)."""

    @extend_schema(
        operation_id="citizens_volunteer_sign_up",
        request=CitizenVolunteerSignUpSerializer,
        responses={201: CitizenVolunteerSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = CitizenVolunteerSignUpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        self.limit(request, "volunteer")
        if data.pop("website", ""):
            raise ApiValidationError({"detail": ["Rejected."]})
        created = services.volunteer_sign_up(**data)
        return Response(CitizenVolunteerSerializer(created).data, status=status.HTTP_201_CREATED)


# --- staff --------------------------------------------------------------------------------
class CanTriage(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(TRIAGE_CITIZEN_REPORTS))


class CanVet(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(VET_VOLUNTEERS))


class CitizenReportTriageRowSerializer(serializers.ModelSerializer[CitizenReport]):
    code = serializers.CharField(source="label", read_only=True)
    district = serializers.CharField(source="district.kato_code", read_only=True)
    waiting_seconds = serializers.SerializerMethodField()

    class Meta:
        model = CitizenReport
        fields = [
            "id",
            "code",
            "district",
            "submitted_at",
            "happening_now",
            "children_involved",
            "at_risk",
            "status",
            "triaged_at",
            "waiting_seconds",
        ]
        read_only_fields = fields

    def get_waiting_seconds(self, obj: CitizenReport) -> int:
        return int(obj.waiting_for().total_seconds())


class TriageQueueApi(generics.ListAPIView[CitizenReport]):
    """Reports in the user's territory; ``status=new`` (default) is the queue."""

    permission_classes = [*APIView.permission_classes, CanTriage]
    serializer_class = CitizenReportTriageRowSerializer
    filter_backends: list[Any] = []

    @extend_schema(operation_id="citizens_triage_queue")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[CitizenReport]:
        if getattr(self, "swagger_fake_view", False):
            return CitizenReport.objects.none()
        wanted = self.request.query_params.get("status", "new")
        rows = restrict(CitizenReport.objects.select_related("district"), self.request.user)
        if wanted != "all":
            rows = rows.filter(status=wanted)
        return rows.order_by("-happening_now", "submitted_at")


class CitizenTriageActionSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=["link", "refer", "close"])
    incident = serializers.CharField(required=False, allow_blank=True, max_length=20)
    person = serializers.CharField(required=False, allow_blank=True, max_length=20)
    service = serializers.PrimaryKeyRelatedField(
        queryset=HelpService.objects.all(), required=False, allow_null=True
    )
    close_reason = serializers.ChoiceField(
        choices=CloseReason.choices, required=False, allow_blank=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TriageActionApi(APIView):
    """Triage one report: link, refer or close (audited; the time to triage is recorded)."""

    permission_classes = [*APIView.permission_classes, CanTriage]

    @extend_schema(
        operation_id="citizens_triage_action",
        request=CitizenTriageActionSerializer,
        responses={200: CitizenReportTriageRowSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        report = get_for_user(CitizenReport.objects.all(), request.user, pk)
        report = _staff_decision(
            request, CitizenTriageActionSerializer, services.report_triage, report=report
        )
        return Response(CitizenReportTriageRowSerializer(report).data)


class VettingListApi(generics.ListAPIView[Volunteer]):
    """Volunteers and councils of the user's territory, for vetting."""

    permission_classes = [*APIView.permission_classes, CanVet]
    serializer_class = CitizenVolunteerSerializer
    filter_backends: list[Any] = []

    @extend_schema(operation_id="citizens_vetting_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Volunteer]:
        if getattr(self, "swagger_fake_view", False):
            return Volunteer.objects.none()
        return restrict(Volunteer.objects.select_related("region"), self.request.user).order_by(
            "status", "submitted_at"
        )


class CitizenVettingDecisionSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["vetted", "refused"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class VettingDecisionApi(APIView):
    permission_classes = [*APIView.permission_classes, CanVet]

    @extend_schema(
        operation_id="citizens_vetting_decide",
        request=CitizenVettingDecisionSerializer,
        responses={200: CitizenVolunteerSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        found = get_for_user(Volunteer.objects.all(), request.user, pk)
        found = _staff_decision(
            request, CitizenVettingDecisionSerializer, services.volunteer_decide, volunteer=found
        )
        return Response(CitizenVolunteerSerializer(found).data)
