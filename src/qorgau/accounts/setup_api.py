"""Setup over the API: the same services, scope and audit as the setup pages.

The parts above build their setup endpoints on :class:`SetupListApi` and
:class:`SetupDetailApi`: a list filtered to the administrator's territory (POST creates
through the part's service), one row (PATCH changes it through the service).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db import models
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.http import account_of
from qorgau.accounts.models import Organisation
from qorgau.accounts.setup_services import (
    organisation_create,
    organisation_update,
    setup_allowed,
    setup_filter,
)
from qorgau.territory.models import Territory

M = TypeVar("M", bound=models.Model)


class CanSetUp(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return setup_allowed(request.user)


def territory_field(**kwargs: Any) -> Any:
    """A territory given by its KATO code, among today's territories."""
    return serializers.SlugRelatedField(
        slug_field="kato_code", queryset=Territory.objects.current(), **kwargs
    )


class SetupListApi(generics.ListCreateAPIView[M], Generic[M]):
    """Rows within the administrator's territory; POST creates one through the service."""

    permission_classes = [*generics.ListCreateAPIView.permission_classes, CanSetUp]

    def service_create(self, data: dict[str, Any]) -> M:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        created = self.service_create(dict(incoming.validated_data))
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)


class SetupDetailApi(generics.RetrieveUpdateAPIView[M], Generic[M]):
    """One row within the administrator's territory; PATCH changes it through the service."""

    permission_classes = [*generics.RetrieveUpdateAPIView.permission_classes, CanSetUp]
    http_method_names = ["get", "patch", "head", "options"]

    def service_update(self, obj: M, data: dict[str, Any]) -> M:
        raise NotImplementedError

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        incoming = self.get_serializer(obj, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        changed = self.service_update(obj, dict(incoming.validated_data))
        return Response(self.get_serializer(changed).data)


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    territory = territory_field()
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "name_kk",
            "name_ru",
            "name_en",
            "display_name",
            "kind",
            "territory",
            "is_active",
        ]
        validators: list[Any] = []  # the service validates, with the model's own messages


def _organisations(request: Request) -> Any:
    queryset = Organisation.objects.select_related("territory").order_by("name")
    return setup_filter(queryset, request.user, "territory_id")


class OrganisationSetupListApi(SetupListApi[Organisation]):
    """Organisations (centres, providers, agencies) in the administrator's territory."""

    serializer_class = OrganisationSerializer

    def get_queryset(self) -> Any:
        return _organisations(self.request)

    def service_create(self, data: dict[str, Any]) -> Organisation:
        return organisation_create(
            actor=account_of(self.request), request=self.request._request, **data
        )


class OrganisationSetupDetailApi(SetupDetailApi[Organisation]):
    serializer_class = OrganisationSerializer

    def get_queryset(self) -> Any:
        return _organisations(self.request)

    def service_update(self, obj: Organisation, data: dict[str, Any]) -> Organisation:
        return organisation_update(
            actor=account_of(self.request), request=self.request._request, organisation=obj, **data
        )
