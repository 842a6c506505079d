"""Forms of the case pages: they validate input only; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import Organisation, User
from qorgau.accounts.roles import Role
from qorgau.cases.models import CENTRE_KINDS, LEGAL_TYPES, GbvimsType, Need, ReferredBy, ShareWith
from qorgau.cases.services import districts_for
from qorgau.coordination.models import ReferralKind
from qorgau.lib.widgets import DateInput
from qorgau.registry import choices as c
from qorgau.registry.risk import DEFAULT_INSTRUMENT, instrument_load
from qorgau.territory.models import Territory

CASEWORKER_ROLES = (Role.CRISIS_CENTRE, Role.CRISIS_CENTRE_SUPERVISOR)

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
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[(c.Sex.FEMALE, c.Sex.FEMALE.label), (c.Sex.MALE, c.Sex.MALE.label)]
    )
    referred_by = forms.ChoiceField(label=_("Referred by"), choices=ReferredBy.choices)
    injury = forms.ChoiceField(
        label=_("Injury"),
        choices=[("", _("not known"))] + [(k, v) for k, v in c.InjurySeverity.choices],
        required=False,
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

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
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
            organisation=organisation, role__in=CASEWORKER_ROLES, is_active=True
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


class AssessmentForm(forms.Form):
    """The risk instrument's items (a yes/no box, or a count) and her needs."""

    needs = forms.MultipleChoiceField(
        label=_("Her needs"),
        choices=Need.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    level = forms.ChoiceField(
        label=_("Raise the level to"),
        choices=[("", _("as computed"))] + [(k, v) for k, v in c.RiskLevel.choices],
        required=False,
    )
    override_reason = forms.CharField(
        label=_("Reason for a higher level"), max_length=500, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument_load(DEFAULT_INSTRUMENT)
        for item in self.instrument.items:
            field: forms.Field
            if item.max_count == 1:
                field = forms.BooleanField(label=item.label(), required=False)
            else:
                field = forms.IntegerField(
                    label=item.label(), min_value=0, max_value=item.max_count, required=False
                )
            self.fields[f"item_{item.code}"] = field
        self.order_fields([f"item_{item.code}" for item in self.instrument.items])

    def item_fields(self) -> list[Any]:
        return [self[f"item_{item.code}"] for item in self.instrument.items]

    def answers(self) -> dict[str, int]:
        return {
            item.code: int(self.cleaned_data.get(f"item_{item.code}") or 0)
            for item in self.instrument.items
        }


class AdvocateForm(forms.Form):
    advocate = forms.ModelChoiceField(label=_("Advocate"), queryset=User.objects.none())

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        advocate: Any = self.fields["advocate"]
        advocate.queryset = User.objects.filter(
            organisation=organisation, role__in=CASEWORKER_ROLES, is_active=True
        ).order_by("username")


class CaseReferForm(forms.Form):
    kind = forms.ModelChoiceField(
        label=_("Kind of help"),
        queryset=ReferralKind.objects.filter(is_active=True).exclude(code="programme"),
    )
    receiver = forms.ModelChoiceField(label=_("Receiving agency"), queryset=Organisation.objects)
    reason = forms.CharField(label=_("What is asked"), max_length=500)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        receiver: Any = self.fields["receiver"]
        receiver.queryset = (
            Organisation.objects.filter(
                is_active=True, territory_id__in=districts_for(organisation)
            )
            .exclude(pk=organisation.pk)
            .order_by("name")
        )


class TransferForm(forms.Form):
    to_organisation = forms.ModelChoiceField(
        label=_("Receiving centre"), queryset=Organisation.objects
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_field: Any = self.fields["to_organisation"]
        to_field.queryset = (
            Organisation.objects.filter(is_active=True, kind__in=CENTRE_KINDS)
            .exclude(pk=organisation.pk)
            .order_by("name")
        )


class TransferAnswerForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("1", _("accept")), ("0", _("decline"))],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(label=_("Reason for declining"), max_length=500, required=False)


class MonthForm(forms.Form):
    period = forms.RegexField(
        label=_("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
