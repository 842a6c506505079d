"""The polyclinic's agency officer answers its agency's work in a real Chromium, in Kazakh.

The README's demo account ``health.semey`` finds on the coordination overview a referral sent
to the polyclinic by the crisis centre and a decision of the coordinating body it owns; it
accepts the referral and reports its outcome, then reports the decision done. Every step is a
click or a form on the pages; the test checks what the page shows and what was stored.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qorgau.coordination.models import (
    ItemStatus,
    ReferralKind,
    ReferralOutcome,
    ReferralStatus,
    SharingBasis,
)
from qorgau.coordination.services import referral_send
from qorgau.coordination.tests.browser_world import held_meeting_with_decision, semey_world
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import assert_in_language, translated

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_agency_officer_completes_a_referral_and_a_decision_of_its_agency(
    browser_page, make_user
):
    page, world = browser_page, semey_world(make_user)
    referral = referral_send(
        actor=world.crisis_worker,
        kind=ReferralKind.objects.get(code="health"),
        sender=world.crisis,
        receiver=world.health,
        district=world.crisis.territory,
        reason="Forensic examination of injuries",
        sharing_basis=SharingBasis.CONSENT,
        sharing_reference="Written consent of 1 December",
    )
    decision = held_meeting_with_decision(
        world, "Train the doctors to recognise violence", timezone.localdate() + dt.timedelta(30)
    )

    sign_in(page, "health.semey", "kk")
    page.click("nav.menu a[href='/coordination/']")
    assert_in_language(page, "kk", "Coordination")

    page.click(f"main a[href='{referral.get_absolute_url()}']")
    assert_in_language(page, "kk", "Referral")
    assert world.crisis.name_kk in page.inner_text("main")
    page.select_option("#id_accept", "1")
    page.click("form:has(#id_accept) button[type=submit]")
    page.wait_for_selector("#id_outcome")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.responded_at is not None

    page.select_option("#id_outcome", ReferralOutcome.SERVICE_GIVEN)
    page.fill("#id_note", "Examined; certificate issued")
    page.click("form:has(#id_outcome) button[type=submit]")
    page.wait_for_selector("text=Examined; certificate issued")
    assert translated("completed, outcome reported", "kk") in page.inner_text("main")
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.outcome_note) == (
        ReferralStatus.COMPLETED,
        ReferralOutcome.SERVICE_GIVEN,
        "Examined; certificate issued",
    )

    page.click("nav.subnav a[href='/coordination/']")
    page.click(f"main a[href='{decision.get_absolute_url()}']")
    assert decision.reference in page.inner_text("h1")
    page.select_option("#id_status", ItemStatus.DONE)
    page.fill("#id_note", "Two seminars held, 40 doctors trained")
    page.click("form:has(#id_status) button[type=submit]")
    page.wait_for_selector(".messages")
    assert translated("Saved.", "kk") in page.inner_text(".messages")
    assert translated("done", "kk") in page.inner_text("main")
    decision.refresh_from_db()
    assert (decision.status, decision.completed_on, decision.progress_note) == (
        ItemStatus.DONE,
        timezone.localdate(),
        "Two seminars held, 40 doctors trained",
    )
