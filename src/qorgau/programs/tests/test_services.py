"""Candidate lists, enrolment rules, capacity and waiting lists, attendance → violation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qorgau.audit.models import AuditEntry
from qorgau.conftest import MEDEU
from qorgau.programs import selectors, services
from qorgau.programs.models import (
    Enrolment,
    EnrolmentStatus,
    PartnerSafetyReport,
    PossibleViolation,
    ReportStatus,
)
from qorgau.programs.tests.conftest import START, TODAY, World, enrol, make_requirement
from qorgau.registry.models import RequirementViolation

pytestmark = pytest.mark.django_db


def _candidates(world: World) -> set[int]:
    return set(
        selectors.candidates(region=world.provider.region, on=TODAY).values_list("pk", flat=True)
    )


def test_obliged_offenders_appear_on_the_regions_list_automatically(world: World) -> None:
    not_obliged = make_requirement(obliges=False)
    elsewhere = make_requirement(MEDEU)
    expired = make_requirement(starts_on=TODAY - dt.timedelta(days=400))
    listed = _candidates(world)
    assert listed == {r.pk for r in world.requirements}
    assert not {not_obliged.pk, elsewhere.pk, expired.pk} & listed
    # A requirement recorded now is on the list now: a selector, not a copy.
    fresh = make_requirement()
    assert fresh.pk in _candidates(world)


def test_enrolled_leave_the_list_and_return_after_dropping_out(world: World) -> None:
    first = world.requirements[0]
    enrolment = enrol(world, first)
    assert first.pk not in _candidates(world)
    services.enrolment_drop_out(actor=world.staff, enrolment=enrolment, on=TODAY, reason="refused")
    assert first.pk in _candidates(world)


def test_capacity_sends_the_third_to_the_waiting_list(world: World) -> None:
    statuses = [enrol(world, r).status for r in world.requirements]
    assert statuses == [EnrolmentStatus.ENROLLED, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING]
    waiting = Enrolment.objects.get(status=EnrolmentStatus.WAITING)
    with pytest.raises(ValidationError):
        services.enrolment_admit(actor=world.staff, enrolment=waiting, on=TODAY)
    demand = selectors.demand_by_region(
        on=TODAY, regions=selectors.demand_regions_for(world.coordinator)
    )
    assert len(demand) == 1
    row = demand[0]
    assert (row.obliged, row.enrolled, row.waiting, row.capacity, row.unlisted) == (3, 2, 1, 2, 0)


def test_a_completion_frees_a_place_for_the_first_waiting(world: World) -> None:
    first, _, third = (enrol(world, r) for r in world.requirements)
    for week in range(4):
        services.attendance_record(
            actor=world.staff,
            enrolment=first,
            held_on=START + dt.timedelta(days=10 + 7 * week),
            attended=True,
        )
    services.enrolment_complete(actor=world.staff, enrolment=first, on=TODAY)
    third.refresh_from_db()
    assert third.status == EnrolmentStatus.ENROLLED
    assert third.enrolled_on == TODAY


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (TODAY + dt.timedelta(days=1), "future"),
        (START - dt.timedelta(days=1), "not in force"),
    ],
)
def test_enrolment_dates_are_checked(world: World, on: dt.date, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        enrol(world, world.requirements[0], on=on)


def test_one_active_enrolment_per_requirement(world: World) -> None:
    enrol(world, world.requirements[0])
    with pytest.raises(ValidationError, match="already"):
        enrol(world, world.requirements[0])


def test_only_obliged_offenders_of_the_region_are_enrolled(world: World) -> None:
    with pytest.raises(ValidationError, match="did not oblige"):
        enrol(world, make_requirement(obliges=False))
    with pytest.raises(ValidationError, match="another region"):
        enrol(world, make_requirement(MEDEU))


def test_another_provider_cannot_enrol_on_this_programme(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.enrolment_create(
            actor=world.outsider,
            requirement=world.requirements[0],
            programme=world.programme,
            on=TODAY,
        )


def test_a_programme_without_accreditation_takes_nobody(world: World) -> None:
    world.programme.accreditation = "suspended"
    world.programme.save()
    with pytest.raises(ValidationError, match="accredited"):
        enrol(world, world.requirements[0])


def test_a_missed_session_is_reported_to_the_district_police_and_court(world: World) -> None:
    enrolment = enrol(world, world.requirements[0])
    services.attendance_record(
        actor=world.staff,
        enrolment=enrolment,
        held_on=START + dt.timedelta(days=10),
        attended=False,
        reason="did not come",
    )
    report = PossibleViolation.objects.get()
    assert report.requirement == world.requirements[0]
    assert report.status == ReportStatus.OPEN
    assert list(selectors.possible_violations_for(world.inspector)) == [report]
    assert list(selectors.possible_violations_for(world.court)) == [report]
    assert list(selectors.possible_violations_for(world.staff)) == [report]
    assert not selectors.possible_violations_for(world.inspector_elsewhere).exists()
    assert not selectors.possible_violations_for(world.outsider).exists()
    assert not selectors.possible_violations_for(world.analyst).exists()
    services.possible_violation_resolve(actor=world.court, report=report, confirm=True)
    violation = RequirementViolation.objects.get()
    assert violation.condition == "attend_psychocorrection"
    report.refresh_from_db()
    assert report.status == ReportStatus.RECORDED
    with pytest.raises(ValidationError):
        services.possible_violation_resolve(actor=world.court, report=report, confirm=False)


def test_attendance_rules(world: World) -> None:
    enrolment = enrol(world, world.requirements[0])
    day = START + dt.timedelta(days=10)
    services.attendance_record(actor=world.staff, enrolment=enrolment, held_on=day, attended=True)
    with pytest.raises(ValidationError):  # the same day twice
        services.attendance_record(
            actor=world.staff, enrolment=enrolment, held_on=day, attended=True
        )
    with pytest.raises(ValidationError, match="future"):
        services.attendance_record(
            actor=world.staff, enrolment=enrolment, held_on=TODAY + dt.timedelta(1), attended=True
        )
    with pytest.raises(ValidationError, match="before the enrolment"):
        services.attendance_record(
            actor=world.staff, enrolment=enrolment, held_on=START, attended=True
        )
    with pytest.raises(ValidationError, match="5 sessions"):
        services.attendance_record(
            actor=world.staff, enrolment=enrolment, held_on=TODAY, attended=True, number=6
        )
    with pytest.raises(PermissionDenied):
        services.attendance_record(
            actor=world.outsider, enrolment=enrolment, held_on=TODAY, attended=True
        )


def test_completion_needs_the_sessions(world: World) -> None:
    enrolment = enrol(world, world.requirements[0])
    services.attendance_record(
        actor=world.staff, enrolment=enrolment, held_on=START + dt.timedelta(10), attended=True
    )
    with pytest.raises(ValidationError, match="needs 4"):
        services.enrolment_complete(actor=world.staff, enrolment=enrolment, on=TODAY)


def test_drop_out_is_reported_and_audited(world: World) -> None:
    enrolment = enrol(world, world.requirements[0])
    services.enrolment_drop_out(
        actor=world.staff, enrolment=enrolment, on=TODAY, reason="stopped_attending"
    )
    assert PossibleViolation.objects.filter(enrolment=enrolment, attendance=None).exists()
    changes = AuditEntry.objects.filter(object_id=str(enrolment.pk), actor=world.staff)
    assert changes.count() == 2  # created, dropped out


def test_partner_report_needs_consent_and_is_encrypted(world: World) -> None:
    enrolment = enrol(world, world.requirements[0])
    with pytest.raises(ValidationError, match="consent"):
        services.partner_report_record(
            actor=world.staff,
            enrolment=enrolment,
            reported_on=TODAY,
            consent_given_on=None,
            feeling="unsafe",
            abuse_since_start=True,
            text="He shouted again",
        )
    report = services.partner_report_record(
        actor=world.staff,
        enrolment=enrolment,
        reported_on=TODAY,
        consent_given_on=TODAY,
        feeling="unsafe",
        abuse_since_start=True,
        text="He shouted again",
    )
    stored = PartnerSafetyReport.objects.get()
    assert "shouted" not in stored.text_token
    assert services.partner_report_text(actor=world.staff, report=report) == "He shouted again"
    assert AuditEntry.objects.filter(action="decrypt", actor=world.staff).exists()
    with pytest.raises(PermissionDenied):
        services.partner_report_text(actor=world.outsider, report=report)


def test_the_register_is_kept_by_the_regions_coordinator(world: World) -> None:
    programme = world.programme
    programme.capacity = 10
    services.programme_save(actor=world.coordinator, programme=programme)
    other = world.other_provider.programmes.get()
    with pytest.raises(PermissionDenied):
        services.programme_save(actor=world.coordinator, programme=other)
    with pytest.raises(PermissionDenied):
        services.programme_save(actor=world.staff, programme=programme)
