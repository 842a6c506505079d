"""Entry forms: they collect values; the rules live in :mod:`qorgau.budget.services`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import User
from qorgau.budget.models import SubProgramme
from qorgau.territory.models import Level, Territory

if TYPE_CHECKING:
    from qorgau.accounts.typing import RequestUser


def region_choices(user: RequestUser) -> list[tuple[str, str]]:
    """Today's regions, or only the user's own region for a regional finance officer."""
    regions = Territory.objects.regions().current().order_by("kato_code")
    if not isinstance(user, User):
        return []
    scope = user.scope_territory
    if scope is not None and scope.level == Level.REGION:
        regions = regions.filter(kato_code=scope.kato_code)
    return [(r.kato_code, r.name) for r in regions]


class _BudgetForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"))
    year = forms.IntegerField(label=_("Year"), min_value=2000)
    sub_programme = forms.ChoiceField(label=_("Budget sub-programme"))

    def __init__(self, *args: Any, user: RequestUser, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user)  # type: ignore[attr-defined]
        self.fields["sub_programme"].choices = [  # type: ignore[attr-defined]
            (s.code, f"{s.classification} {s.name}")
            for s in SubProgramme.objects.filter(active=True)
        ]

    def values(self) -> dict[str, Any]:
        """The cleaned values as the services read rows (empty fields left out)."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class AllocationForm(_BudgetForm):
    approved = forms.DecimalField(label=_("Approved, tenge"), min_value=0, decimal_places=2)
    revised = forms.DecimalField(
        label=_("Revised, tenge"),
        min_value=0,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty until the allocation is revised."),
    )
    reason = forms.CharField(label=_("Reason for the revision"), max_length=300, required=False)


class ExecutionForm(_BudgetForm):
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    executed = forms.DecimalField(label=_("Executed, tenge"), min_value=0, decimal_places=2)
    wages = forms.DecimalField(
        label=_("of which wages"), min_value=0, decimal_places=2, required=False
    )
    goods_services = forms.DecimalField(
        label=_("of which goods and services"), min_value=0, decimal_places=2, required=False
    )
    social_order = forms.DecimalField(
        label=_("of which state social order (NGOs)"),
        min_value=0,
        decimal_places=2,
        required=False,
    )
    people_served = forms.IntegerField(label=_("People served"), min_value=0, required=False)
    bed_nights = forms.IntegerField(label=_("Bed-nights"), min_value=0, required=False)
    sessions = forms.IntegerField(label=_("Sessions"), min_value=0, required=False)
    trainings = forms.IntegerField(label=_("Specialists trained"), min_value=0, required=False)
    completed = forms.IntegerField(label=_("Programmes completed"), min_value=0, required=False)
    over_allocation = forms.BooleanField(label=_("Beyond the revised allocation"), required=False)
    justification = forms.CharField(label=_("Justification"), max_length=300, required=False)

    def values(self) -> dict[str, Any]:
        values = super().values()
        values["over_allocation"] = "yes" if self.cleaned_data.get("over_allocation") else ""
        return values


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("XLSX file"),
        help_text=_(
            "Sheets “allocations” and “execution” with the columns of the template; a row with "
            "sub-programme “total” is checked against the sum of its rows and not stored."
        ),
    )
