"""A small programme world: a provider in Abai, obliged offenders in Semey and Medeu.

Personas (as in DESIGN.md §2): the provider's staff member ``staff``, a provider elsewhere
``outsider``, Abai's coordinator, Semey's and Medeu's police inspectors, Abai's court liaison,
and a national analyst.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from qorgau.accounts.models import Organisation, OrganisationKind, User
from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, ALMATY_CITY, MEDEU, SEMEY
from qorgau.programs.models import Accreditation, Programme, ProgrammeFormat, Provider
from qorgau.registry import choices as c
from qorgau.registry.models import BehaviourRequirement, Person
from qorgau.registry.services import iin_pseudonym
from qorgau.territory.models import Territory

TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=120)
IINS = iter(f"8001013{n:05d}" for n in range(1, 99999))


def make_requirement(
    district_code: str = SEMEY,
    *,
    obliges: bool = True,
    starts_on: dt.date = START,
    iin: str | None = None,
) -> BehaviourRequirement:
    offender = Person.objects.create(
        iin_pseudonym=iin_pseudonym(iin or next(IINS)), sex=c.Sex.MALE, birth_year=1980
    )
    conditions = [c.RequirementCondition.NO_CONTACT]
    if obliges:
        conditions.append(c.RequirementCondition.ATTEND_PSYCHOCORRECTION)
    return BehaviourRequirement.objects.create(
        number=f"R-{offender.pk}",
        district=Territory.objects.by_code(district_code),
        offender=offender,
        court="Semey city court",
        decided_on=starts_on - dt.timedelta(days=3),
        starts_on=starts_on,
        term_months=12,
        ends_on=starts_on + dt.timedelta(days=365),
        conditions=conditions,
        legal_basis="CoAO art. 54",
    )


def make_provider(name: str, region_code: str, *, accredited: bool = True) -> Provider:
    region = Territory.objects.by_code(region_code)
    organisation = Organisation.objects.create(
        name=name, kind=OrganisationKind.PROGRAM_PROVIDER, territory=region
    )
    return Provider.objects.create(
        organisation=organisation,
        region=region,
        ownership="state",
        accreditation=Accreditation.ACCREDITED if accredited else Accreditation.PENDING,
        accredited_from=START - dt.timedelta(days=30),
    )


def make_programme(provider: Provider, *, capacity: int = 2, sessions: int = 5) -> Programme:
    return Programme.objects.create(
        provider=provider,
        name=f"Programme {Programme.objects.count() + 1}",
        sessions=sessions,
        format=ProgrammeFormat.GROUP,
        languages=["kk", "ru"],
        capacity=capacity,
        accreditation=Accreditation.ACCREDITED,
    )


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """The personas never type their password (``force_login``): hash it cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    provider: Provider
    programme: Programme
    other_provider: Provider
    staff: User
    outsider: User
    coordinator: User
    inspector: User
    inspector_elsewhere: User
    court: User
    analyst: User
    requirements: list[BehaviourRequirement]


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    provider = make_provider("Abai correction centre", ABAI)
    other = make_provider("Almaty correction centre", ALMATY_CITY)
    make_programme(other)
    return World(
        provider=provider,
        programme=make_programme(provider),
        other_provider=other,
        staff=make_user(Role.PROGRAM_PROVIDER, organisation=provider.organisation),
        outsider=make_user(Role.PROGRAM_PROVIDER, organisation=other.organisation),
        coordinator=make_user(Role.AKIMAT_COORDINATOR, ABAI),
        inspector=make_user(Role.POLICE_INSPECTOR, SEMEY),
        inspector_elsewhere=make_user(Role.POLICE_INSPECTOR, MEDEU),
        court=make_user(Role.COURT_LIAISON, ABAI),
        analyst=make_user(Role.NATIONAL_ANALYST, "000000000"),
        requirements=[make_requirement() for _ in range(3)],
    )


def enrol(world: World, requirement: BehaviourRequirement, on: dt.date | None = None) -> Any:
    from qorgau.programs.services import enrolment_create

    return enrolment_create(
        actor=world.staff,
        requirement=requirement,
        programme=world.programme,
        on=on or START + dt.timedelta(days=5),
    )
