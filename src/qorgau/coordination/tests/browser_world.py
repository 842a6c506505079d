"""The demo's Semey for the browser tests: the accounts of the README's table and their bodies.

As ``qorgau demo_accounts`` sets it up, at its smallest: Semey's crisis centre, polyclinic and
psychological support centre (names in three languages), a coordinating body of Semey with
them as members, Abai's coordinator who keeps it, and the staff of each organisation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from qorgau.accounts.demo import DEMO_NAMES, DEMO_ORGANISATIONS
from qorgau.accounts.models import Organisation, User
from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI
from qorgau.coordination.models import CoordinatingBody, Decision, Meeting, Membership
from qorgau.coordination.services import decision_add, meeting_plan
from qorgau.synth.demo import SEMEY_BODY, SEMEY_BODY_NAMES
from qorgau.territory.models import Territory

ALMATY = ZoneInfo("Asia/Almaty")


@dataclass
class Semey:
    body: CoordinatingBody
    crisis: Organisation
    provider: Organisation
    health: Organisation
    coordinator: User
    crisis_worker: User
    provider_worker: User
    health_officer: User


def _organisation(name: str, kind: str, code: str) -> Organisation:
    kk, ru = DEMO_NAMES[name]
    return Organisation.objects.create(
        name=name,
        name_kk=kk,
        name_ru=ru,
        name_en=name,
        kind=kind,
        territory=Territory.objects.by_code(code),
    )


def semey_world(make_user: Callable[..., User]) -> Semey:
    crisis, provider, health = (_organisation(*row) for row in DEMO_ORGANISATIONS[:3])
    body = CoordinatingBody.objects.create(
        name=SEMEY_BODY, territory=crisis.territory, **SEMEY_BODY_NAMES
    )
    for member in (crisis, provider, health):
        Membership.objects.create(body=body, organisation=member)
    return Semey(
        body=body,
        crisis=crisis,
        provider=provider,
        health=health,
        coordinator=make_user(Role.AKIMAT_COORDINATOR, ABAI, username="coordinator.abai"),
        crisis_worker=make_user(
            Role.CRISIS_CENTRE, organisation=crisis, username="crisis.semey", email="cc@x.kz"
        ),
        provider_worker=make_user(
            Role.PROGRAM_PROVIDER, organisation=provider, username="provider.semey"
        ),
        health_officer=make_user(
            Role.AGENCY_OFFICER, organisation=health, username="health.semey", email="h@x.kz"
        ),
    )


def held_meeting_with_decision(world: Semey, text: str, deadline: dt.date) -> Decision:
    """A meeting of the body planned this morning with one decision for the polyclinic."""
    today = timezone.localdate()
    meeting: Meeting = meeting_plan(
        actor=world.coordinator,
        body=world.body,
        planned_at=dt.datetime(today.year, today.month, today.day, 9, tzinfo=ALMATY),
    )
    return decision_add(
        actor=world.coordinator, meeting=meeting, text=text, owner=world.health, deadline=deadline
    )
