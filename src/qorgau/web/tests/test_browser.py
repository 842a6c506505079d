"""A real Chromium (Debian's package, driven by Playwright) walks through the foundation.

Skipped only when no Chromium is installed and QORGAU_REQUIRE_BROWSER is unset; `.ci/run`
installs Chromium and sets QORGAU_REQUIRE_BROWSER=1, so CI never skips it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from qorgau.accounts.models import User
from qorgau.accounts.roles import Role
from qorgau.conftest import PASSWORD
from qorgau.tests.browser import BROWSER_MARKS, CHROMIUM, CHROMIUM_FLAGS

pytestmark = [
    *BROWSER_MARKS,
]


@pytest.fixture
def page(live_server, settings, monkeypatch) -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls below are plain
    # synchronous test code, which Django would otherwise refuse inside a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.QORGAU_REQUIRE_2FA = True
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        yield context.new_page()
        context.close()
        browser.close()


def _code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_administrator_signs_in_switches_language_browses_and_creates_a_user(page, make_user):
    admin = make_user(Role.ADMINISTRATOR, "000000000", username="admin", first_name="Aigerim")

    page.goto("/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/accounts/2fa/setup/**")
    assert page.locator(".qr svg").count() == 1
    page.fill("#id_otp_token", _code(admin))
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1:has-text('Welcome')")
    assert "Welcome, Aigerim" in page.inner_text("h1")

    page.click("button[lang=kk]")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert "Аумақтар" in page.inner_text("nav.menu")
    page.click("button[lang=ru]")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Территории" in page.inner_text("nav.menu")
    page.click("button[lang=en]")

    page.click("nav.menu >> text=Territories")
    page.click("text=Abai Region")
    assert "Semey City" in page.inner_text("main")
    assert "610,189" in page.inner_text("main")

    page.click("nav.menu >> text=Users")
    page.click("text=New user")
    page.fill("#id_username", "inspector.semey")
    page.select_option("#id_role", Role.POLICE_INSPECTOR.value)
    page.select_option("#id_territory", label="Semey City")
    page.fill("#id_first_name", "Erlan")
    page.fill("#id_password", "a-long-enough-Passphrase-2026")
    page.fill("#id_password_repeat", "a-long-enough-Passphrase-2026")
    page.click("button[type=submit].primary")
    assert "User inspector.semey was created." in page.inner_text(".messages")
    assert "Erlan" in page.inner_text("main")
    created = User.objects.get(username="inspector.semey")
    assert created.territory.kato_code == "101000000" and created.must_change_password


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_documentation_renders_from_self_hosted_files(page, make_user):
    make_user(Role.NATIONAL_ANALYST, "000000000", username="askar")
    failures: list[str] = []
    page.on(
        "requestfailed",
        lambda request: (
            None
            if request.failure == "net::ERR_ABORTED"  # the next navigation cut it short
            else failures.append(request.url)
        ),
    )
    page.on(
        "console",
        lambda message: failures.append(message.text) if message.type == "error" else None,
    )
    page.goto("/accounts/login/")
    page.fill("#id_username", "askar")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.goto("/api/docs/")
    # the document's first operation: Swagger UI renders only a window of the long list
    page.wait_for_selector("text=/api/v1/aggregate-reports/", timeout=15000)
    assert failures == []
