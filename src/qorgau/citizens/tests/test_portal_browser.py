"""The public portal in a real Chromium (Debian's, through Playwright), as a person uses it.

Launched exactly like the registry's browser tests: ``/usr/bin/chromium`` by path, headless,
with the flags of ``.ci/run``. axe-core (vendored from npm under ``qorgau/tests/vendor``) checks
WCAG 2.1 A/AA on the public pages; it is injected with the page's CSP bypassed, in tests only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as DjangoClient

from qorgau.accounts.roles import Role
from qorgau.citizens.models import CitizenReport
from qorgau.conftest import KURCHATOV, MEDEU, SEMEY
from qorgau.territory.models import Territory
from qorgau.tests.browser import AXE, BROWSER_MARKS, CHROMIUM, CHROMIUM_FLAGS

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PUBLIC_PAGES = [
    "/portal/",
    "/portal/report/",
    "/portal/status/",
    "/portal/help/",
    "/portal/volunteer/",
    "/portal/activities/",
    "/portal/statistics/",
    "/portal/safety/",
    "/portal/weather/",
]


@pytest.fixture
def browser(live_server, settings, monkeypatch) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.QORGAU_REQUIRE_2FA = False
    settings.QORGAU_CITIZENS_RATE_LIMITS = {"report": (50, 3600), "lookup": (50, 3600)}
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def new_page(browser: Any, live_server: Any, **options: Any) -> Any:
    # A small phone: the portal must work at 360 px.
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 360, "height": 740},
        **options,
    )
    return context.new_page()


def fill_report(page: Any, code: str, account: str) -> str:
    page.fill("#id_account", account)
    page.select_option("#id_district", str(Territory.objects.by_code(code).pk))
    page.select_option("#id_at_risk", "woman")
    page.check("#id_children_involved")
    page.fill("#id_contact", "+7 701 000 00 00, weekdays 10-12")
    page.click("button[type=submit].primary")
    page.wait_for_selector("#receipt")
    return page.inner_text("#receipt")


def test_reports_in_each_language_reach_their_districts_queue(browser, live_server, make_user):
    page = new_page(browser, live_server)
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    receipts = {}
    for language, code in (("kk", SEMEY), ("ru", MEDEU), ("en", KURCHATOV)):
        page.goto("/portal/report/")
        page.click(f".lang button[value={language}]")
        page.wait_for_selector(f"html[lang={language}]")
        assert page.url.endswith("/portal/report/")
        receipts[language] = fill_report(page, code, f"report in {language}")
    hostile = '<script>alert("pwned")</script><img src=x onerror=alert(2)> Ωמ\u202e'
    page.goto("/portal/report/")
    page.click(".lang button[value=en]")
    fill_report(page, SEMEY, hostile)
    kk, ru, en, hostile_report = CitizenReport.objects.order_by("pk")
    assert (kk.language, kk.district.kato_code) == ("kk", SEMEY)
    assert (ru.language, ru.district.kato_code) == ("ru", MEDEU)
    assert (en.language, en.district.kato_code) == ("en", KURCHATOV)

    # The status lookup by receipt code.
    page.goto("/portal/status/")
    page.fill("#id_receipt", receipts["ru"])
    page.click("button[type=submit].primary")
    page.wait_for_selector("#report-status")
    assert "waiting to be read" in page.inner_text("#report-status")

    # Semey's inspector sees the Semey reports, not those of Medeu or Kurchatov.
    # (Signed in through a session made on the server: the sign-in form has its own tests, and
    # under heavy load its password hashing outlasted the page's wait.)
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector.semey")
    staff = DjangoClient()
    staff.force_login(inspector)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": staff.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto("/portal/triage/")
    queue = page.inner_text("#queue")
    assert kk.label in queue and hostile_report.label in queue
    assert ru.label not in queue and en.label not in queue

    # The hostile text is shown as text: no script ran, no element was injected.
    page.click(f"#queue >> text={hostile_report.label}")
    page.wait_for_selector("#account")
    assert '<script>alert("pwned")</script>' in page.inner_text("#account")
    assert page.locator("#account script, #account img").count() == 0
    assert dialogs == []


def test_quick_exit_replaces_the_page_and_back_does_not_return(browser, live_server):
    page = new_page(browser, live_server)
    page.goto("/portal/")
    page.click(".tiles >> text=Find help")
    page.wait_for_url("**/portal/help/")
    page.keyboard.press("Escape")
    page.wait_for_url("**/portal/weather/")
    assert page.title() == "Weather"
    page.go_back()
    assert page.url == "about:blank"
    # The button does the same.
    page.goto("/portal/report/")
    page.click("#quick-exit")
    page.wait_for_url("**/portal/weather/")
    page.go_back()
    assert "/portal/report/" not in page.url and "/portal/" not in page.url


def test_the_form_works_without_javascript(browser, live_server):
    page = new_page(browser, live_server, java_script_enabled=False)
    page.goto("/portal/report/")
    page.check("#id_happening_now")
    receipt = fill_report(page, MEDEU, "no javascript here")
    assert len(receipt.replace("-", "")) == 12
    main = page.inner_text("main")
    assert main.index("102") < main.index(receipt)
    report = CitizenReport.objects.get()
    assert report.happening_now and report.district.kato_code == MEDEU
    # Without JavaScript the quick exit is an ordinary link to the neutral page.
    page.click("#quick-exit")
    page.wait_for_url("**/portal/weather/")


def test_axe_finds_no_serious_or_critical_violation(browser, live_server):
    page = new_page(browser, live_server, bypass_csp=True)
    script = AXE.read_text(encoding="utf-8")
    problems = []

    def check(label: str) -> None:
        page.add_script_tag(content=script)
        result = page.evaluate(
            "axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        )
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                problems.append((label, violation["id"], violation["help"]))

    for path in PUBLIC_PAGES:
        page.goto(path)
        check(path)
    page.goto("/portal/report/")
    page.click("button[type=submit].primary")  # the form with its error messages
    page.wait_for_selector(".field-errors")
    check("report with errors")
    fill_report(page, SEMEY, "axe")
    check("receipt")
    assert problems == []
