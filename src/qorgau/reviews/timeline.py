"""The timeline of a serious-case review: every register and service that saw the victim or the
offender up to the event, and who saw it.

It runs as the system, inside the trust zone (``accounts/tests/access_exemptions.py`` says so):
a review panel must read what *every* agency knew, including a referral to an agency of another
region or a check-in recorded by another district's police, which no single user's scope would
show. What leaves is a snapshot of :class:`~qorgau.reviews.models.TimelineEntry` rows under the
review, which the access layer then shows exactly where the review is seen. The rows carry
references and codes only, never a name.

Each source is one function returning :class:`Seen` items; they run on the ids of the victim and
the offender, through the indexed keys (participants by person, orders by offender, protected
persons by person), so a review costs a few dozen queries whatever the register's size. The
officer of an entry is the user column of the row already fetched (who recorded it, checked the
order, assessed the risk, triaged the report), read as an id: no query per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from qorgau.accounts.models import Organisation
from qorgau.citizens.models import CitizenReport
from qorgau.coordination.models import ConferenceCase, Referral, SafetyAction
from qorgau.programs.models import Enrolment
from qorgau.registry.models import (
    BehaviourRequirement,
    IncidentParticipant,
    Offence,
    OrderCheckIn,
    OrderExtension,
    OrderViolation,
    PreventionMeasure,
    ProtectiveOrder,
    RequirementViolation,
    RiskAssessment,
)
from qorgau.reviews.models import SeriousCaseReview, Source, Subject, TimelineEntry


@dataclass(frozen=True)
class Seen:
    """One thing one agency saw of one person, before it becomes a stored entry."""

    day: dt.date
    source: str
    person: int
    reference: str
    obj: Model
    territory_id: int | None = None
    organisation_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    officer_id: int | None = None


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _incidents(persons: set[int]) -> Iterator[Seen]:
    rows = IncidentParticipant.objects.filter(person_id__in=persons).select_related("incident")
    for row in rows:
        incident = row.incident
        yield Seen(
            _local_day(incident.occurred_at),
            Source.INCIDENT,
            row.person_id,
            incident.label,
            incident,
            incident.district_id,
            detail={"injury": incident.injury, "role": row.role},
            officer_id=incident.created_by_id,
        )


def _orders_of(persons: set[int]) -> tuple[list[ProtectiveOrder], dict[int, int]]:
    """The orders of the review's persons, and for each order protecting one of them, whom.

    Two indexed lookups, not one OR across the many-to-many table (nor a prefetch of every
    protected person): PostgreSQL answers those by scanning, once per review.
    """
    through = ProtectiveOrder.protected_persons.through.objects
    protected = dict(
        through.filter(person_id__in=persons).values_list("protectiveorder_id", "person_id")
    )
    offending = set(
        ProtectiveOrder.objects.filter(offender_id__in=persons).values_list("pk", flat=True)
    )
    orders = list(ProtectiveOrder.objects.filter(pk__in=set(protected) | offending))
    return orders, protected


def _order_person(order: ProtectiveOrder, persons: set[int], protected: dict[int, int]) -> int:
    """Whom of the review an order concerns: its offender, else the protected victim."""
    if order.offender_id in persons:
        return order.offender_id
    return protected[order.pk]


def _orders(persons: set[int]) -> Iterator[Seen]:
    found, protected = _orders_of(persons)
    orders = {order.pk: order for order in found}
    for order in orders.values():
        person, where = _order_person(order, persons, protected), order.district_id
        officer = order.created_by_id
        yield Seen(
            order.issued_on, Source.ORDER, person, order.number, order, where, officer_id=officer
        )
        # Who served it is not recorded (the row's recorder need not be the one who served).
        if order.served_on:
            yield Seen(order.served_on, Source.ORDER_SERVED, person, order.number, order, where)
    # Only a check-in names its officer; an extension or a violation names nobody.
    children: tuple[tuple[type[Model], str, str, str | None], ...] = (
        (OrderExtension, "decided_on", Source.ORDER_EXTENDED, None),
        (OrderCheckIn, "checked_on", Source.ORDER_CHECK, "checked_by_id"),
        (OrderViolation, "occurred_on", Source.ORDER_VIOLATION, None),
    )
    for model, day_field, source, officer_field in children:
        for row in model._default_manager.filter(order_id__in=orders):
            order = orders[row.order_id]  # type: ignore[attr-defined]
            yield Seen(
                getattr(row, day_field),
                source,
                _order_person(order, persons, protected),
                order.number,
                row,
                order.district_id,
                detail=_child_detail(row),
                officer_id=getattr(row, officer_field) if officer_field else None,
            )


def _child_detail(row: Model) -> dict[str, Any]:
    if isinstance(row, OrderCheckIn):
        return {"compliant": row.compliant}
    if isinstance(row, OrderViolation | RequirementViolation):
        return {"sanction": row.sanction}
    return {}


def _requirements(persons: set[int]) -> Iterator[Seen]:
    through = BehaviourRequirement.protected_persons.through.objects
    protecting = set(
        through.filter(person_id__in=persons).values_list("behaviourrequirement_id", flat=True)
    )
    offending = set(
        BehaviourRequirement.objects.filter(offender_id__in=persons).values_list("pk", flat=True)
    )
    rows = BehaviourRequirement.objects.filter(pk__in=protecting | offending)
    requirements = {r.pk: r for r in rows}
    for requirement in requirements.values():
        yield Seen(
            requirement.decided_on,
            Source.REQUIREMENT,
            requirement.offender_id,
            requirement.number,
            requirement,
            requirement.district_id,
            officer_id=requirement.created_by_id,
        )
    for violation in RequirementViolation.objects.filter(requirement_id__in=requirements):
        requirement = requirements[violation.requirement_id]
        yield Seen(
            violation.occurred_on,
            Source.REQUIREMENT_VIOLATION,
            requirement.offender_id,
            requirement.number,
            violation,
            requirement.district_id,
            detail=_child_detail(violation),
        )


def _risk_and_offences(victim: int, offender: int | None) -> Iterator[Seen]:
    for a in RiskAssessment.objects.filter(victim_id=victim):
        yield Seen(
            _local_day(a.assessed_at),
            Source.RISK,
            victim,
            f"RA-{a.pk:06d}",
            a,
            a.district_id,
            detail={"level": a.level, "computed_level": a.computed_level},
            officer_id=a.assessed_by_id,
        )
    if offender is None:
        return
    for o in Offence.objects.filter(offender_id=offender):
        yield Seen(
            o.committed_on,
            Source.OFFENCE,
            offender,
            o.register_number or f"O-{o.pk:06d}",
            o,
            o.district_id,
            detail={"kind": o.kind, "article": o.article, "outcome": o.outcome},
            officer_id=o.created_by_id,
        )


def _prevention(persons: set[int]) -> Iterator[Seen]:
    for m in PreventionMeasure.objects.filter(person_id__in=persons):
        yield Seen(
            m.held_on,
            Source.PREVENTION,
            m.person_id,
            f"PM-{m.pk:06d}",
            m,
            m.district_id,
            detail={"prevention": m.kind},
            officer_id=m.created_by_id,
        )


def _coordination(persons: set[int], victim: int) -> Iterator[Seen]:
    cases = {case.pk: case for case in ConferenceCase.objects.filter(victim_id=victim)}
    for case in cases.values():
        yield Seen(
            case.discussed_on, Source.CONFERENCE, victim, case.reference, case, case.district_id
        )
    for action in SafetyAction.objects.filter(case_id__in=cases):
        yield Seen(
            _local_day(action.created_at),
            Source.SAFETY_ACTION,
            victim,
            action.reference,
            action,
            cases[action.case_id].district_id,
            action.owner_id,
            detail={"status": action.status},
        )
    for referral in Referral.objects.filter(person_id__in=persons):
        assert referral.person_id is not None
        yield Seen(
            _local_day(referral.sent_at),
            Source.REFERRAL,
            referral.person_id,
            referral.reference,
            referral,
            referral.district_id,
            referral.receiver_id,
            detail={"referral_status": referral.status, "sender": referral.sender_id},
            officer_id=referral.created_by_id,
        )


def _programmes_and_portal(persons: set[int], incidents: Iterable[int]) -> Iterator[Seen]:
    for e in Enrolment.objects.filter(offender_id__in=persons).select_related(
        "programme__provider"
    ):
        yield Seen(
            e.enrolled_on or e.listed_on,
            Source.ENROLMENT,
            e.offender_id,
            f"E-{e.pk:06d}",
            e,
            e.district_id,
            e.programme.provider.organisation_id,
            detail={"enrolment_status": e.status},
            officer_id=e.created_by_id,
        )
    by_person = CitizenReport.objects.filter(linked_person_id__in=persons)
    by_incident = CitizenReport.objects.filter(linked_incident_id__in=list(incidents))
    reports = {r.pk: r for r in [*by_person, *by_incident]}.values()
    for report in reports:
        yield Seen(
            _local_day(report.submitted_at),
            Source.CITIZEN_REPORT,
            report.linked_person_id or next(iter(persons)),
            f"CR-{report.pk:06d}",
            report,
            report.district_id,
            officer_id=report.triaged_by_id,
        )


def _seen_of(review: SeriousCaseReview) -> Iterator[Seen]:
    victim, offender = review.victim_id, review.offender_id
    persons = {victim} | ({offender} if offender else set())
    incidents = list(_incidents(persons))
    sources: tuple[Callable[[], Iterable[Seen]], ...] = (
        lambda: incidents,
        lambda: _orders(persons),
        lambda: _requirements(persons),
        lambda: _risk_and_offences(victim, offender),
        lambda: _prevention(persons),
        lambda: _coordination(persons, victim),
        lambda: _programmes_and_portal(persons, {s.obj.pk for s in incidents}),
    )
    for source in sources:
        yield from source()


def _entry(review: SeriousCaseReview, seen: Seen) -> TimelineEntry:
    subject = Subject.VICTIM if seen.person == review.victim_id else Subject.OFFENDER
    meta = seen.obj._meta
    return TimelineEntry(
        review=review,
        day=seen.day,
        source=seen.source,
        subject=subject,
        person_reference=f"P-{seen.person:06d}",
        reference=seen.reference[:40],
        organisation_id=seen.organisation_id,
        territory_id=seen.territory_id,
        officer_id=seen.officer_id,
        detail=seen.detail,
        object_type=f"{meta.app_label}.{meta.model_name}",
        object_id=str(seen.obj.pk),
    )


@transaction.atomic
def timeline_assemble(review: SeriousCaseReview) -> int:
    """(Re)build the review's timeline from every register and service; returns its length.

    Only what was seen up to the day of the event counts: the review asks what was known
    before, not what followed. Safe to re-run (the snapshot is replaced).
    """
    entries: dict[tuple[str, str, str, str], TimelineEntry] = {}
    for seen in _seen_of(review):
        if seen.day > review.event_on:
            continue
        entry = _entry(review, seen)
        entries.setdefault((entry.source, entry.object_type, entry.object_id, entry.subject), entry)
    TimelineEntry.objects.filter(review=review).delete()
    TimelineEntry.objects.bulk_create(sorted(entries.values(), key=lambda e: e.day))
    review.timeline_built_at = timezone.now()
    review.save(update_fields=["timeline_built_at"])
    return len(entries)


def agencies_of(entries: Iterable[TimelineEntry]) -> dict[int, Organisation]:
    """The organisations the entries name (a referral's sender too), in one query."""
    ids = {e.organisation_id for e in entries if e.organisation_id}
    ids |= {e.detail["sender"] for e in entries if isinstance(e.detail.get("sender"), int)}
    return Organisation.objects.in_bulk(ids)


__all__ = ["Seen", "agencies_of", "timeline_assemble"]
