"""Candidates for case conferences: each criterion, the territory and the 12-month rules."""

from __future__ import annotations

import datetime as dt

from qorgau.coordination.selectors import Criterion, conference_candidates, months_before
from qorgau.coordination.services import case_add
from qorgau.registry.models import (
    BehaviourRequirement,
    OrderViolation,
    ProtectiveOrder,
    RequirementViolation,
)

from .conftest import TODAY, World, assess, conference, incident, person


def _reasons(world: World, on: dt.date = TODAY) -> dict[int, set[str]]:
    return {c.victim_id: c.reasons for c in conference_candidates(world.body.territory, on=on)}


def test_months_before_handles_short_months() -> None:
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2024, 2, 29), 12) == dt.date(2023, 2, 28)
    assert months_before(dt.date(2026, 6, 15), 12) == dt.date(2025, 6, 15)


def test_high_or_critical_latest_assessment_is_a_candidate(world: World) -> None:
    high, critical, medium, lowered = (
        person(world.semey),
        person(world.semey),
        person(world.semey),
        person(world.semey),
    )
    assess(high, world.semey, TODAY - dt.timedelta(days=10), "high")
    assess(critical, world.kurchatov, TODAY - dt.timedelta(days=100), "critical")
    assess(medium, world.semey, TODAY - dt.timedelta(days=5), "medium")
    assess(lowered, world.semey, TODAY - dt.timedelta(days=50), "high")
    assess(lowered, world.semey, TODAY - dt.timedelta(days=5), "low")
    reasons = _reasons(world)
    assert reasons[high.pk] == {Criterion.HIGH_RISK}
    assert reasons[critical.pk] == {Criterion.HIGH_RISK}
    assert medium.pk not in reasons and lowered.pk not in reasons


def test_high_risk_older_than_twelve_months_is_not(world: World) -> None:
    victim = person(world.semey)
    assess(victim, world.semey, dt.date(2025, 6, 14), "high")
    assert victim.pk not in _reasons(world)


def test_two_incidents_within_twelve_months(world: World) -> None:
    repeated, spread, single = person(world.semey), person(world.semey), person(world.semey)
    incident(repeated, world.semey, dt.date(2025, 7, 1))
    incident(repeated, world.semey, dt.date(2026, 5, 1))
    incident(spread, world.semey, dt.date(2025, 6, 1))  # outside the window
    incident(spread, world.semey, dt.date(2026, 5, 1))
    incident(single, world.semey, dt.date(2026, 5, 1))
    reasons = _reasons(world)
    assert reasons[repeated.pk] == {Criterion.REPEATED_INCIDENTS}
    assert spread.pk not in reasons and single.pk not in reasons


def test_order_and_requirement_violations(world: World) -> None:
    by_order, by_requirement, old = person(world.semey), person(world.semey), person(world.semey)
    offender = person(world.semey)
    order = ProtectiveOrder.objects.create(
        number="1",
        district=world.semey,
        offender=offender,
        issued_on=dt.date(2026, 1, 1),
        term_days=30,
        check_interval_days=7,
        legal_basis="x",
    )
    order.protected_persons.add(by_order)
    OrderViolation.objects.create(order=order, occurred_on=dt.date(2026, 1, 10), article="461")
    requirement = BehaviourRequirement.objects.create(
        number="2",
        district=world.kurchatov,
        offender=offender,
        court="c",
        decided_on=dt.date(2025, 1, 1),
        starts_on=dt.date(2025, 1, 1),
        term_months=12,
        ends_on=dt.date(2026, 1, 1),
        legal_basis="x",
    )
    requirement.protected_persons.add(by_requirement)
    RequirementViolation.objects.create(
        requirement=requirement, occurred_on=dt.date(2025, 9, 1), condition="no_contact"
    )
    old_order = ProtectiveOrder.objects.create(
        number="3",
        district=world.semey,
        offender=offender,
        issued_on=dt.date(2024, 1, 1),
        term_days=30,
        check_interval_days=7,
        legal_basis="x",
    )
    old_order.protected_persons.add(old)
    OrderViolation.objects.create(order=old_order, occurred_on=dt.date(2024, 1, 10), article="461")
    reasons = _reasons(world)
    assert reasons[by_order.pk] == {Criterion.VIOLATIONS}
    assert reasons[by_requirement.pk] == {Criterion.VIOLATIONS}
    assert old.pk not in reasons and offender.pk not in reasons


def test_children_present_or_harmed(world: World) -> None:
    present, harmed, none = person(world.semey), person(world.semey), person(world.semey)
    incident(present, world.semey, dt.date(2026, 5, 1), children_present=True)
    incident(harmed, world.semey, dt.date(2026, 5, 1), children_harmed=True)
    incident(none, world.semey, dt.date(2026, 5, 1))
    reasons = _reasons(world)
    assert reasons[present.pk] == {Criterion.CHILDREN}
    assert reasons[harmed.pk] == {Criterion.CHILDREN}
    assert none.pk not in reasons


def test_records_outside_the_territory_are_ignored(world: World) -> None:
    victim = person()
    assess(victim, world.medeu, TODAY - dt.timedelta(days=3), "critical")
    incident(victim, world.medeu, dt.date(2026, 5, 1), children_harmed=True)
    incident(victim, world.medeu, dt.date(2026, 5, 2))
    assert victim.pk not in _reasons(world)


def _discuss(world: World, victim: object, day: dt.date) -> None:
    meeting = conference(world, day)
    case_add(
        actor=world.secretary,
        meeting=meeting,
        victim=victim,
        district=world.semey,
        sharing_basis="law",
        sharing_reference="Law on prevention of domestic violence, art. 16",
    )


def test_repeat_rule_brings_back_a_discussed_case_with_a_new_incident(world: World) -> None:
    victim = person(world.semey)
    assess(victim, world.semey, dt.date(2025, 11, 1), "high")
    _discuss(world, victim, dt.date(2025, 11, 20))
    # Discussed, nothing new: not proposed again although the risk is still high.
    assert victim.pk not in _reasons(world)
    incident(victim, world.semey, dt.date(2026, 6, 1))
    assert _reasons(world)[victim.pk] == {Criterion.HIGH_RISK, Criterion.REPEAT_CASE}


def test_repeat_rule_lapses_after_twelve_months(world: World) -> None:
    victim = person(world.semey)
    _discuss(world, victim, dt.date(2025, 1, 10))
    incident(victim, world.semey, dt.date(2026, 1, 11))  # 12 months and a day later
    assert Criterion.REPEAT_CASE not in _reasons(world).get(victim.pk, set())
    other = person(world.semey)
    _discuss(world, other, dt.date(2025, 1, 10))
    incident(other, world.semey, dt.date(2026, 1, 10))  # exactly within 12 months
    assert Criterion.REPEAT_CASE in _reasons(world, on=dt.date(2026, 1, 20))[other.pk]


def test_incident_before_the_conference_is_not_a_repeat(world: World) -> None:
    victim = person(world.semey)
    incident(victim, world.semey, dt.date(2026, 1, 5))
    _discuss(world, victim, dt.date(2026, 1, 20))
    assert victim.pk not in _reasons(world)


def test_candidates_with_more_reasons_come_first(world: World) -> None:
    one, three = person(world.semey), person(world.semey)
    assess(one, world.semey, TODAY - dt.timedelta(days=1), "high")
    assess(three, world.semey, TODAY - dt.timedelta(days=30), "critical")
    incident(three, world.semey, dt.date(2026, 3, 1), children_present=True)
    incident(three, world.semey, dt.date(2026, 4, 1))
    ordered = [c.victim_id for c in conference_candidates(world.body.territory, on=TODAY)]
    assert ordered == [three.pk, one.pk]
