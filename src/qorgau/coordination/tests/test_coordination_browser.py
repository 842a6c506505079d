"""Abai's akimat coordinator does the body's work in a real Chromium, in kk, ru and en.

The README's demo account ``coordinator.abai`` keeps Semey's coordinating body: plans a
meeting, records it and gives a member agency a decision with a deadline; or holds a case
conference on a proposed high-risk case and sets a safety action for an agency. Every step is
a click or a form on the pages; the test checks what the page shows and what was stored.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qorgau.coordination.models import (
    ConferenceCase,
    Decision,
    ItemStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    SafetyAction,
)
from qorgau.coordination.tests.browser_world import semey_world
from qorgau.coordination.tests.conftest import assess, person
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import LANGUAGES, assert_in_language, translated

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _open_body(page, world, language: str) -> None:
    page.click("nav.menu a[href='/coordination/']")
    assert_in_language(page, language, "Coordination")
    page.click(f"main a[href='{world.body.get_absolute_url()}']")
    page.wait_for_selector("#id_planned_at")


def _plan(page, kind: str, agenda: str) -> Meeting:
    today = timezone.localdate()
    page.select_option("#id_kind", kind)
    page.fill("#id_planned_at", f"{today.isoformat()}T10:00")
    page.fill("#id_agenda", agenda)
    page.click("form:has(#id_planned_at) button[type=submit]")
    page.wait_for_url("**/coordination/meetings/*/")
    meeting = Meeting.objects.get(agenda=agenda)
    assert agenda in page.inner_text("main")
    return meeting


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_coordinator_holds_a_meeting_and_gives_the_polyclinic_a_decision(
    browser_page, make_user, language
):
    page, world = browser_page, semey_world(make_user)
    health = getattr(world.health, f"name_{language}")
    sign_in(page, "coordinator.abai", language)
    _open_body(page, world, language)
    assert getattr(world.body, f"name_{language}") in page.inner_text("h1")
    meeting = _plan(page, MeetingKind.REGULAR, "Охват пострадавших помощью")

    # the day it was held is today unless changed: shown in the field in every language
    assert page.input_value("#id_held_on") == timezone.localdate().isoformat()
    page.check(f"input[name=attendees][value='{world.health.pk}']")
    page.check(f"input[name=attendees][value='{world.crisis.pk}']")
    page.fill("#id_minutes", "Заслушали поликлинику и кризисный центр.")
    page.click("form:has(#id_minutes) button[type=submit]")
    page.wait_for_selector("text=Заслушали поликлинику")
    assert_in_language(page, language, "Minutes", "main")
    assert health in page.inner_text("main")

    deadline = timezone.localdate() + dt.timedelta(days=30)
    page.fill("#id_text", "Обучить врачей выявлению насилия")
    page.select_option("#id_owner", str(world.health.pk))
    page.fill("#id_deadline", deadline.isoformat())
    page.click("form:has(#id_text) button[type=submit]")
    row = page.locator("tr", has_text="Обучить врачей")
    row.wait_for()
    assert health in row.inner_text()
    assert translated("open", language) in row.inner_text()

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.held_on == timezone.localdate()
    assert set(meeting.attendees.all()) == {world.health, world.crisis}
    decision = Decision.objects.get(meeting=meeting)
    assert (decision.text, decision.owner, decision.deadline, decision.status) == (
        "Обучить врачей выявлению насилия",
        world.health,
        deadline,
        ItemStatus.OPEN,
    )
    assert decision.reference in row.inner_text()


def test_the_coordinator_holds_a_case_conference_and_sets_a_safety_action(browser_page, make_user):
    page, world = browser_page, semey_world(make_user)
    victim = person(world.crisis.territory)
    assess(victim, world.crisis.territory, timezone.localdate() - dt.timedelta(days=5), "high")
    sign_in(page, "coordinator.abai", "kk")
    _open_body(page, world, "kk")
    meeting = _plan(page, MeetingKind.CONFERENCE, "High-risk cases of the month")

    page.click(f"main a[href='/coordination/meetings/{meeting.pk}/candidates/']")
    assert_in_language(page, "kk", "Proposed cases")
    page.select_option("main form select[name=sharing_basis]", "law")
    page.fill("main form input[name=sharing_reference]", "Law on prevention of DV, art. 10")
    page.click("main form:has(input[name=victim]) button[type=submit]")
    page.wait_for_url("**/coordination/cases/*/")
    case = ConferenceCase.objects.get(meeting=meeting)
    assert case.victim == victim and case.sharing_reference.startswith("Law on prevention")
    assert case.reference in page.inner_text("h1")

    deadline = timezone.localdate() + dt.timedelta(days=7)
    page.fill("#id_text", "Home visit and a safety plan with the victim")
    page.select_option("#id_owner", str(world.crisis.pk))
    page.fill("#id_deadline", deadline.isoformat())
    page.click("form:has(#id_text) button[type=submit]")
    row = page.locator("tr", has_text="Home visit and a safety plan")
    row.wait_for()
    assert world.crisis.name_kk in row.inner_text()
    action = SafetyAction.objects.get(case=case)
    assert (action.owner, action.deadline, action.status) == (
        world.crisis,
        deadline,
        ItemStatus.OPEN,
    )
    assert action.reference in row.inner_text()
