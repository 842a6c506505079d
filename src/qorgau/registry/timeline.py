"""A household's history: the persons linked to one person, and everything recorded on them.

The person page shows it, so it must stay fast on a national register: each step reads ids
through the indexed keys (participants by person, orders by offender, the protected persons'
table by person) instead of one join with an ``OR`` across a many-to-many table, which the
databases answer by scanning; and the measures found while walking the household are the
very ones the timeline lists, so they are not searched for twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Q
from django.utils import timezone

from qorgau.accounts.access import restrict
from qorgau.registry.models import (
    BehaviourRequirement,
    Incident,
    IncidentParticipant,
    Offence,
    Person,
    ProtectiveOrder,
    RiskAssessment,
)

if TYPE_CHECKING:
    from qorgau.accounts.models import User


MEASURES: tuple[type[ProtectiveOrder | BehaviourRequirement], ...] = (
    ProtectiveOrder,
    BehaviourRequirement,
)


@dataclass
class Household:
    """The members' ids and the measures (orders, requirements) that link them."""

    members: set[int]
    measures: dict[type[Model], set[int]] = field(default_factory=dict)


def _measures_of(measure: type[Model], persons: set[int]) -> dict[int, int]:
    """``{measure id: offender id}`` of the measures naming any of ``persons``, either side.

    One query: the offender's key and the protected persons' table are each indexed, and an
    ``OR`` of the two (no join) lets the database use both.
    """
    if not persons:
        return {}
    through = measure.protected_persons.through  # type: ignore[attr-defined]
    own = f"{measure._meta.model_name}_id"
    protecting = through.objects.filter(person_id__in=persons).values(own)
    rows = measure._default_manager.filter(Q(offender_id__in=persons) | Q(pk__in=protecting))
    return dict(rows.values_list("pk", "offender_id"))


def _protected_by(measure: type[Model], ids: set[int]) -> set[int]:
    through = measure.protected_persons.through  # type: ignore[attr-defined]
    own = f"{measure._meta.model_name}_id__in"
    return set(through.objects.filter(**{own: ids}).values_list("person_id", flat=True))


def household_walk(person: Person, *, depth: int = 2) -> Household:
    """The persons linked to ``person`` through shared incidents, orders or requirements."""
    household = Household(members={person.pk}, measures={m: set() for m in MEASURES})
    frontier = {person.pk}
    for _step in range(depth):
        incidents = IncidentParticipant.objects.filter(person_id__in=frontier).values("incident_id")
        linked = set(
            IncidentParticipant.objects.filter(incident_id__in=incidents).values_list(
                "person_id", flat=True
            )
        )
        for measure in MEASURES:
            found = _measures_of(measure, frontier)
            household.measures[measure] |= set(found)
            linked |= set(found.values()) | _protected_by(measure, set(found))
        frontier = linked - household.members
        household.members |= linked
        if not frontier:
            break
    for measure in MEASURES:  # the measures of the last persons reached, not walked further
        household.measures[measure] |= set(_measures_of(measure, frontier))
    return household


def household_of(person: Person, *, depth: int = 2) -> set[int]:
    """Ids of the persons linked to ``person`` through shared incidents, orders or requirements."""
    return household_walk(person, depth=depth).members


@dataclass(frozen=True)
class TimelineEvent:
    day: dt.date
    kind: str
    label: str
    obj: Any


def _incident_events(members: set[int], actor: User) -> list[TimelineEvent]:
    involved = IncidentParticipant.objects.filter(person_id__in=members).values("incident_id")
    incidents = restrict(Incident.objects.filter(pk__in=involved), actor)
    return [
        TimelineEvent(timezone.localtime(i.occurred_at).date(), "incident", i.label, i)
        for i in incidents
    ]


def _order_events(ids: set[int], actor: User) -> list[TimelineEvent]:
    events = []
    orders = restrict(ProtectiveOrder.objects.filter(pk__in=ids), actor)
    for order in orders.prefetch_related("violations"):
        events.append(TimelineEvent(order.issued_on, "order", order.number, order))
        events.extend(
            TimelineEvent(v.occurred_on, "order_violation", order.number, v)
            for v in order.violations.all()
        )
    return events


def _requirement_events(ids: set[int], actor: User) -> list[TimelineEvent]:
    events = []
    requirements = restrict(BehaviourRequirement.objects.filter(pk__in=ids), actor)
    for requirement in requirements.prefetch_related("violations"):
        events.append(
            TimelineEvent(requirement.decided_on, "requirement", requirement.number, requirement)
        )
        events.extend(
            TimelineEvent(v.occurred_on, "requirement_violation", requirement.number, v)
            for v in requirement.violations.all()
        )
    return events


def _offence_and_risk_events(members: set[int], actor: User) -> list[TimelineEvent]:
    # The incident comes with each row: the timeline links an offence or an assessment to its
    # incident's page, which would otherwise be one query per row.
    offences = restrict(Offence.objects.filter(offender_id__in=members), actor)
    events = [
        TimelineEvent(o.committed_on, "offence", str(o), o)
        for o in offences.select_related("incident")
    ]
    assessments = restrict(RiskAssessment.objects.filter(victim_id__in=members), actor)
    events.extend(
        TimelineEvent(timezone.localtime(a.assessed_at).date(), "risk", a.get_level_display(), a)
        for a in assessments.select_related("incident")
    )
    return events


def household_timeline(person: Person, *, actor: User) -> list[TimelineEvent]:
    """Everything the registry holds on a household, newest first, within the actor's scope."""
    household = household_walk(person)
    members = household.members
    events = [
        *_incident_events(members, actor),
        *_order_events(household.measures[ProtectiveOrder], actor),
        *_requirement_events(household.measures[BehaviourRequirement], actor),
        *_offence_and_risk_events(members, actor),
    ]
    return sorted(events, key=lambda event: event.day, reverse=True)
