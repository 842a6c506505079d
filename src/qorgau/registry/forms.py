"""Forms of the registry pages. They validate input only; every rule lives in the services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.roles import ScopeKind
from qorgau.audit.forms import AccessReasonForm
from qorgau.lib.widgets import DATETIME_FORMAT, DateInput, DateTimeInput
from qorgau.registry import choices as c
from qorgau.registry.iin import iin_parse
from qorgau.registry.models import BehaviourRequirement, Incident, Person
from qorgau.registry.names import name_normalise
from qorgau.registry.risk import Instrument
from qorgau.registry.selectors import offenders_of, victims_of
from qorgau.territory.models import Territory, TerritoryQuerySet
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.models import User


def _date(label: Any, *, required: bool = True, today: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        initial=timezone.localdate if today else None,
    )


def _datetime(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, widget=DateTimeInput(), input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
    )


def districts_in_scope(user: User) -> TerritoryQuerySet:
    """Today's districts where ``user`` may place a record (the form's choices, not a filter of
    records: what the user may read is decided by the access layer)."""
    districts = Territory.objects.current().districts()
    if user.is_superuser or user.scope_kind == ScopeKind.COUNTRY:
        return districts
    if user.territory is None:
        return districts.none()
    return districts.filter(pk__in=territory_scope_ids(user.territory))


def _persons(people: list[Person]) -> Any:
    return Person.objects.filter(pk__in=[p.pk for p in people]).order_by("pk")


# --- Persons and incidents -------------------------------------------------------------------


class PersonSlotForm(forms.Form):
    """One victim or offender of a new incident: a known IIN, or a new person."""

    iin = forms.CharField(
        label=_("IIN"),
        max_length=12,
        required=False,
        help_text=_("If a person with this IIN is already recorded, that record is used."),
    )
    surname = forms.CharField(label=_("Surname"), max_length=100, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=c.Sex.choices, initial=c.Sex.UNKNOWN)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        help_text=_("Where the person lives: the police checks a protective order there."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    def clean_iin(self) -> str:
        iin = str(self.cleaned_data.get("iin", "")).strip()
        if iin:
            try:
                iin_parse(iin)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return iin

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("iin") and not (data.get("surname") or data.get("first_name")):
            raise forms.ValidationError(_("Give the IIN or at least a name."))
        return data

    def person_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "iin": data["iin"],
            "surname": data["surname"],
            "first_name": data["first_name"],
            "patronymic": data["patronymic"],
            "sex": data["sex"],
            "birth_date": data["birth_date"],
            "address": data["address"],
            "phone": data["phone"],
        }


class OffenderSlotForm(PersonSlotForm):
    relationship = forms.ChoiceField(
        label=_("Relationship to the victim"), choices=c.Relationship.choices
    )


# One slot each to begin with; "Add another victim" (or offender) asks for one more.
VictimFormSet = forms.formset_factory(
    PersonSlotForm, extra=0, min_num=1, validate_min=True, max_num=6
)
OffenderFormSet = forms.formset_factory(
    OffenderSlotForm, extra=0, min_num=1, validate_min=True, max_num=4
)


class IncidentForm(forms.Form):
    occurred_at = _datetime(_("Occurred at"))
    reported_at = _datetime(_("Reported at"))
    district = forms.ModelChoiceField(label=_("District"), queryset=Territory.objects.none())
    settlement_type = forms.ChoiceField(
        label=_("Settlement type"), choices=c.SettlementType.choices
    )
    source_channel = forms.ChoiceField(
        label=_("How it reached the police"), choices=c.SourceChannel.choices
    )
    physical = forms.BooleanField(label=_("physical violence"), required=False)
    psychological = forms.BooleanField(label=_("psychological violence"), required=False)
    sexual = forms.BooleanField(label=_("sexual violence"), required=False)
    economic = forms.BooleanField(label=_("economic violence"), required=False)
    injury = forms.ChoiceField(label=_("Injury"), choices=c.InjurySeverity.choices)
    weapon = forms.ChoiceField(label=_("Weapon"), choices=c.Weapon.choices)
    children_present = forms.BooleanField(label=_("children present"), required=False)
    children_harmed = forms.BooleanField(label=_("children harmed"), required=False)
    alcohol = forms.BooleanField(label=_("offender under alcohol"), required=False)
    drugs = forms.BooleanField(label=_("offender under drugs"), required=False)
    administrative_protocol = forms.BooleanField(
        label=_("administrative protocol drawn up"), required=False
    )
    criminal_case = forms.BooleanField(label=_("criminal case opened"), required=False)
    referred = forms.BooleanField(label=_("victim referred to services"), required=False)
    refused = forms.BooleanField(label=_("no action taken"), required=False)
    refusal_reason = forms.CharField(
        label=_("Reason for no action"), max_length=300, required=False
    )
    erdr_number = forms.CharField(label=_("ERDR number"), max_length=32, required=False)
    erap_number = forms.CharField(label=_("ERAP number"), max_length=32, required=False)
    description = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    FACTS = (
        "physical",
        "psychological",
        "sexual",
        "economic",
        "injury",
        "weapon",
        "children_present",
        "children_harmed",
        "alcohol",
        "drugs",
        "administrative_protocol",
        "criminal_case",
        "referred",
        "refused",
        "refusal_reason",
        "erdr_number",
        "erap_number",
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        districts = districts_in_scope(actor)
        self.fields["district"].queryset = districts  # type: ignore[attr-defined]
        only = list(districts.values_list("pk", flat=True)[:2])
        if len(only) == 1:  # an officer of one district registers incidents there
            self.fields["district"].initial = only[0]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("refused") and not str(data.get("refusal_reason", "")).strip():
            self.add_error("refusal_reason", _("Give the reason for taking no action."))
        return data


class PersonSearchForm(AccessReasonForm):
    """A search by IIN: the IIN and why it is looked up (kept in the audit trail)."""

    field_order = ["iin", "reason", "explanation"]

    iin = forms.CharField(label=_("IIN"), max_length=12)

    def clean_iin(self) -> str:
        iin = str(self.cleaned_data.get("iin", "")).strip()
        try:
            iin_parse(iin)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return iin


class PersonNameSearchForm(AccessReasonForm):
    """A search by exact surname (and first name): the name and why it is looked up."""

    field_order = ["surname", "first_name", "reason", "explanation"]

    surname = forms.CharField(label=_("Surname"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)

    def clean_surname(self) -> str:
        surname = str(self.cleaned_data.get("surname", "")).strip()
        if not name_normalise(surname):
            raise forms.ValidationError(_("Give the surname in letters."))
        return surname


# --- Protective orders -----------------------------------------------------------------------


class IncidentPartiesForm(forms.Form):
    """A form about one incident: its offender and the victims it protects."""

    offender = forms.ModelChoiceField(label=_("Offender"), queryset=Person.objects.none())
    protected = forms.ModelMultipleChoiceField(
        label=_("Protected persons"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.incident = incident
        offenders = [p.person for p in offenders_of(incident)]
        victims = victims_of(incident)
        self.fields["offender"].queryset = _persons(offenders)  # type: ignore[attr-defined]
        self.fields["protected"].queryset = _persons(victims)  # type: ignore[attr-defined]
        if len(offenders) == 1:
            self.fields["offender"].initial = offenders[0].pk
        self.fields["protected"].initial = [v.pk for v in victims]


class OrderIssueForm(IncidentPartiesForm):
    issued_on = _date(_("Issued on"))
    served_on = _date(_("Served on"), required=False, today=False)
    prohibitions = forms.MultipleChoiceField(
        label=_("Prohibitions"),
        choices=c.OrderProhibition.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[c.OrderProhibition.NO_CONTACT],
    )
    number = forms.CharField(
        label=_("Number"),
        max_length=32,
        required=False,
        help_text=_("Leave empty to number the order automatically."),
    )


class OrderServeForm(forms.Form):
    served_on = _date(_("Served on"))


class OrderCheckInForm(forms.Form):
    checked_on = _date(_("Checked on"))
    compliant = forms.BooleanField(label=_("Order complied with"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class OrderViolationForm(forms.Form):
    occurred_on = _date(_("Occurred on"))
    description = forms.CharField(
        label=_("What happened"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    sanction = forms.ChoiceField(
        label=_("Sanction"), choices=c.Sanction.choices, initial=c.Sanction.NONE
    )


class OrderExtendForm(forms.Form):
    decided_on = _date(_("Decided on"))
    new_end = _date(_("New end"), today=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class OrderRevokeForm(forms.Form):
    revoked_on = _date(_("Revoked on"))
    reason = forms.CharField(label=_("Reason"), max_length=300)


# --- Special behaviour requirements ----------------------------------------------------------


class RequirementForm(IncidentPartiesForm):
    number = forms.CharField(label=_("Case number"), max_length=40)
    court = forms.CharField(label=_("Court"), max_length=200)
    decided_on = _date(_("Date of the court decision"))
    starts_on = _date(_("In force from"), required=False, today=False)
    term_months = forms.IntegerField(label=_("Term, months"), min_value=1, max_value=120)
    conditions = forms.MultipleChoiceField(
        label=_("Conditions"),
        choices=c.RequirementCondition.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    police_reports_per_month = forms.IntegerField(
        label=_("Reports to the police per month"), min_value=0, max_value=31, initial=0
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, incident=incident, **kwargs)
        self.fields["protected"].required = False


class RequirementViolationForm(forms.Form):
    occurred_on = _date(_("Occurred on"))
    condition = forms.ChoiceField(label=_("Condition broken"), choices=[])
    description = forms.CharField(
        label=_("What happened"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    sanction = forms.ChoiceField(
        label=_("Sanction"), choices=c.Sanction.choices, initial=c.Sanction.NONE
    )

    def __init__(self, *args: Any, requirement: BehaviourRequirement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(c.RequirementCondition.choices)
        self.fields["condition"].choices = [  # type: ignore[attr-defined]
            (code, labels.get(code, code)) for code in requirement.conditions
        ]


class RequirementExtendForm(forms.Form):
    decided_on = _date(_("Decided on"))
    months = forms.IntegerField(label=_("Extend by, months"), min_value=1, max_value=120)
    reason = forms.CharField(label=_("Reason"), max_length=300)


# --- Offences and risk -----------------------------------------------------------------------


class OffenceForm(forms.Form):
    offender = forms.ModelChoiceField(label=_("Offender"), queryset=Person.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=c.OffenceKind.choices)
    article = forms.CharField(
        label=_("Article"),
        max_length=20,
        help_text=_("e.g. 73, 461 (CoAO) or 109, 106 (Criminal Code)"),
    )
    committed_on = _date(_("Committed on"))
    decided_on = _date(_("Decided on"), required=False, today=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=c.OffenceOutcome.choices, initial=c.OffenceOutcome.PENDING
    )
    register_number = forms.CharField(label=_("ERDR or ERAP number"), max_length=32, required=False)

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offenders = [p.person for p in offenders_of(incident)]
        self.fields["offender"].queryset = _persons(offenders)  # type: ignore[attr-defined]
        if len(offenders) == 1:
            self.fields["offender"].initial = offenders[0].pk
        self.fields["committed_on"].initial = timezone.localtime(incident.occurred_at).date()


AS_COMPUTED = ""


class RiskAssessmentForm(forms.Form):
    """The instrument's items as yes/no questions (or counts), and an optional higher level."""

    victim = forms.ModelChoiceField(label=_("Victim"), queryset=Person.objects.none())
    offender = forms.ModelChoiceField(
        label=_("Offender"), queryset=Person.objects.none(), required=False
    )
    level = forms.ChoiceField(
        label=_("Raise the level to"),
        required=False,
        choices=[(AS_COMPUTED, _("as computed")), *c.RiskLevel.choices],
    )
    override_reason = forms.CharField(
        label=_("Reason for raising the level"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, incident: Incident, instrument: Instrument, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        victims = victims_of(incident)
        offenders = [p.person for p in offenders_of(incident)]
        self.fields["victim"].queryset = _persons(victims)  # type: ignore[attr-defined]
        self.fields["offender"].queryset = _persons(offenders)  # type: ignore[attr-defined]
        if len(victims) == 1:
            self.fields["victim"].initial = victims[0].pk
        if len(offenders) == 1:
            self.fields["offender"].initial = offenders[0].pk
        items: dict[str, forms.Field] = {}
        for item in instrument.items:
            if item.max_count == 1:
                items[f"item_{item.code}"] = forms.BooleanField(label=item.label(), required=False)
            else:
                items[f"item_{item.code}"] = forms.IntegerField(
                    label=item.label(), min_value=0, max_value=item.max_count, initial=0
                )
        # The questions come first, the optional raise of the level after them.
        self.fields = {
            **dict(list(self.fields.items())[:2]),
            **items,
            **{name: self.fields[name] for name in ("level", "override_reason")},
        }

    def item_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("item_")]

    def answers(self) -> dict[str, int]:
        return {
            item.code: int(self.cleaned_data.get(f"item_{item.code}") or 0)
            for item in self.instrument.items
        }


# --- Prevention instruments of Law 245-VIII --------------------------------------------------


def _district_field(form: forms.Form, actor: User, preferred: Territory | None = None) -> None:
    """The districts the user may place a record in; the incident's, or the only one, first."""
    districts = districts_in_scope(actor)
    form.fields["district"].queryset = districts  # type: ignore[attr-defined]
    only = list(districts.values_list("pk", flat=True)[:2])
    if preferred is not None and preferred.pk in set(districts.values_list("pk", flat=True)):
        form.fields["district"].initial = preferred.pk
    elif len(only) == 1:
        form.fields["district"].initial = only[0]


class PreventionMeasureForm(forms.Form):
    """A preventive talk held or an official warning given; the law of the day is checked by
    the service (the warning's term comes from the table of legal rules)."""

    kind = forms.ChoiceField(
        label=_("Measure"), choices=c.PreventionKind.choices, widget=forms.RadioSelect
    )
    held_on = _date(_("Date"))
    district = forms.ModelChoiceField(label=_("District"), queryset=Territory.objects.none())
    incident = forms.ModelChoiceField(
        label=_("Incident it follows"),
        queryset=Incident.objects.none(),
        required=False,
        help_text=_("Leave empty if the measure follows no recorded incident."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, actor: User, incidents: Any, incident: Incident | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incident"].queryset = incidents  # type: ignore[attr-defined]
        if incident is not None:
            self.fields["incident"].initial = incident.pk
        _district_field(self, actor, incident.district if incident else None)


class RegisterEnterForm(forms.Form):
    entered_on = _date(_("Entered on"))
    district = forms.ModelChoiceField(label=_("District"), queryset=Territory.objects.none())
    grounds = forms.CharField(
        label=_("Grounds"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _district_field(self, actor)


class RegisterLeaveForm(forms.Form):
    left_on = _date(_("Left on"))
    reason = forms.CharField(
        label=_("Reason for leaving"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
