"""What the browser tests share: Debian's Chromium, its flags, axe-core and the skip rule.

A browser test is skipped only when no Chromium is installed and QORGAU_REQUIRE_BROWSER is
unset; `.ci/run` installs Chromium and sets QORGAU_REQUIRE_BROWSER=1, so CI never skips one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core from npm, see vendor/README.md

if not CHROMIUM and os.environ.get("QORGAU_REQUIRE_BROWSER"):
    raise RuntimeError("QORGAU_REQUIRE_BROWSER is set but no chromium is installed")

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium installed (apt-get install chromium)"),
]


def sign_in(page: Any, username: str, language: str = "en", password: str | None = None) -> None:
    """Sign ``username`` in through the sign-in form (two-factor sign-in off, as on the demo)
    and switch the interface to ``language`` with the header's language buttons, as a user does.
    """
    from qorgau.conftest import PASSWORD

    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or PASSWORD)
    page.click("main button[type=submit].primary")
    page.wait_for_selector("nav.menu")
    if language != page.get_attribute("html", "lang"):
        page.click(f"button[name=language][value={language}]")
        page.wait_for_selector(f"html[lang={language}]")


@pytest.fixture
def browser_page(live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A Chromium page on the live server, two-factor sign-in off (the demo's setting)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are
    # plain synchronous code, which Django would otherwise refuse inside a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.QORGAU_REQUIRE_2FA = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(
            base_url=live_server.url, locale="en-US", viewport={"width": 1366, "height": 900}
        )
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()
