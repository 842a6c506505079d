"""The stories end to end in the browser: plan, record, decide, propose, discuss, refer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from unittest import mock

from django.test import Client

from qorgau.accounts.models import User
from qorgau.audit.models import AuditEntry
from qorgau.coordination.models import (
    ConferenceCase,
    Decision,
    Meeting,
    Referral,
    ReferralKind,
    SafetyAction,
)

from .conftest import World, assess, at, person


def test_secretary_runs_a_conference_in_the_browser(
    world: World, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(world.secretary)
    victim = person(world.semey)
    assess(victim, world.semey, dt.date(2026, 5, 25), "critical")
    response = client.post(
        f"/coordination/bodies/{world.body.pk}/",
        {"kind": "conference", "planned_at": "2026-06-01T10:00", "agenda": "Cases"},
    )
    meeting = Meeting.objects.get(body=world.body)
    assert response.status_code == 302 and meeting.kind == "conference"
    client.post(
        f"/coordination/meetings/{meeting.pk}/",
        {
            "held_on": "2026-06-01",
            "attendees": [world.police.pk, world.crisis.pk],
            "minutes": "Held.",
        },
    )
    meeting.refresh_from_db()
    assert meeting.status == "held" and meeting.attendees.count() == 2
    client.post(
        f"/coordination/meetings/{meeting.pk}/",
        {"text": "Open a shelter", "owner": world.crisis.pk, "deadline": "2026-07-01"},
    )
    assert Decision.objects.get().owner == world.crisis
    page = client.get(f"/coordination/meetings/{meeting.pk}/candidates/").content.decode()
    assert victim.label in page and "high or critical risk" in page
    response = client.post(
        f"/coordination/meetings/{meeting.pk}/candidates/",
        {"victim": victim.pk, "sharing_basis": "consent", "sharing_reference": "form 12"},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    case = ConferenceCase.objects.get()
    assert response.status_code == 302 and case.reasons == ["high_risk"]
    client.post(
        f"/coordination/cases/{case.pk}/",
        {"text": "Shelter place", "owner": world.crisis.pk, "deadline": "2026-06-05"},
    )
    assert SafetyAction.objects.get().owner == world.crisis
    shown = client.get(f"/coordination/cases/{case.pk}/?identify=1")
    assert shown.status_code == 200
    assert AuditEntry.objects.filter(action="decrypt", actor=world.secretary).exists()


def test_agency_updates_its_action_and_answers_a_referral(
    world: World, signed_in: Callable[[User], Client]
) -> None:
    police = signed_in(world.police_officer)
    with mock.patch("django.utils.timezone.now", return_value=at(dt.date(2026, 6, 1))):
        response = police.post(
            "/coordination/referrals/new/",
            {
                "kind": ReferralKind.objects.get(code="crisis_centre").pk,
                "sender": world.police.pk,
                "receiver": world.crisis.pk,
                "reason": "Shelter tonight",
                "sharing_basis": "law",
            },
        )
    referral = Referral.objects.get()
    assert response.status_code == 302 and referral.district == world.semey
    crisis = signed_in(world.crisis_worker)
    assert crisis.get("/coordination/").status_code == 200
    crisis.post(f"/coordination/referrals/{referral.pk}/", {"accept": "0", "reason": ""})
    referral.refresh_from_db()
    assert referral.status == "sent"  # a decline needs a reason
    crisis.post(f"/coordination/referrals/{referral.pk}/", {"accept": "1"})
    crisis.post(f"/coordination/referrals/{referral.pk}/", {"outcome": "service_given"})
    referral.refresh_from_db()
    assert referral.status == "completed"
    notices = signed_in(world.police_officer).get("/coordination/notifications/")
    assert referral.reference in notices.content.decode()
    signed_in(world.police_officer).post("/coordination/notifications/read/")
    assert not world.police_officer.coordination_notices.filter(read_at__isnull=True).exists()
