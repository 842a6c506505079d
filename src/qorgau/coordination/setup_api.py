"""Setup of coordinating bodies and their members over the API (administrators)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from rest_framework import serializers

from qorgau.accounts.http import account_of
from qorgau.accounts.models import Organisation
from qorgau.accounts.setup_api import SetupDetailApi, SetupListApi, territory_field
from qorgau.accounts.setup_services import setup_filter
from qorgau.coordination.models import CoordinatingBody, Membership
from qorgau.coordination.setup_services import (
    body_create,
    body_update,
    member_add,
    member_update,
)


class BodySetupSerializer(serializers.ModelSerializer[CoordinatingBody]):
    territory = territory_field()
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = CoordinatingBody
        fields = [
            "id",
            "name",
            "name_kk",
            "name_ru",
            "name_en",
            "display_name",
            "territory",
            "is_active",
        ]
        validators: list[Any] = []  # the service validates


class MemberSetupSerializer(serializers.ModelSerializer[Membership]):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())

    class Meta:
        model = Membership
        fields = ["id", "body", "organisation", "role", "joined_on", "left_on"]
        read_only_fields = ["body"]
        validators: list[Any] = []


class MemberUpdateSerializer(MemberSetupSerializer):
    class Meta(MemberSetupSerializer.Meta):
        read_only_fields = ["body", "organisation"]


def _bodies(request: Any) -> Any:
    return setup_filter(
        CoordinatingBody.objects.select_related("territory"), request.user, "territory_id"
    )


class BodySetupListApi(SetupListApi[CoordinatingBody]):
    """Coordinating bodies in the administrator's territory; POST sets one up."""

    serializer_class = BodySetupSerializer

    def get_queryset(self) -> Any:
        return _bodies(self.request)

    def service_create(self, data: dict[str, Any]) -> CoordinatingBody:
        return body_create(actor=account_of(self.request), request=self.request._request, **data)


class BodySetupDetailApi(SetupDetailApi[CoordinatingBody]):
    serializer_class = BodySetupSerializer

    def get_queryset(self) -> Any:
        return _bodies(self.request)

    def service_update(self, obj: CoordinatingBody, data: dict[str, Any]) -> CoordinatingBody:
        return body_update(
            actor=account_of(self.request), request=self.request._request, body=obj, **data
        )


class MemberSetupListApi(SetupListApi[Membership]):
    """The member agencies of one body; POST seats an agency of its territory."""

    serializer_class = MemberSetupSerializer

    def body(self) -> CoordinatingBody:
        body: CoordinatingBody = get_object_or_404(_bodies(self.request), pk=self.kwargs["pk"])
        return body

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no body
            return Membership.objects.none()
        return Membership.objects.filter(body=self.body()).select_related("organisation")

    def service_create(self, data: dict[str, Any]) -> Membership:
        return member_add(
            actor=account_of(self.request), request=self.request._request, body=self.body(), **data
        )


class MemberSetupDetailApi(SetupDetailApi[Membership]):
    serializer_class = MemberUpdateSerializer

    def get_queryset(self) -> Any:
        return Membership.objects.filter(body__in=_bodies(self.request)).select_related("body")

    def service_update(self, obj: Membership, data: dict[str, Any]) -> Membership:
        return member_update(
            actor=account_of(self.request), request=self.request._request, membership=obj, **data
        )
