"""The API of persons: the pseudonymous list and the identity revealed with a reason."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from qorgau.accounts.access import can_place_in_scope, get_for_user
from qorgau.accounts.http import account_of
from qorgau.accounts.roles import REGISTER_INCIDENT
from qorgau.registry import choices as c
from qorgau.registry import selectors as s
from qorgau.registry import services
from qorgau.registry.api_common import (
    REASON_MIN_LENGTH,
    REGISTRY_PERMISSIONS,
    AuditedListCreate,
    DistrictField,
    audit_view,
)
from qorgau.registry.filters import PersonFilterSet
from qorgau.registry.models import Person


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


# --- Persons ---------------------------------------------------------------------------------


class PersonListApi(AuditedListCreate):
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
        home_district = DistrictField(required=False, allow_null=True)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if not (attrs.get("iin") or attrs.get("surname") or attrs.get("first_name")):
                raise serializers.ValidationError(_("Give the IIN or at least a name."))
            return attrs

    serializer_class = PersonOutputSerializer
    filterset_class = PersonFilterSet
    object_type = "registry.person"
    write_permission = REGISTER_INCIDENT

    def get_queryset(self) -> Any:
        return s.persons_for(self.request.user).order_by("-pk")

    @extend_schema(request=PersonCreateInputSerializer, responses={201: PersonOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(self.PersonCreateInputSerializer)
        district = data.get("home_district")
        if district is not None and not can_place_in_scope(request.user, district.pk, None):
            raise ValidationError({"home_district": services.OUTSIDE_SCOPE})
        with services.iin_refusals_audited(actor=account_of(request), request=request._request):
            person = services.person_register(
                actor=account_of(request), request=request._request, **data
            )
        return self.created(person)


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
        audit_view(request, person, reason)
        identities = services.person_identities(
            [person], actor=account_of(request), request=request._request, reason=reason
        )
        serializer = PersonDetailOutputSerializer(person, context={"identities": identities})
        return Response(serializer.data)
