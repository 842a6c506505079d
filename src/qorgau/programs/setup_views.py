"""Setup pages of programme providers (administrators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.models import Organisation
from qorgau.accounts.setup_services import setup_filter
from qorgau.accounts.setup_views import (
    SetupRow,
    setup_form_page,
    setup_list,
    setup_page,
)
from qorgau.lib.widgets import DateInput
from qorgau.programs.models import Accreditation, Ownership, Provider
from qorgau.programs.setup_services import PROVIDER_KINDS, provider_setup, provider_setup_update

if TYPE_CHECKING:
    from qorgau.accounts.models import User


DATE = DateInput()


class ProviderEditForm(forms.Form):
    ownership = forms.ChoiceField(label=gettext_lazy("Ownership"), choices=Ownership.choices)
    accreditation = forms.ChoiceField(
        label=gettext_lazy("Accreditation"), choices=Accreditation.choices
    )
    accredited_from = forms.DateField(
        label=gettext_lazy("Accredited from"), required=False, widget=DATE
    )
    accredited_until = forms.DateField(
        label=gettext_lazy("Accredited until"), required=False, widget=DATE
    )


class ProviderSetupForm(ProviderEditForm):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"),
        queryset=Organisation.objects.none(),
        help_text=gettext_lazy("A programme provider or NGO not yet on the register."),
    )
    field_order = ["organisation"]

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = Organisation.objects.filter(
            kind__in=PROVIDER_KINDS, programme_provider__isnull=True, is_active=True
        )
        self.fields["organisation"].queryset = setup_filter(  # type: ignore[attr-defined]
            candidates, actor, "territory_id"
        )


def _providers(request: AuthenticatedHttpRequest) -> Any:
    queryset = Provider.objects.select_related("organisation__territory", "region")
    return setup_filter(queryset, request.user, "organisation__territory_id")


def _provider_row(provider: Provider) -> SetupRow:
    return SetupRow(
        [
            provider.organisation.name,
            provider.region.name,
            provider.get_ownership_display(),
            provider.get_accreditation_display(),
        ],
        reverse("programs:setup_provider_edit", args=[provider.pk]),
    )


@setup_page
def provider_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return setup_list(
        request,
        title=_("Programme providers"),
        columns=[_("Organisation"), _("Region"), _("Ownership"), _("Accreditation")],
        rows=_providers(request),
        create_url=reverse("programs:setup_provider_create"),
        row=_provider_row,
    )


@setup_page
def provider_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProviderSetupForm(request.POST or None, actor=request.user)
    return setup_form_page(
        request,
        form,
        lambda data: provider_setup(actor=request.user, request=request, **data),
        title=_("New programme provider"),
        list_url="programs:setup_provider_list",
    )


@setup_page
def provider_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(_providers(request), pk=pk)
    initial = {name: getattr(provider, name) for name in ProviderEditForm.base_fields}
    form = ProviderEditForm(request.POST or None, initial=initial)
    return setup_form_page(
        request,
        form,
        lambda data: provider_setup_update(
            actor=request.user, request=request, provider=provider, **data
        ),
        title=provider.organisation.name,
        list_url="programs:setup_provider_list",
    )
