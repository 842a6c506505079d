"""A death in Semey after months in which every agency saw something.

Aigul (the victim) and Bolat (the offender) met the police in January (a light injury, an order
served, a failed check-in, a violation), a risk assessment, an administrative offence, a
referral to the crisis centre, a case conference with a safety action, a court's requirements
with a programme Bolat never finished, and a neighbour's report on the portal; on 1 March he
killed her. A check-in recorded after her death must not reach the timeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.citizens.models import CitizenReport
from qorgau.conftest import ABAI, SEMEY
from qorgau.coordination.models import (
    ConferenceCase,
    CoordinatingBody,
    Meeting,
    MeetingKind,
    Referral,
    ReferralKind,
    SafetyAction,
)
from qorgau.programs.models import Enrolment, Programme, Provider
from qorgau.registry.models import (
    BehaviourRequirement,
    Incident,
    IncidentParticipant,
    Offence,
    OrderCheckIn,
    OrderViolation,
    Person,
    ProtectiveOrder,
    RiskAssessment,
)
from qorgau.territory.models import Territory

ALMATY_TZ = ZoneInfo("Asia/Almaty")
DEATH_DAY = dt.date(2025, 3, 1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=ALMATY_TZ)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def incident(victim: Person, offender: Person, district: Territory, day: dt.date, **kw: Any):
    item = Incident.objects.create(
        occurred_at=at(day),
        reported_at=at(day, 12),
        district=district,
        settlement_type="urban",
        source_channel="call_102",
        physical=True,
        **kw,
    )
    IncidentParticipant.objects.create(incident=item, person=victim, role="victim")
    IncidentParticipant.objects.create(incident=item, person=offender, role="offender")
    return item


@dataclass
class Story:
    semey: Territory
    victim: Person
    offender: Person
    death: Incident
    police: Organisation
    crisis: Organisation
    provider: Organisation


def _org(name: str, kind: str, territory: Territory) -> Organisation:
    return Organisation.objects.create(name=name, kind=kind, territory=territory)


def _registry(semey: Territory, victim: Person, offender: Person) -> None:
    first = incident(victim, offender, semey, dt.date(2025, 1, 10), injury="light")
    order = ProtectiveOrder.objects.create(
        number="PO-1",
        incident=first,
        district=semey,
        offender=offender,
        issued_on=dt.date(2025, 1, 11),
        served_on=dt.date(2025, 1, 12),
        term_days=30,
        check_interval_days=7,
        legal_basis="Law 214-IV",
    )
    order.protected_persons.add(victim)
    OrderCheckIn.objects.create(order=order, checked_on=dt.date(2025, 1, 18), compliant=False)
    OrderCheckIn.objects.create(order=order, checked_on=dt.date(2025, 3, 5))  # after her death
    OrderViolation.objects.create(
        order=order, occurred_on=dt.date(2025, 2, 1), description="came home", article="461"
    )
    RiskAssessment.objects.create(
        victim=victim,
        offender=offender,
        incident=first,
        district=semey,
        instrument="test",
        instrument_version=1,
        score=3,
        computed_level="medium",
        level="medium",
        assessed_at=at(dt.date(2025, 1, 11)),
        next_due=dt.date(2025, 2, 11),
    )
    Offence.objects.create(
        incident=first,
        district=semey,
        offender=offender,
        kind="administrative",
        article="73",
        committed_on=dt.date(2025, 1, 10),
    )


def _services(story: Story, body: CoordinatingBody) -> None:
    semey, victim, offender = story.semey, story.victim, story.offender
    kind = ReferralKind.objects.create(
        code="shelter", name="shelter", respond_within_hours=24, outcome_within_days=7
    )
    Referral.objects.create(
        kind=kind,
        person=victim,
        district=semey,
        sender=story.police,
        receiver=story.crisis,
        reason="shelter",
        sharing_basis="consent",
        sent_at=at(dt.date(2025, 1, 12)),
        respond_by=at(dt.date(2025, 1, 13)),
    )
    meeting = Meeting.objects.create(
        body=body, kind=MeetingKind.CONFERENCE, planned_at=at(dt.date(2025, 1, 20))
    )
    case = ConferenceCase.objects.create(
        meeting=meeting,
        victim=victim,
        district=semey,
        discussed_on=dt.date(2025, 1, 20),
        sharing_basis="law",
        sharing_reference="Law 214-IV",
    )
    SafetyAction.objects.create(
        case=case,
        owner=story.police,
        deadline=dt.date(2025, 2, 1),
        description="patrol",
        created_at=at(dt.date(2025, 1, 20)),
    )
    requirement = BehaviourRequirement.objects.create(
        number="R-1",
        district=semey,
        offender=offender,
        court="Semey court",
        decided_on=dt.date(2025, 1, 25),
        starts_on=dt.date(2025, 1, 25),
        term_months=6,
        ends_on=dt.date(2025, 7, 25),
        police_reports_per_month=1,
        legal_basis="CoAO 54",
    )
    requirement.protected_persons.add(victim)
    provider = Provider.objects.create(
        organisation=story.provider,
        region=Territory.objects.by_code(ABAI),
        ownership="state",
        accreditation="accredited",
    )
    programme = Programme.objects.create(
        provider=provider, name="Men's group", sessions=12, format="group", capacity=10
    )
    Enrolment.objects.create(
        requirement=requirement,
        offender=offender,
        district=semey,
        programme=programme,
        status="dropped_out",
        listed_on=dt.date(2025, 1, 26),
        enrolled_on=dt.date(2025, 2, 3),
    )
    CitizenReport.objects.create(
        receipt_digest="r" * 64,
        district=semey,
        at_risk="woman",
        reporter="neighbour",
        submitted_at=at(dt.date(2025, 2, 10)),
        linked_person=victim,
    )


@pytest.fixture
def story(db: Any) -> Story:
    semey = Territory.objects.by_code(SEMEY)
    victim = Person.objects.create(sex="F", home_district=semey)
    offender = Person.objects.create(sex="M", home_district=semey)
    _registry(semey, victim, offender)
    result = Story(
        semey=semey,
        victim=victim,
        offender=offender,
        death=incident(victim, offender, semey, DEATH_DAY, injury="death"),
        police=_org("Semey police", OrganisationKind.POLICE, semey),
        crisis=_org("Semey crisis centre", OrganisationKind.CRISIS_CENTRE, semey),
        provider=_org("Semey centre", OrganisationKind.PROGRAM_PROVIDER, semey),
    )
    body = CoordinatingBody.objects.create(
        name="Abai council", territory=Territory.objects.by_code(ABAI)
    )
    _services(result, body)
    return result
