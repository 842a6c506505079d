"""Forms of the case pages: they validate input only; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import User
from qorgau.accounts.roles import Role
from qorgau.cases.models import LEGAL_TYPES, GbvimsType, ShareWith
from qorgau.cases.services import districts_for
from qorgau.lib.widgets import DateInput
from qorgau.territory.models import Territory

_LEGAL_LABELS = {
    "physical": _("physical violence"),
    "psychological": _("psychological violence"),
    "sexual": _("sexual violence"),
    "economic": _("economic violence"),
}


class CaseOpenForm(forms.Form):
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput())
    district = forms.ModelChoiceField(
        label=_("District where she lives"), queryset=Territory.objects.none()
    )
    caseworker = forms.ModelChoiceField(label=_("Caseworker"), queryset=User.objects.none())
    alias = forms.CharField(
        label=_("Name or alias she gives"),
        max_length=200,
        required=False,
        help_text=_("Stored encrypted; she may stay anonymous."),
    )
    iin = forms.CharField(
        label=_("IIN"),
        max_length=12,
        required=False,
        help_text=_("Only if she agrees; kept as a pseudonym, never in clear."),
    )
    contact = forms.CharField(
        label=_("Safe contact"),
        max_length=200,
        required=False,
        help_text=_("A phone or channel she chose as safe; stored encrypted."),
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth"), min_value=1900, max_value=2100, required=False
    )
    gbvims_type = forms.ChoiceField(label=_("GBVIMS incident type"), choices=GbvimsType.choices)
    legal_types = forms.MultipleChoiceField(
        label=_("Types of domestic violence (law)"),
        choices=[(name, _LEGAL_LABELS[name]) for name in LEGAL_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    consent_share = forms.MultipleChoiceField(
        label=_("She agrees to share the case with"),
        choices=ShareWith.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    consent_given_on = forms.DateField(label=_("Consent given on"), widget=DateInput())
    consent_expires_on = forms.DateField(
        label=_("Consent expires on"), widget=DateInput(), required=False
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["opened_on"].initial = today
        self.fields["consent_given_on"].initial = today
        organisation = actor.organisation
        district_field: Any = self.fields["district"]
        caseworker_field: Any = self.fields["caseworker"]
        if organisation is None:
            return
        district_field.queryset = (
            Territory.objects.current().districts().filter(pk__in=districts_for(organisation))
        )
        caseworker_field.queryset = User.objects.filter(
            organisation=organisation, role=Role.CRISIS_CENTRE, is_active=True
        ).order_by("username")
        caseworker_field.initial = actor.pk


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=DateInput())


class SafetyPlanForm(forms.Form):
    text = forms.CharField(label=_("Safety plan"), widget=forms.Textarea(attrs={"rows": 6}))
    review_on = forms.DateField(label=_("Review on"), widget=DateInput())


class FollowUpScheduleForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    note = forms.CharField(label=_("Purpose"), max_length=500, required=False)


class FollowUpRecordForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=DateInput())
    note = forms.CharField(label=_("What came of it"), max_length=2000, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
