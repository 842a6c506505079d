"""Read queries of the registry shared by the pages and the API.

Every queryset starts from :func:`qorgau.accounts.access.restrict`: nothing here filters by
territory itself. The ``select_related``/``prefetch_related`` keep the list pages free of N+1
queries (the tests guard the counts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from qorgau.accounts.access import restrict
from qorgau.registry import choices as c
from qorgau.registry.models import (
    BehaviourRequirement,
    Incident,
    IncidentParticipant,
    Offence,
    Person,
    PreventionMeasure,
    PreventiveRegisterEntry,
    ProtectiveOrder,
    RiskAssessment,
)
from qorgau.registry.services import risk_reassessment_overdue

if TYPE_CHECKING:
    from qorgau.accounts.typing import Viewer


DEFAULT_EXPIRY_DAYS = 7


def persons_for(user: Viewer) -> QuerySet[Person]:
    return restrict(Person.objects.select_related("home_district"), user)


def person_choices_for(user: Viewer) -> QuerySet[Person]:
    """Persons a user may name in a new record: those the access layer gives the user, which
    include the ones the user registered and nothing places yet (no home district, no
    incident), and no longer the ones the user registered once and that now live elsewhere."""
    return restrict(Person.objects.all(), user)


def incidents_for(user: Viewer) -> QuerySet[Incident]:
    participants = IncidentParticipant.objects.select_related("person").order_by("role", "pk")
    return restrict(
        Incident.objects.select_related("district").prefetch_related(
            Prefetch("participants", queryset=participants)
        ),
        user,
    )


def orders_for(user: Viewer) -> QuerySet[ProtectiveOrder]:
    return restrict(
        ProtectiveOrder.objects.select_related("district", "offender", "incident").prefetch_related(
            "protected_persons", "violations", "extensions", "check_ins"
        ),
        user,
    )


def requirements_for(user: Viewer) -> QuerySet[BehaviourRequirement]:
    return restrict(
        BehaviourRequirement.objects.select_related(
            "district", "offender", "incident"
        ).prefetch_related("protected_persons", "violations", "extensions"),
        user,
    )


def offences_for(user: Viewer) -> QuerySet[Offence]:
    return restrict(Offence.objects.select_related("district", "offender", "incident"), user)


def assessments_for(user: Viewer) -> QuerySet[RiskAssessment]:
    return restrict(
        RiskAssessment.objects.select_related("victim", "offender", "incident", "district"), user
    )


def measures_for(user: Viewer) -> QuerySet[PreventionMeasure]:
    """Preventive talks and official warnings within scope (the district they were given in)."""
    return restrict(
        PreventionMeasure.objects.select_related("district", "person", "incident"), user
    )


def register_entries_for(user: Viewer) -> QuerySet[PreventiveRegisterEntry]:
    """Entries of the preventive register within scope, open and closed."""
    return restrict(PreventiveRegisterEntry.objects.select_related("district", "person"), user)


@dataclass(frozen=True)
class IncidentRecords:
    """What the incident page lists under the incident, each list read once."""

    orders: list[ProtectiveOrder]
    requirements: list[BehaviourRequirement]
    offences: list[Offence]
    assessments: list[RiskAssessment]


def incident_records(incident: Incident, user: Viewer) -> IncidentRecords:
    """The incident's orders, requirements, offences and assessments within ``user``'s scope."""
    # The page shows each order's status (its violations and extensions) and persons, and only
    # the number and the court of a requirement: nothing else is read for them.
    orders = orders_for(user).prefetch_related(None)
    return IncidentRecords(
        orders=list(
            orders.filter(incident=incident).prefetch_related(
                "protected_persons", "violations", "extensions"
            )
        ),
        requirements=list(requirements_for(user).prefetch_related(None).filter(incident=incident)),
        offences=list(offences_for(user).filter(incident=incident)),
        assessments=list(assessments_for(user).filter(incident=incident)),
    )


def fresh_order(order: ProtectiveOrder) -> ProtectiveOrder:
    """The order without prefetched relations, for the services that recompute its dates from
    ``extensions`` and ``check_ins`` (a prefetch cache would hide the row they just added)."""
    return ProtectiveOrder.objects.get(pk=order.pk)


def victims_of(incident: Incident) -> list[Person]:
    return [p.person for p in incident.participants.all() if p.role == c.ParticipantRole.VICTIM]


def offenders_of(incident: Incident) -> list[IncidentParticipant]:
    return [p for p in incident.participants.all() if p.role == c.ParticipantRole.OFFENDER]


@dataclass(frozen=True)
class WorkLists:
    day: dt.date
    days: int
    expiring: QuerySet[ProtectiveOrder]
    check_overdue: QuerySet[ProtectiveOrder]
    risk_overdue: QuerySet[RiskAssessment]


def work_lists(
    user: Viewer, *, days: int = DEFAULT_EXPIRY_DAYS, day: dt.date | None = None
) -> WorkLists:
    """The district's to-do lists: orders ending soon, overdue checks and re-assessments."""
    day = day or timezone.localdate()
    orders = orders_for(user)
    return WorkLists(
        day=day,
        days=days,
        expiring=orders.expiring_within(day, days).order_by("ends_on", "pk"),  # type: ignore[attr-defined]
        check_overdue=orders.check_overdue(day).order_by("next_check_due", "pk"),  # type: ignore[attr-defined]
        risk_overdue=risk_reassessment_overdue(actor=user, day=day)
        .select_related("offender", "incident")
        .order_by("next_due", "pk"),
    )
