"""Setup pages of the help directory (administrators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.accounts.setup_services import setup_filter, setup_scope_ids, setup_territories
from qorgau.accounts.setup_views import SetupSection
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


def _entries(actor: User) -> QuerySet[HelpService]:
    queryset = HelpService.objects.select_related("region").order_by("region__kato_code", "name")
    if setup_scope_ids(actor) is None:
        return queryset
    return setup_filter(queryset, actor, "region_id")


HELP_SERVICES = SetupSection[HelpService](
    app="citizens",
    name="help",
    prefix="setup/help/",
    title=gettext_lazy("Help directory"),
    new_title=gettext_lazy("New help service"),
    columns=[
        gettext_lazy("Name"),
        gettext_lazy("Kind"),
        gettext_lazy("Region"),
        gettext_lazy("Phone"),
        gettext_lazy("Listed"),
    ],
    records=_entries,
    cells=lambda entry: [
        entry.name,
        entry.get_kind_display(),
        entry.region.name if entry.region else _("the whole country"),
        entry.phone,
        _("yes") if entry.active else _("no"),
    ],
    form=HelpEntryForm,
    create=help_entry_create,
    update=help_entry_update,
    record_keyword="entry",
    record_title=lambda entry: entry.name,
    initial=lambda entry: model_to_dict(entry, fields=list(HELP_FIELDS)),
)
