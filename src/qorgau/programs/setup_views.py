"""Setup pages of programme providers (administrators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from qorgau.accounts.models import Organisation
from qorgau.accounts.setup_services import setup_filter
from qorgau.accounts.setup_views import SetupSection
from qorgau.lib.widgets import DateInput
from qorgau.programs.models import Accreditation, Ownership, Provider
from qorgau.programs.setup_services import PROVIDER_KINDS, provider_setup, provider_setup_update

if TYPE_CHECKING:
    from qorgau.accounts.models import User


DATE = DateInput()


class ProviderEditForm(forms.Form):
    """What an administrator may change of a provider; the organisation stays."""

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

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # every choice here is the same for every actor


class ProviderSetupForm(ProviderEditForm):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"),
        queryset=Organisation.objects.none(),
        help_text=gettext_lazy("A programme provider or NGO not yet on the register."),
    )
    field_order = ["organisation"]

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        candidates = Organisation.objects.filter(
            kind__in=PROVIDER_KINDS, programme_provider__isnull=True, is_active=True
        )
        self.fields["organisation"].queryset = setup_filter(  # type: ignore[attr-defined]
            candidates, actor, "territory_id"
        )


def _providers(actor: User) -> QuerySet[Provider]:
    queryset = Provider.objects.select_related("organisation__territory", "region")
    return setup_filter(queryset, actor, "organisation__territory_id")


PROVIDERS = SetupSection[Provider](
    app="programs",
    name="provider",
    title=gettext_lazy("Programme providers"),
    new_title=gettext_lazy("New programme provider"),
    columns=[
        gettext_lazy("Organisation"),
        gettext_lazy("Region"),
        gettext_lazy("Ownership"),
        gettext_lazy("Accreditation"),
    ],
    records=_providers,
    cells=lambda provider: [
        provider.organisation.name,
        provider.region.name,
        provider.get_ownership_display(),
        provider.get_accreditation_display(),
    ],
    form=ProviderSetupForm,
    edit_form=ProviderEditForm,
    create=provider_setup,
    update=provider_setup_update,
    record_title=lambda provider: provider.organisation.name,
)
