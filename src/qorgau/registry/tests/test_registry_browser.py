"""A district police inspector works a case in a real Chromium (Debian's, through Playwright)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from qorgau.accounts.roles import Role
from qorgau.conftest import PASSWORD, SEMEY
from qorgau.registry.models import Incident, OrderCheckIn, ProtectiveOrder
from qorgau.tests.browser import BROWSER_MARKS, CHROMIUM, CHROMIUM_FLAGS

pytestmark = [
    *BROWSER_MARKS,
]


@pytest.fixture
def page(live_server, settings, monkeypatch) -> Iterator:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.QORGAU_REQUIRE_2FA = True
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        yield context.new_page()
        context.close()
        browser.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_inspector_registers_an_incident_issues_serves_and_checks_an_order(page, make_user):
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector.semey")
    device = TOTPDevice.objects.create(user=inspector, name="phone", confirmed=True)

    page.goto("/accounts/login/")
    page.fill("#id_username", "inspector.semey")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/accounts/2fa/**")
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.fill("#id_otp_token", f"{code:06d}")
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1:has-text('Welcome')")

    page.goto("/registry/")
    page.click("text=Register an incident")
    now = timezone.localtime().replace(second=0, microsecond=0)
    page.fill("#id_victim-0-surname", "Akhmetova")
    page.fill("#id_victim-0-first_name", "Aigul")
    page.select_option("#id_victim-0-sex", "F")
    page.fill("#id_offender-0-surname", "Akhmetov")
    page.select_option("#id_offender-0-sex", "M")
    page.fill("#id_offender-0-birth_date", "1984-02-03")
    page.select_option("#id_offender-0-relationship", "spouse")
    page.fill("#id_occurred_at", (now - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_reported_at", (now - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_district", label="Semey City")
    page.select_option("#id_settlement_type", "urban")
    page.select_option("#id_source_channel", "call_102")
    page.check("#id_physical")
    page.check("#id_administrative_protocol")
    page.click("button[type=submit].primary")
    page.wait_for_selector(".messages")
    incident = Incident.objects.get()
    assert f"Incident {incident.label} was registered." in page.inner_text(".messages")

    page.click("text=Issue a protective order")
    page.click("button[type=submit].primary")
    page.wait_for_selector("dd.status")
    order = ProtectiveOrder.objects.get()
    assert order.number in page.inner_text("h1")
    assert "issued, not yet served" in page.inner_text("dd.status")

    page.click("text=Serve the order")
    page.click("button[type=submit].primary")
    page.wait_for_selector("text=The service of the order was recorded.")
    assert page.inner_text("dd.status") == "active"

    page.click("text=Record a compliance check")
    page.fill("#id_note", "talked to both")
    page.click("button[type=submit].primary")
    page.wait_for_selector("text=The compliance check was recorded.")
    assert "talked to both" in page.inner_text("ul.check-ins")
    assert OrderCheckIn.objects.get().order == order

    page.goto("/registry/?days=30")
    assert order.number in page.inner_text("#expiring")
    assert incident.label in page.inner_text("#latest-incidents")
    page.click(f"#expiring >> text={order.number}")
    page.wait_for_selector("dd.status")
    assert "Reason for access" not in page.inner_text("main")
