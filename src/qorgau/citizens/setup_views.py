"""Setup pages of the help directory (administrators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.setup_services import setup_filter, setup_scope_ids, setup_territories
from qorgau.accounts.setup_views import (
    SetupRow,
    setup_form,
    setup_list,
    setup_page,
    setup_saved,
    setup_submitted,
)
from qorgau.citizens.models import HelpService
from qorgau.citizens.setup_services import HELP_FIELDS, help_entry_create, help_entry_update

if TYPE_CHECKING:
    from qorgau.accounts.models import User


class HelpEntryForm(forms.ModelForm):  # type: ignore[type-arg]  # not generic at run time
    """The entry's public fields; the regions offered are those of the administrator."""

    class Meta:
        model = HelpService
        fields = list(HELP_FIELDS)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        region.queryset = setup_territories(actor, levels=(1,))  # type: ignore[attr-defined]
        region.required = setup_scope_ids(actor) is not None  # national entries: country only


def _entries(request: AuthenticatedHttpRequest) -> Any:
    queryset = HelpService.objects.select_related("region").order_by("region__kato_code", "name")
    if setup_scope_ids(request.user) is None:
        return queryset
    return setup_filter(queryset, request.user, "region_id")


def _entry_row(entry: HelpService) -> SetupRow:
    return SetupRow(
        [
            entry.name,
            entry.get_kind_display(),
            entry.region.name if entry.region else _("the whole country"),
            entry.phone,
            _("yes") if entry.active else _("no"),
        ],
        reverse("citizens:setup_help_edit", args=[entry.pk]),
    )


@setup_page
def help_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return setup_list(
        request,
        title=_("Help directory"),
        columns=[_("Name"), _("Kind"), _("Region"), _("Phone"), _("Listed")],
        rows=_entries(request),
        create_url=reverse("citizens:setup_help_create"),
        row=_entry_row,
    )


@setup_page
def help_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = HelpEntryForm(request.POST or None, actor=request.user)
    saved = setup_submitted(
        request, form, lambda data: help_entry_create(actor=request.user, request=request, **data)
    )
    if saved:
        return setup_saved(request, "citizens:setup_help_list")
    back = reverse("citizens:setup_help_list")
    return setup_form(request, form, title=_("New help service"), back=back)


@setup_page
def help_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(_entries(request), pk=pk)
    initial = model_to_dict(entry, fields=list(HELP_FIELDS))
    form = HelpEntryForm(request.POST or None, actor=request.user, initial=initial)
    saved = setup_submitted(
        request,
        form,
        lambda data: help_entry_update(actor=request.user, request=request, entry=entry, **data),
    )
    if saved:
        return setup_saved(request, "citizens:setup_help_list")
    back = reverse("citizens:setup_help_list")
    return setup_form(request, form, title=entry.name, back=back)
