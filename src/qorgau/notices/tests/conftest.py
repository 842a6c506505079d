"""A survivor at the Semey crisis centre, linked to the registry by her IIN, and the records
that concern her: an offender, his protective order and requirement, a case conference.

Personas: Aigerim keeps the case at the Semey centre; Saule works at a centre in Almaty and
must reach nothing of it; a Semey police inspector keeps no case files at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from qorgau.accounts.models import Organisation, OrganisationKind, User
from qorgau.accounts.roles import Role
from qorgau.cases import services as case_services
from qorgau.cases.models import GbvimsType, ShareWith, SurvivorCase
from qorgau.conftest import ABAI, MEDEU, SEMEY
from qorgau.coordination.models import (
    ConferenceCase,
    CoordinatingBody,
    ItemStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    SafetyAction,
    SharingBasis,
)
from qorgau.lib.crypto import encrypt_text
from qorgau.notices import services
from qorgau.notices.gateways import GatewayError, GatewayReceipt
from qorgau.notices.models import Channel, EventKind, NoticeSubscription
from qorgau.registry.iin import iin_make
from qorgau.registry.models import OrderViolation, Person, ProtectiveOrder
from qorgau.registry.models.requirements import BehaviourRequirement
from qorgau.registry.services_persons import iin_pseudonym
from qorgau.territory.models import Territory

ALMATY = ZoneInfo("Asia/Almaty")
TODAY = dt.date(2026, 3, 10)
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=ALMATY)
HER_PHONE = "+77012345678"
CALLBACK = "+7 7222 00 11 22"
ALL_EVENTS = list(EventKind.values)
# Names the texts must never carry.
HER_ALIAS = "Aliya"
HIS_SURNAME = "Bekov"


def iin(birth: dt.date, sex: str) -> str:
    for serial in range(1000, 2000):
        value = iin_make(birth, sex, serial)
        if value:
            return value
    raise AssertionError("no IIN")


@dataclass
class World:
    semey: Territory
    centre: Organisation
    aigerim: User
    saule: User
    police: User
    case: SurvivorCase
    victim: Person
    offender: Person


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(make_user: Callable[..., User], make_organisation: Callable[..., Organisation]) -> World:
    semey = Territory.objects.by_code(SEMEY)
    centre = make_organisation("Semey crisis centre", SEMEY)
    almaty = make_organisation("Almaty crisis centre", MEDEU)
    aigerim = make_user(Role.CRISIS_CENTRE, organisation=centre, username="aigerim")
    her_iin = iin(dt.date(1990, 5, 17), "F")
    victim = Person.objects.create(
        iin_pseudonym=iin_pseudonym(her_iin), sex="F", home_district=semey
    )
    offender = Person.objects.create(
        iin_pseudonym=iin_pseudonym(iin(dt.date(1985, 1, 2), "M")),
        sex="M",
        home_district=semey,
        surname_token=encrypt_text(HIS_SURNAME),
    )
    case = case_services.case_open(
        actor=aigerim,
        district=semey,
        opened_on=TODAY - dt.timedelta(days=30),
        gbvims_type=GbvimsType.PHYSICAL_ASSAULT,
        consent_share=[ShareWith.LEGAL_AID],
        consent_given_on=TODAY - dt.timedelta(days=30),
        iin=her_iin,
        alias=HER_ALIAS,
    )
    return World(
        semey=semey,
        centre=centre,
        aigerim=aigerim,
        saule=make_user(Role.CRISIS_CENTRE, organisation=almaty, username="saule"),
        police=make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector"),
        case=case,
        victim=victim,
        offender=offender,
    )


def subscribe(world: World, case: SurvivorCase | None = None, **fields: Any) -> NoticeSubscription:
    values: dict[str, Any] = {
        "channel": Channel.SMS,
        "contact": "+7 701 234 56 78",
        "language": "en",
        "events": ALL_EVENTS,
        "callback_phone": CALLBACK,
        "opted_in_on": TODAY - dt.timedelta(days=20),
    } | fields
    return services.subscription_save(actor=world.aigerim, case=case or world.case, **values)


def order(
    world: World, *, served_on: dt.date | None, term_days: int = 30, number: str = "1"
) -> ProtectiveOrder:
    made = ProtectiveOrder.objects.create(
        number=number,
        district=world.semey,
        offender=world.offender,
        issued_on=(served_on or TODAY) - dt.timedelta(days=1),
        served_on=served_on,
        term_days=term_days,
        ends_on=served_on + dt.timedelta(days=term_days - 1) if served_on else None,
        check_interval_days=7,
        legal_basis="Law 2009-214, art. 20",
    )
    made.protected_persons.add(world.victim)
    return made


def violation(made: ProtectiveOrder, on: dt.date) -> OrderViolation:
    return OrderViolation.objects.create(
        order=made, occurred_on=on, description="came to her home", article="461"
    )


def requirement(world: World, *, ends_on: dt.date) -> BehaviourRequirement:
    made = BehaviourRequirement.objects.create(
        number="R-1",
        district=world.semey,
        offender=world.offender,
        court="Semey city court",
        decided_on=ends_on - dt.timedelta(days=180),
        starts_on=ends_on - dt.timedelta(days=179),
        term_months=6,
        ends_on=ends_on,
        legal_basis="CoAO art. 54",
    )
    made.protected_persons.add(world.victim)
    return made


def conference(
    world: World, *, held_on: dt.date, action_done_on: dt.date | None = None
) -> ConferenceCase:
    body = CoordinatingBody.objects.create(
        name="Abai council", territory=Territory.objects.by_code(ABAI)
    )
    meeting = Meeting.objects.create(
        body=body,
        kind=MeetingKind.CONFERENCE,
        planned_at=dt.datetime.combine(held_on, dt.time(10), tzinfo=ALMATY),
        status=MeetingStatus.HELD,
        held_on=held_on,
    )
    discussed = ConferenceCase.objects.create(
        meeting=meeting,
        victim=world.victim,
        district=world.semey,
        discussed_on=held_on,
        sharing_basis=SharingBasis.CONSENT,
        sharing_reference="her consent of " + held_on.isoformat(),
    )
    if action_done_on is not None:
        police_org = Organisation.objects.create(
            name="Semey police", kind=OrganisationKind.POLICE, territory=world.semey
        )
        SafetyAction.objects.create(
            case=discussed,
            owner=police_org,
            description="patrol past her home",
            deadline=action_done_on,
            status=ItemStatus.DONE,
            completed_on=action_done_on,
        )
    return discussed


class FailingGateway:
    """A provider that is down: every call refused."""

    calls = 0

    def send(self, channel: str, to: str, text: str) -> GatewayReceipt:
        FailingGateway.calls += 1
        raise GatewayError("provider unavailable (HTTP 503)")


class RecordingGateway:
    """A provider that accepts everything and remembers what it was given (for the tests)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, channel: str, to: str, text: str) -> GatewayReceipt:
        self.sent.append((channel, to, text))
        return GatewayReceipt(reference=f"rec-{len(self.sent)}")
