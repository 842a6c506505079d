"""Forms of the portal. The public ones work without JavaScript and carry a honeypot."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.citizens.models import (
    ActivityKind,
    AtRisk,
    CloseReason,
    HelpService,
    PreventionActivity,
    Reporter,
    ServiceKind,
    VolunteerKind,
)
from qorgau.citizens.services import MAX_ACCOUNT, MAX_SHORT
from qorgau.lib.widgets import DateInput
from qorgau.territory.models import Territory, name_field


def district_choices() -> list[tuple[str, Any]]:
    """Current districts grouped under their region (an ``<optgroup>`` per region)."""
    order = name_field()
    regions = list(Territory.objects.current().regions().order_by(order))
    districts = Territory.objects.current().districts().order_by(order)
    by_region: dict[int, list[tuple[str, str]]] = {}
    for district in districts:
        by_region.setdefault(district.parent_id or 0, []).append((str(district.pk), district.name))
    choices: list[tuple[str, Any]] = [("", _("Choose…"))]
    choices += [(r.name, by_region[r.pk]) for r in regions if r.pk in by_region]
    return choices


def region_choices(*, blank: str) -> list[tuple[str, str]]:
    regions = Territory.objects.current().regions().order_by(name_field())
    return [("", blank), *[(str(r.pk), r.name) for r in regions]]


class HoneypotMixin(forms.Form):
    # Hidden from people (off-screen, aria-hidden, not focusable); bots fill every field.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def honeypot_filled(self) -> bool:
        return bool(self.data.get("website"))


class ReportForm(HoneypotMixin):
    happening_now = forms.BooleanField(
        required=False, label=_("It is happening now or someone is in danger right now")
    )
    account = forms.CharField(
        label=_("What happened?"),
        max_length=MAX_ACCOUNT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Describe what you saw or heard. You do not have to give names."),
    )
    district = forms.ChoiceField(label=_("Where: district or city"))
    address = forms.CharField(
        label=_("Address or place (optional)"), required=False, max_length=MAX_SHORT
    )
    occurred_on = forms.DateField(
        label=_("When did it happen? (optional)"),
        required=False,
        widget=DateInput(),
    )
    at_risk = forms.ChoiceField(
        label=_("Who is at risk?"), choices=[("", _("Choose…")), *AtRisk.choices]
    )
    reporter = forms.ChoiceField(
        label=_("You are"), choices=Reporter.choices, initial=Reporter.OTHER
    )
    children_involved = forms.BooleanField(required=False, label=_("Children are involved"))
    contact = forms.CharField(
        label=_("A safe way and time to contact you (optional)"),
        required=False,
        max_length=MAX_SHORT,
        help_text=_(
            "Only if it is safe: for example a phone number and the hours when you can talk. "
            "Only the police and coordinators who handle reports can read it."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = district_choices()  # type: ignore[attr-defined]

    def clean_district(self) -> Territory:
        try:
            return (
                Territory.objects.current().districts().get(pk=int(self.cleaned_data["district"]))
            )
        except (Territory.DoesNotExist, ValueError, TypeError):
            raise forms.ValidationError(_("Choose a district or city from the list.")) from None

    def clean_occurred_on(self) -> Any:
        day = self.cleaned_data.get("occurred_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your receipt code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class AddInformationForm(ReceiptForm):
    text = forms.CharField(
        label=_("What would you like to add?"),
        max_length=MAX_ACCOUNT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class TriageForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Triage"),
        choices=[
            ("link", _("link to a registered incident or person")),
            ("refer", _("refer to a service")),
            ("close", _("close with a reason")),
        ],
        widget=forms.RadioSelect,
    )
    incident = forms.CharField(label=_("Incident number (I-…)"), required=False, max_length=20)
    person = forms.CharField(label=_("Person number (P-…)"), required=False, max_length=20)
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=HelpService.objects.none(), required=False
    )
    close_reason = forms.ChoiceField(
        label=_("Reason for closing"),
        choices=[("", "—"), *CloseReason.choices],
        required=False,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, region: Territory | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = HelpService.objects.active().search(region=region)  # type: ignore[attr-defined]


class DirectorySearchForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind of help"),
        required=False,
        choices=[("", _("any")), *ServiceKind.choices],
    )
    q = forms.CharField(label=_("Words"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(blank=str(_("all regions")))  # type: ignore[attr-defined]


class HelpServiceForm(forms.ModelForm):  # type: ignore[type-arg]  # not generic at run time
    class Meta:
        model = HelpService
        fields = [
            "name",
            "kind",
            "region",
            "address",
            "phone",
            "hours",
            "languages",
            "free_of_charge",
            "description",
            "active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Territory.objects.current().regions()  # type: ignore[attr-defined]


class VolunteerForm(HoneypotMixin):
    kind = forms.ChoiceField(label=_("I sign up as"), choices=VolunteerKind.choices)
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("Your first name, or the council's name.")
    )
    region = forms.ChoiceField(label=_("Region"))
    contact = forms.CharField(label=_("How coordinators can reach you"), max_length=MAX_SHORT)
    about = forms.CharField(
        label=_("About you or the council (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(blank=str(_("Choose…")))  # type: ignore[attr-defined]

    def clean_region(self) -> Territory:
        try:
            return Territory.objects.current().regions().get(pk=int(self.cleaned_data["region"]))
        except (Territory.DoesNotExist, ValueError, TypeError):
            raise forms.ValidationError(_("Choose a region from the list.")) from None


class VettingForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("vetted", _("vetted")), ("refused", _("refused"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ActivityForm(forms.ModelForm):  # type: ignore[type-arg]  # not generic at run time
    class Meta:
        model = PreventionActivity
        fields = [
            "kind",
            "title",
            "region",
            "held_on",
            "place",
            "participants",
            "volunteers",
            "public",
        ]
        widgets = {"held_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Territory.objects.current().regions()  # type: ignore[attr-defined]
        self.fields["kind"].choices = ActivityKind.choices  # type: ignore[attr-defined]
