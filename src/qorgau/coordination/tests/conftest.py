"""A small region with a coordinating body, its agencies and their staff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from qorgau.accounts.models import Organisation, OrganisationKind, User
from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, KURCHATOV, MEDEU, SEMEY
from qorgau.coordination.models import CoordinatingBody, MeetingKind, Membership
from qorgau.coordination.services import meeting_plan
from qorgau.registry.models import (
    Incident,
    IncidentParticipant,
    Person,
    RiskAssessment,
)
from qorgau.territory.models import Territory

ALMATY_TZ = ZoneInfo("Asia/Almaty")
TODAY = dt.date(2026, 6, 15)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=ALMATY_TZ)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Seven users per test: Argon2 would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    body: CoordinatingBody
    semey: Territory
    kurchatov: Territory
    medeu: Territory
    police: Organisation
    crisis: Organisation
    health: Organisation
    outsider: Organisation  # a crisis centre in Almaty, not on the body
    secretary: User
    police_officer: User
    crisis_worker: User
    health_worker: User
    outsider_worker: User
    analyst: User
    other_secretary: User


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    semey = Territory.objects.by_code(SEMEY)
    abai = Territory.objects.by_code(ABAI)
    medeu = Territory.objects.by_code(MEDEU)

    def org(name: str, kind: str, territory: Territory) -> Organisation:
        return Organisation.objects.create(name=name, kind=kind, territory=territory)

    police = org("Semey police", OrganisationKind.POLICE, semey)
    crisis = org("Semey crisis centre", OrganisationKind.CRISIS_CENTRE, semey)
    health = org("Semey hospital", OrganisationKind.HEALTH, semey)
    outsider = org("Almaty crisis centre", OrganisationKind.CRISIS_CENTRE, medeu)
    body = CoordinatingBody.objects.create(name="Abai council", territory=abai)
    for member in (police, crisis, health):
        Membership.objects.create(body=body, organisation=member)
    return World(
        body=body,
        semey=semey,
        kurchatov=Territory.objects.by_code(KURCHATOV),
        medeu=medeu,
        police=police,
        crisis=crisis,
        health=health,
        outsider=outsider,
        secretary=make_user(Role.AKIMAT_COORDINATOR, ABAI, email="sec@example.kz"),
        police_officer=make_user(Role.POLICE_INSPECTOR, SEMEY),
        crisis_worker=make_user(Role.CRISIS_CENTRE, organisation=crisis, email="cc@example.kz"),
        health_worker=make_user(Role.AGENCY_OFFICER, organisation=health),
        outsider_worker=make_user(Role.CRISIS_CENTRE, organisation=outsider),
        analyst=make_user(Role.NATIONAL_ANALYST, "000000000"),
        other_secretary=make_user(Role.AKIMAT_COORDINATOR, "750000000"),
    )


def person(district: Territory | None = None) -> Person:
    return Person.objects.create(sex="F", home_district=district)


def incident(victim: Person, district: Territory, day: dt.date, **flags: Any) -> Incident:
    item = Incident.objects.create(
        occurred_at=at(day),
        reported_at=at(day, 12),
        district=district,
        settlement_type="urban",
        source_channel="call_102",
        physical=True,
        **flags,
    )
    IncidentParticipant.objects.create(incident=item, person=victim, role="victim")
    return item


def assess(victim: Person, district: Territory, day: dt.date, level: str) -> RiskAssessment:
    return RiskAssessment.objects.create(
        victim=victim,
        district=district,
        instrument="test",
        instrument_version=1,
        score=0,
        computed_level=level,
        level=level,
        assessed_at=at(day),
        next_due=day + dt.timedelta(days=30),
    )


def conference(world: World, day: dt.date) -> Any:
    return meeting_plan(
        actor=world.secretary, body=world.body, planned_at=at(day), kind=MeetingKind.CONFERENCE
    )
