"""Setup of the help directory over the API (administrators)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from qorgau.accounts.http import account_of
from qorgau.accounts.setup_api import SetupDetailApi, SetupListApi, territory_field
from qorgau.accounts.setup_services import setup_filter, setup_scope_ids
from qorgau.citizens.models import HelpService
from qorgau.citizens.setup_services import HELP_FIELDS, help_entry_create, help_entry_update


class HelpEntrySetupSerializer(serializers.ModelSerializer[HelpService]):
    region = territory_field(required=False, allow_null=True)

    class Meta:
        model = HelpService
        fields = ["id", *HELP_FIELDS]
        validators: list[Any] = []  # the service validates


def _entries(request: Any) -> Any:
    queryset = HelpService.objects.select_related("region").order_by("name")
    if setup_scope_ids(request.user) is None:
        return queryset
    return setup_filter(queryset, request.user, "region_id")


class HelpEntrySetupListApi(SetupListApi[HelpService]):
    """Help-directory entries of the administrator's regions; POST lists a new service."""

    serializer_class = HelpEntrySetupSerializer

    def get_queryset(self) -> Any:
        return _entries(self.request)

    def service_create(self, data: dict[str, Any]) -> HelpService:
        return help_entry_create(
            actor=account_of(self.request), request=self.request._request, **data
        )


class HelpEntrySetupDetailApi(SetupDetailApi[HelpService]):
    serializer_class = HelpEntrySetupSerializer

    def get_queryset(self) -> Any:
        return _entries(self.request)

    def service_update(self, obj: HelpService, data: dict[str, Any]) -> HelpService:
        return help_entry_update(
            actor=account_of(self.request), request=self.request._request, entry=obj, **data
        )
