"""Decisions and action plans tracked to completion, referrals escalated by time (frozen clock),
notifications and their idempotent escalation, the calendar feed, and the measures."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from qorgau.audit.models import AuditEntry
from qorgau.coordination import measures, selectors
from qorgau.coordination.calendar import ics_render
from qorgau.coordination.models import (
    ItemStatus,
    Notification,
    ReferralKind,
    ReferralStatus,
)
from qorgau.coordination.services import (
    action_add,
    case_add,
    decision_add,
    escalate,
    item_update,
    meeting_record,
    referral_answer,
    referral_report_outcome,
    referral_send,
)
from qorgau.monitoring.models import RecountDay

from .conftest import World, assess, at, conference, person

T0 = at(dt.date(2026, 6, 1), 9)


def frozen(moment: dt.datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


def _case(world: World) -> object:
    meeting = conference(world, dt.date(2026, 6, 1))
    return case_add(
        actor=world.secretary,
        meeting=meeting,
        victim=person(world.semey),
        district=world.semey,
        sharing_basis="consent",
        sharing_reference="signed at the crisis centre 2026-05-30",
        reasons=["high_risk"],
    )


def test_decision_is_tracked_to_completion_and_escalates_when_late(world: World) -> None:
    meeting = conference(world, dt.date(2026, 6, 1))
    meeting_record(
        actor=world.secretary,
        meeting=meeting,
        held_on=dt.date(2026, 6, 1),
        attendees=[world.police, world.crisis],
        minutes="Discussed.",
    )
    with frozen(T0):
        late = decision_add(
            actor=world.secretary,
            meeting=meeting,
            text="Open a shelter",
            owner=world.crisis,
            deadline=dt.date(2026, 6, 10),
        )
        kept = decision_add(
            actor=world.secretary,
            meeting=meeting,
            text="Train officers",
            owner=world.police,
            deadline=dt.date(2026, 6, 10),
        )
    assert Notification.objects.filter(user=world.crisis_worker, kind="new").count() == 1
    item_update(actor=world.police_officer, item=kept, status="done", on=dt.date(2026, 6, 9))
    with pytest.raises(PermissionDenied):
        item_update(actor=world.health_worker, item=late, status="done")
    with frozen(at(dt.date(2026, 6, 11))):
        report = escalate()
    late.refresh_from_db()
    kept.refresh_from_db()
    assert late.status == ItemStatus.ESCALATED and report.escalated_items == 1
    assert kept.status == ItemStatus.DONE and kept.on_time is True
    # The owner and the secretary are told, by notice and by e-mail.
    assert Notification.objects.filter(user=world.secretary, kind="overdue").count() == 1
    assert any("sec@example.kz" in m.to for m in mail.outbox)


def test_escalation_is_idempotent_and_the_command_runs(world: World) -> None:
    case = _case(world)
    with frozen(T0):
        action_add(
            actor=world.secretary,
            case=case,
            owner=world.health,
            description="Medical check",
            deadline=dt.date(2026, 6, 3),
        )
    with frozen(at(dt.date(2026, 6, 2))):
        first = escalate()
        again = escalate()
    assert first.due == 1 and first.notices >= 1 and again.notices == 0
    with frozen(at(dt.date(2026, 6, 5))):
        call_command("coordination", "escalate")
        call_command("coordination", "escalate")
    notices = Notification.objects.filter(user=world.health_worker)
    assert sorted(notices.values_list("kind", flat=True)) == ["due", "new", "overdue"]


def test_referral_must_be_answered_in_time_or_it_escalates(world: World) -> None:
    kind = ReferralKind.objects.get(code="crisis_centre")
    kind.respond_within_hours = 48  # configurable as data
    kind.save()
    with frozen(T0):
        referral = referral_send(
            actor=world.police_officer,
            kind=kind,
            sender=world.police,
            receiver=world.crisis,
            district=world.semey,
            person=person(world.semey),
            reason="Shelter tonight",
            sharing_basis="consent",
            sharing_reference="verbal, recorded by the officer",
        )
    assert referral.respond_by == T0 + dt.timedelta(hours=48)
    with frozen(T0 + dt.timedelta(hours=47)):
        assert escalate().escalated_referrals == 0
    with frozen(T0 + dt.timedelta(hours=49)):
        assert escalate().escalated_referrals == 1
        assert escalate().escalated_referrals == 0
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ESCALATED
    assert Notification.objects.filter(
        user=world.secretary, object_id=referral.pk, kind="overdue"
    ).exists()
    with pytest.raises(PermissionDenied):
        referral_answer(actor=world.health_worker, referral=referral, accept=True)
    with frozen(T0 + dt.timedelta(hours=50)):
        referral_answer(actor=world.crisis_worker, referral=referral, accept=True)
    assert referral.outcome_due_by == T0 + dt.timedelta(hours=50, days=kind.outcome_within_days)
    RecountDay.objects.all().delete()
    referral_report_outcome(
        actor=world.crisis_worker, referral=referral, outcome="service_given", note="sheltered"
    )
    assert referral.status == ReferralStatus.COMPLETED
    rows = list(measures.referrals_completed(None))
    assert len(rows) == 1 and rows[0].district_id == world.semey.pk
    # counted on the day it was sent: the nightly recomputation goes back to that day
    assert list(RecountDay.objects.values_list("day", flat=True)) == [timezone.localdate(T0)]


def test_referral_rules(world: World) -> None:
    kind = ReferralKind.objects.get(code="health")
    args = {
        "kind": kind,
        "district": world.semey,
        "reason": "x",
        "sharing_basis": "law",
    }
    with pytest.raises(ValidationError):  # a crisis centre does not take medical referrals
        referral_send(
            actor=world.police_officer, sender=world.police, receiver=world.crisis, **args
        )
    with pytest.raises(PermissionDenied):  # only for one's own agency
        referral_send(actor=world.crisis_worker, sender=world.police, receiver=world.health, **args)
    declined = referral_send(
        actor=world.police_officer, sender=world.police, receiver=world.health, **args
    )
    with pytest.raises(ValidationError):
        referral_answer(actor=world.health_worker, referral=declined, accept=False)
    referral_answer(actor=world.health_worker, referral=declined, accept=False, reason="no beds")
    assert declined.status == ReferralStatus.DECLINED


def test_case_needs_a_basis_for_sharing(world: World) -> None:
    meeting = conference(world, dt.date(2026, 6, 1))
    with pytest.raises(ValidationError):
        case_add(
            actor=world.secretary,
            meeting=meeting,
            victim=person(world.semey),
            district=world.semey,
            sharing_basis="consent",
            sharing_reference=" ",
        )
    with pytest.raises(ValidationError):  # the registry places this person in Almaty only
        case_add(
            actor=world.secretary,
            meeting=meeting,
            victim=person(world.medeu),
            district=world.semey,
            sharing_basis="law",
            sharing_reference="art. 16",
        )
    with pytest.raises(PermissionDenied):
        case_add(
            actor=world.other_secretary,
            meeting=meeting,
            victim=person(world.semey),
            district=world.semey,
            sharing_basis="law",
            sharing_reference="art. 16",
        )


def test_each_agency_sees_only_its_own_actions(world: World) -> None:
    case = _case(world)
    for owner in (world.police, world.crisis, world.health):
        action_add(
            actor=world.secretary,
            case=case,
            owner=owner,
            description=f"act {owner.name}",
            deadline=dt.date(2026, 7, 1),
        )

    def owners(user: object) -> set[int]:
        return set(selectors.actions_for(user).values_list("owner_id", flat=True))

    assert owners(world.secretary) == {world.police.pk, world.crisis.pk, world.health.pk}
    assert owners(world.crisis_worker) == {world.crisis.pk}
    assert owners(world.health_worker) == {world.health.pk}
    assert owners(world.police_officer) == {world.police.pk}
    assert owners(world.outsider_worker) == set()
    assert owners(world.analyst) == set()
    assert owners(world.other_secretary) == set()
    assert not selectors.cases_for(world.crisis_worker).exists()
    assert selectors.cases_for(world.secretary).count() == 1


def test_calendar_feed_is_valid_icalendar(world: World) -> None:
    meeting = conference(world, dt.date(2026, 6, 1))
    meeting.agenda = "Cases MC-000001, MC-000002; a long agenda line " + "x" * 100
    text = ics_render([meeting], host="qorgau.kz", name="Qorgau")
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and "END:VCALENDAR" in lines
    assert "DTSTART:20260601T050000Z" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "MC-000001\\, MC-000002\\;" in text.replace("\r\n ", "")


def test_high_risk_cases_reviewed_in_time(world: World) -> None:
    reviewed, late, never = person(world.semey), person(world.semey), person(world.semey)
    for victim in (reviewed, late, never):
        assess(victim, world.semey, dt.date(2026, 3, 1), "high")
        assess(victim, world.semey, dt.date(2026, 4, 1), "critical")  # same episode
    for victim, day in ((reviewed, dt.date(2026, 3, 20)), (late, dt.date(2026, 5, 20))):
        case_add(
            actor=world.secretary,
            meeting=conference(world, day),
            victim=victim,
            district=world.semey,
            sharing_basis="law",
            sharing_reference="art. 16",
        )
    cases = list(measures.high_risk_cases(None))
    assert len(cases) == 3 and {r.day for r in cases} == {dt.date(2026, 3, 1)}
    in_time = list(measures.high_risk_cases_reviewed_in_time(None))
    assert [r.key for r in in_time] == [reviewed.pk]


def test_changes_are_audited(world: World) -> None:
    before = AuditEntry.objects.count()
    _case(world)
    assert AuditEntry.objects.count() > before
    assert AuditEntry.objects.filter(object_type="coordination.conferencecase").exists()


def test_synthesis_builds_every_region_and_clears(world: World) -> None:
    from qorgau.coordination.models import CoordinatingBody
    from qorgau.coordination.synthesis import clear, synthesise

    victim = person(world.semey)
    assess(victim, world.semey, dt.date.today() - dt.timedelta(days=200), "high")
    counts = synthesise(seed=1)
    assert counts["bodies"] >= 17 and counts["decisions"] > 0 and counts["meetings"] > 0
    assert counts["cases"] <= 1
    clear()
    assert CoordinatingBody.objects.filter(source="synth").count() == 0
    assert CoordinatingBody.objects.count() == 1
