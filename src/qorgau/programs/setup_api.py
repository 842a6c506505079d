"""Setup of programme providers over the API (administrators)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from qorgau.accounts.http import account_of
from qorgau.accounts.models import Organisation
from qorgau.accounts.setup_api import SetupDetailApi, SetupListApi
from qorgau.accounts.setup_services import setup_filter
from qorgau.programs.models import Provider
from qorgau.programs.setup_services import provider_setup, provider_setup_update


class ProviderSetupSerializer(serializers.ModelSerializer[Provider]):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    region: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )

    class Meta:
        model = Provider
        fields = [
            "id",
            "organisation",
            "region",
            "ownership",
            "accreditation",
            "accredited_from",
            "accredited_until",
        ]
        validators: list[Any] = []  # the service validates


class ProviderUpdateSerializer(ProviderSetupSerializer):
    organisation = serializers.PrimaryKeyRelatedField(read_only=True)


def _providers(request: Any) -> Any:
    queryset = Provider.objects.select_related("organisation", "region")
    return setup_filter(queryset, request.user, "organisation__territory_id")


class ProviderSetupListApi(SetupListApi[Provider]):
    """Programme providers of the administrator's territory; POST puts one on the register."""

    serializer_class = ProviderSetupSerializer

    def get_queryset(self) -> Any:
        return _providers(self.request)

    def service_create(self, data: dict[str, Any]) -> Provider:
        return provider_setup(actor=account_of(self.request), request=self.request._request, **data)


class ProviderSetupDetailApi(SetupDetailApi[Provider]):
    serializer_class = ProviderUpdateSerializer

    def get_queryset(self) -> Any:
        return _providers(self.request)

    def service_update(self, obj: Provider, data: dict[str, Any]) -> Provider:
        return provider_setup_update(
            actor=account_of(self.request), request=self.request._request, provider=obj, **data
        )
