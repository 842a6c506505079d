"""Every role on every page and endpoint: who gets in, and what each agency sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from qorgau.accounts.models import User
from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditEntry
from qorgau.coordination.models import CalendarFeed, ReferralKind
from qorgau.coordination.services import action_add, case_add, referral_send

from .conftest import World, at, conference, person

COUNTRY = "000000000"
ABAI = "100000000"


@pytest.fixture
def plan(world: World) -> dict[str, Any]:
    meeting = conference(world, dt.date(2026, 6, 1))
    case = case_add(
        actor=world.secretary,
        meeting=meeting,
        victim=person(world.semey),
        district=world.semey,
        sharing_basis="law",
        sharing_reference="art. 16",
    )
    actions = {
        owner.pk: action_add(
            actor=world.secretary,
            case=case,
            owner=owner,
            description=f"act-{owner.name}",
            deadline=dt.date(2026, 7, 1),
        )
        for owner in (world.police, world.crisis, world.health)
    }
    referral = referral_send(
        actor=world.police_officer,
        kind=ReferralKind.objects.get(code="crisis_centre"),
        sender=world.police,
        receiver=world.crisis,
        district=world.semey,
        reason="shelter",
        sharing_basis="law",
        case=case,
    )
    return {"meeting": meeting, "case": case, "actions": actions, "referral": referral}


def _pages(world: World, plan: dict[str, Any]) -> dict[str, str]:
    return {
        "index": "/coordination/",
        "body": f"/coordination/bodies/{world.body.pk}/",
        "meeting": f"/coordination/meetings/{plan['meeting'].pk}/",
        "candidates": f"/coordination/meetings/{plan['meeting'].pk}/candidates/",
        "cases": "/coordination/cases/",
        "case": f"/coordination/cases/{plan['case'].pk}/",
        "actions": "/coordination/actions/",
        "crisis_action": f"/coordination/actions/{plan['actions'][world.crisis.pk].pk}/",
        "decisions": "/coordination/decisions/",
        "referrals": "/coordination/referrals/",
        "referral": f"/coordination/referrals/{plan['referral'].pk}/",
        "notifications": "/coordination/notifications/",
        "calendar": "/coordination/calendar/",
        "api_bodies": "/api/v1/coordination/bodies/",
        "api_meetings": "/api/v1/coordination/meetings/",
        "api_candidates": f"/api/v1/coordination/meetings/{plan['meeting'].pk}/candidates/",
        "api_cases": "/api/v1/coordination/cases/",
        "api_actions": "/api/v1/coordination/actions/",
        "api_decisions": "/api/v1/coordination/decisions/",
        "api_referrals": "/api/v1/coordination/referrals/",
        "api_referral": f"/api/v1/coordination/referrals/{plan['referral'].pk}/",
        "api_kinds": "/api/v1/coordination/referral-kinds/",
        "api_notifications": "/api/v1/coordination/notifications/",
    }


KEEPER_ONLY = {"candidates", "cases", "case", "api_candidates", "api_cases"}
EVERYONE = {"notifications", "api_notifications"}
CRISIS_SEES = {"crisis_action", "referral", "api_referral"}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_on_every_page(
    role: str,
    world: World,
    plan: dict[str, Any],
    make_user: Callable[..., User],
    signed_in: Callable[[User], Client],
) -> None:
    """Allowed pages answer 200, others 403 or 404 (a record outside scope does not exist)."""
    users: dict[str, User] = {
        Role.AKIMAT_COORDINATOR: world.secretary,
        Role.CRISIS_CENTRE: world.crisis_worker,
        Role.AGENCY_OFFICER: world.health_worker,
        Role.POLICE_INSPECTOR: world.police_officer,
    }
    if role in users:
        user = users[role]
    elif role in (Role.PROGRAM_PROVIDER,):
        user = make_user(role, organisation=world.outsider)
    elif role == Role.CRISIS_CENTRE_SUPERVISOR:
        user = make_user(role, organisation=world.crisis_worker.organisation)
    elif role == Role.POLICE_SUPERVISOR or role == Role.COURT_LIAISON:
        user = make_user(role, ABAI)
    else:
        user = make_user(role, COUNTRY)
    client = signed_in(user)
    keeper = user.has_perm("coordination.keep_coordinating_body")
    agency = user.has_perm("coordination.act_for_agency")
    for name, url in _pages(world, plan).items():
        status = client.get(url).status_code
        if name in EVERYONE:
            expected = {200}
        elif not (keeper or agency):
            expected = {403}
        elif name in KEEPER_ONLY:
            expected = {200} if keeper else {403, 404}
        elif name in CRISIS_SEES:
            allowed = (
                keeper
                or user.organisation_id == world.crisis_worker.organisation_id
                or (
                    name != "crisis_action"
                    and user.role in (Role.POLICE_INSPECTOR, Role.POLICE_SUPERVISOR)
                )
            )
            expected = {200} if allowed else {404}
        elif name in ("body", "meeting"):
            member = (
                keeper
                or user in (world.health_worker, world.police_officer)
                or user.organisation_id == world.crisis_worker.organisation_id
            )
            expected = {200} if member or role == Role.POLICE_SUPERVISOR else {404}
        else:
            expected = {200}
        assert status in expected, (role, name, status)


def test_agency_lists_hold_only_own_actions_and_no_names(
    world: World, plan: dict[str, Any], signed_in: Callable[[User], Client]
) -> None:
    body = signed_in(world.crisis_worker).get("/api/v1/coordination/actions/").json()
    assert [row["owner"] for row in body["results"]] == [world.crisis.pk]
    assert set(body["results"][0]) >= {"case_reference", "description"}
    assert "victim" not in body["results"][0]
    page = signed_in(world.health_worker).get("/coordination/actions/").content.decode()
    assert "act-Semey hospital" in page and "act-Semey crisis centre" not in page
    assert AuditEntry.objects.filter(object_type="coordination.safetyaction").exists()


def test_receiver_answers_through_the_api(
    world: World, plan: dict[str, Any], signed_in: Callable[[User], Client]
) -> None:
    url = f"/api/v1/coordination/referrals/{plan['referral'].pk}/answer/"
    refused = signed_in(world.health_worker).post(
        url, {"accept": True}, content_type="application/json"
    )
    assert refused.status_code == 404
    answer = signed_in(world.crisis_worker).post(
        url, {"accept": True}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    outcome = signed_in(world.crisis_worker).post(
        f"/api/v1/coordination/referrals/{plan['referral'].pk}/outcome/",
        {"outcome": "service_given"},
        content_type="application/json",
    )
    assert outcome.json()["status"] == "completed"


def test_calendar_feed_by_token_without_a_session(
    world: World, plan: dict[str, Any], signed_in: Callable[[User], Client]
) -> None:
    signed_in(world.crisis_worker).get("/coordination/calendar/")
    token = CalendarFeed.objects.get(user=world.crisis_worker).token
    with mock.patch("django.utils.timezone.now", return_value=at(dt.date(2026, 5, 20))):
        response = Client().get(f"/coordination/calendar/{token}.ics")
    assert response.status_code == 200 and b"BEGIN:VEVENT" in response.content
    assert Client().get("/coordination/calendar/wrong.ics").status_code == 404
