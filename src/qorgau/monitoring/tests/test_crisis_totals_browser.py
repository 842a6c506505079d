"""Semey's crisis centre enters and submits its monthly totals in a real Chromium.

The README's demo account ``crisis.semey`` opens Aggregate reports from the menu, enters last
month's figures of the crisis-centre form and submits them to the region; in Kazakh and in
Russian (English is the other crisis-centre test's). The test checks the page's figures and
status, and the stored report.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.coordination.tests.browser_world import semey_world
from qorgau.monitoring.models import AggregateReport, ReportStatus
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import assert_in_language, translated

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FIGURES = {
    "clients_total": 12,
    "clients_women": 7,
    "clients_children": 4,
    "clients_men": 1,
    "beds": 20,
    "bed_days": 310,
    "referrals_from_police": 5,
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_crisis_centre_enters_and_submits_its_monthly_totals(browser_page, make_user, language):
    page, world = browser_page, semey_world(make_user)
    assert world.crisis_worker.role == Role.CRISIS_CENTRE
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")

    sign_in(page, "crisis.semey", language)
    page.click("nav.menu a[href='/monitoring/reports/']")
    assert_in_language(page, language, "Aggregate reports")
    page.click("main a[href='/monitoring/reports/enter/']")
    page.select_option("#id_form_code", "crisis_centre")
    page.click("form:has(#id_form_code) button[type=submit]")
    page.wait_for_selector("#id_clients_total")
    assert_in_language(page, language, "Enter a report")
    page.fill("#id_period", month)
    for item, value in FIGURES.items():
        page.fill(f"#id_{item}", str(value))
    page.click("form:has(#id_period) button[type=submit].primary")
    page.wait_for_url("**/monitoring/reports/*/")
    assert translated("The figures were saved as a draft.", language) in page.inner_text(
        ".messages"
    )

    page.click("form[action$='/submit/'] button[type=submit]")
    page.wait_for_selector(".messages")
    status = translated("submitted", language)
    assert status in page.inner_text("dl.facts")
    assert "310" in page.inner_text("main table")
    report = AggregateReport.objects.get()
    assert (report.form, report.period, report.organisation, report.status) == (
        "crisis_centre",
        month,
        world.crisis,
        ReportStatus.SUBMITTED,
    )
    assert dict(report.figures.values_list("item", "value")) == FIGURES
