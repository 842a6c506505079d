"""Semey's crisis centre refers a client to the polyclinic in a real Chromium, in English.

The README's demo account ``crisis.semey`` opens Coordination, the referrals, and sends a new
referral for medical help to the polyclinic, on the client's consent. Every step is a click or
a form on the pages; the test checks the referral page, the stored referral and the notice the
polyclinic's officer receives. (Its monthly totals: monitoring/tests/test_crisis_totals_browser.py.)
"""

from __future__ import annotations

import pytest

from qorgau.coordination.models import Notification, Referral, ReferralKind, ReferralStatus
from qorgau.coordination.tests.browser_world import semey_world
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import assert_in_language, translated

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_crisis_centre_refers_a_client_to_the_polyclinic(browser_page, make_user):
    page, world = browser_page, semey_world(make_user)
    medical = ReferralKind.objects.get(code="health")

    sign_in(page, "crisis.semey", "en")
    page.click("nav.menu a[href='/coordination/']")
    page.click("nav.subnav a[href='/coordination/referrals/']")
    assert_in_language(page, "en", "Referrals")
    page.click("main a[href='/coordination/referrals/new/']")
    assert_in_language(page, "en", "New referral")
    page.select_option("#id_kind", str(medical.pk))
    # the crisis centre refers on behalf of its own organisation only
    assert (
        page.eval_on_selector_all("#id_sender option[value]:not([value=''])", "o => o.length") == 1
    )
    page.select_option("#id_sender", str(world.crisis.pk))
    page.select_option("#id_receiver", str(world.health.pk))
    page.fill("#id_reason", "Forensic examination of injuries")
    page.select_option("#id_sharing_basis", "consent")
    page.fill("#id_sharing_reference", "Written consent of the client, 7 December")
    page.click("main form button[type=submit].primary")
    page.wait_for_url("**/coordination/referrals/*/")

    referral = Referral.objects.get()
    assert referral.reference in page.inner_text("h1")
    assert translated("sent, awaiting an answer", "en") in page.inner_text("main")
    assert (referral.kind, referral.sender, referral.receiver, referral.status) == (
        medical,
        world.crisis,
        world.health,
        ReferralStatus.SENT,
    )
    assert referral.district == world.crisis.territory
    assert referral.created_by == world.crisis_worker
    assert Notification.objects.filter(user=world.health_officer).exists()
