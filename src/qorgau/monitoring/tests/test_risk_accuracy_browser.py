"""The risk instrument's accuracy page at work, in a real Chromium, in Russian.

On a small synthetic country, Abai's police supervisor, who answers for the instrument, opens
the page from the main menu, reads the three windows, turns the detail to serious harm within
12 months and finds the share by level, the breakdowns and the items there. Elements are found
by id, menu links by their address.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import assert_in_language, translated

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LANGUAGE = "ru"
SYNTH = ("synth", "--years", "2023-2025", "--scale", "0.003", "--seed", "7", "--clear")


def test_the_supervisor_reads_how_well_the_score_predicted(browser_page, make_user):
    call_command(*SYNTH, stdout=io.StringIO(), stderr=io.StringIO())
    make_user(Role.POLICE_SUPERVISOR, ABAI, username="police.abai")
    page = browser_page
    sign_in(page, "police.abai", LANGUAGE)

    address = reverse("monitoring:risk_accuracy")
    page.click(f"nav.menu a[href='{address}']")
    assert_in_language(page, LANGUAGE, "Accuracy of the risk instrument")
    for months in (3, 6, 12):
        assert page.locator(f"#window-{months}").count() == 1
        rows = page.locator(f"table[aria-labelledby='window-{months}'] tbody tr")
        assert rows.count() == 5  # four outcomes and "any of them"
    first = page.inner_text("table[aria-labelledby='window-3'] tbody tr:first-child")
    assert translated("re-victimisation", LANGUAGE) in first

    page.click("#detail ~ p a[href*='outcome=serious_harm']")
    page.wait_for_url("**outcome=serious_harm**")
    page.click("#detail ~ p a[href*='window=12']")
    page.wait_for_url("**window=12**")
    chosen = page.locator("#detail ~ p strong")
    assert chosen.nth(0).inner_text() == translated("serious harm", LANGUAGE)
    assert chosen.nth(1).inner_text().startswith("12 ")
    levels = page.locator("table[aria-labelledby='levels'] tbody tr")
    assert levels.count() == 4
    assert translated("critical", LANGUAGE) in levels.nth(3).inner_text()
    assert page.locator("#items").count() == 1
    items = page.locator("table[aria-labelledby='items'] tbody tr")
    assert items.count() >= 16
    assert page.locator("h3[id^='by-']").count() == 4  # version, year, sex, region
