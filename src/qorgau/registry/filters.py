"""One filter set per registry list, shared by the pages and the API query parameters."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from qorgau.lib.widgets import DateInput
from qorgau.registry import choices as c
from qorgau.registry.models import (
    BehaviourRequirement,
    Incident,
    Offence,
    Person,
    PreventionMeasure,
    PreventiveRegisterEntry,
    ProtectiveOrder,
    RiskAssessment,
)

VIOLENCE_TYPES = [
    ("physical", _("physical violence")),
    ("psychological", _("psychological violence")),
    ("sexual", _("sexual violence")),
    ("economic", _("economic violence")),
]


class KeyFilter(django_filters.NumberFilter):
    """A whole number the database can hold (a record key, a year): anything else is a 400
    with the field's error, not a 500 from the driver ("int too large for SQLite")."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, min_value: int = 1, max_value: int = 2**63 - 1, **kwargs: Any):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


def _date(field: str, lookup: str, label: Any) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name=field,
        lookup_expr=lookup,
        label=label,
        widget=DateInput(),
    )


class PersonFilterSet(django_filters.FilterSet):
    sex = django_filters.ChoiceFilter(choices=c.Sex.choices, label=_("Sex"))
    birth_year = KeyFilter(label=_("Year of birth"), min_value=1850, max_value=2200)

    class Meta:
        model = Person
        fields = ["sex", "birth_year"]


class IncidentFilterSet(django_filters.FilterSet):
    date_from = _date("occurred_at", "date__gte", _("From"))
    date_to = _date("occurred_at", "date__lte", _("To"))
    source_channel = django_filters.ChoiceFilter(
        choices=c.SourceChannel.choices, label=_("How it reached the police")
    )
    violence = django_filters.ChoiceFilter(
        choices=VIOLENCE_TYPES, method="violence_type", label=_("Violence type")
    )
    settlement_type = django_filters.ChoiceFilter(
        choices=c.SettlementType.choices, label=_("Settlement type")
    )

    class Meta:
        model = Incident
        fields = ["date_from", "date_to", "source_channel", "violence", "settlement_type"]

    def violence_type(
        self, queryset: QuerySet[Incident], name: str, value: str
    ) -> QuerySet[Incident]:
        if value not in dict(VIOLENCE_TYPES):
            return queryset.none()
        return queryset.filter(**{value: True})


class OrderFilterSet(django_filters.FilterSet):
    date_from = _date("issued_on", "gte", _("Issued from"))
    date_to = _date("issued_on", "lte", _("Issued to"))
    in_force_on = django_filters.DateFilter(
        method="in_force",
        label=_("In force on"),
        widget=DateInput(),
    )
    incident = KeyFilter(field_name="incident_id", label=_("Incident"))

    class Meta:
        model = ProtectiveOrder
        fields = ["date_from", "date_to", "in_force_on", "incident"]

    def in_force(
        self, queryset: QuerySet[ProtectiveOrder], name: str, value: object
    ) -> QuerySet[ProtectiveOrder]:
        return queryset.filter(served_on__lte=value, ends_on__gte=value).exclude(
            revoked_on__lte=value
        )


class RequirementFilterSet(django_filters.FilterSet):
    date_from = _date("decided_on", "gte", _("Decided from"))
    date_to = _date("decided_on", "lte", _("Decided to"))
    in_force_on = django_filters.DateFilter(
        method="in_force",
        label=_("In force on"),
        widget=DateInput(),
    )
    incident = KeyFilter(field_name="incident_id", label=_("Incident"))

    class Meta:
        model = BehaviourRequirement
        fields = ["date_from", "date_to", "in_force_on", "incident"]

    def in_force(
        self, queryset: QuerySet[BehaviourRequirement], name: str, value: object
    ) -> QuerySet[BehaviourRequirement]:
        return queryset.filter(Q(starts_on__lte=value) & Q(ends_on__gte=value))


class OffenceFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=c.OffenceKind.choices, label=_("Kind"))
    outcome = django_filters.ChoiceFilter(choices=c.OffenceOutcome.choices, label=_("Outcome"))
    date_from = _date("committed_on", "gte", _("From"))
    date_to = _date("committed_on", "lte", _("To"))
    incident = KeyFilter(field_name="incident_id", label=_("Incident"))

    class Meta:
        model = Offence
        fields = ["kind", "outcome", "date_from", "date_to", "incident"]


class RiskAssessmentFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=c.RiskLevel.choices, label=_("Level"))
    victim = KeyFilter(field_name="victim_id", label=_("Victim"))
    incident = KeyFilter(field_name="incident_id", label=_("Incident"))

    class Meta:
        model = RiskAssessment
        fields = ["level", "victim", "incident"]


class PreventionMeasureFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=c.PreventionKind.choices, label=_("Measure"))
    person = KeyFilter(field_name="person_id", label=_("Person"))
    incident = KeyFilter(field_name="incident_id", label=_("Incident"))

    class Meta:
        model = PreventionMeasure
        fields = ["kind", "person", "incident"]


REGISTER_STATES = [
    ("active", _("on the register")),
    ("left", _("taken off the register")),
]


class PreventiveRegisterFilterSet(django_filters.FilterSet):
    """The register as the inspector works it: who is on it now, who has left it."""

    state = django_filters.ChoiceFilter(
        choices=REGISTER_STATES, method="in_state", label=_("Register status")
    )
    person = KeyFilter(field_name="person_id", label=_("Person"))

    class Meta:
        model = PreventiveRegisterEntry
        fields = ["state", "person"]

    def in_state(
        self, queryset: QuerySet[PreventiveRegisterEntry], name: str, value: str
    ) -> QuerySet[PreventiveRegisterEntry]:
        return queryset.filter(left_on__isnull=value == "active")
