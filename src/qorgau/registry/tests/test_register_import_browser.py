"""A crisis centre hands over its records through the Imports page, in a real Chromium, in
Kazakh, Russian and English: the page offers its own register only, the job runs, the counts
and the rejected rows come back, and a second upload of the same file adds nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from qorgau.accounts.models import OrganisationKind
from qorgau.accounts.roles import Role
from qorgau.conftest import PASSWORD, SEMEY
from qorgau.registry.models import ImportJob, RegisterRecord
from qorgau.tests.browser import BROWSER_MARKS, CHROMIUM, CHROMIUM_FLAGS

pytestmark = [*BROWSER_MARKS]

# What each language's page says, so that a page left untranslated fails the test.
WORDS = {
    "kk": {"done": "аяқталды", "register": "дағдарыс орталығы"},
    "ru": {"done": "завершено", "register": "кризисный центр"},
    "en": {"done": "done", "register": "crisis centre"},
}


@pytest.fixture
def page(live_server, settings, monkeypatch) -> Iterator:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.QORGAU_REQUIRE_2FA = True
    settings.QORGAU_IMPORTS_IN_BACKGROUND = False
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        yield context.new_page()
        context.close()
        browser.close()


def _records_file(path: Path, prefix: str) -> Path:
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    path.write_text(
        "record_id,seen_on,district,surname,first_name,sex,birth_year,injury\n"
        f"{prefix}-1,{day},{SEMEY},Ахметова,Айгүл,F,1990,light\n"
        f"{prefix}-2,{day},{SEMEY},,Dana,F,,\n"
        f"{prefix}-3,{future},{SEMEY},Серикова,Жанар,F,1985,\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_crisis_centre_imports_its_records_through_the_page(
    page, make_user, make_organisation, tmp_path, language
):
    centre = make_organisation("Crisis centre Semey", SEMEY, OrganisationKind.CRISIS_CENTRE)
    user = make_user(Role.CRISIS_CENTRE, organisation=centre, username="crisis.semey")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    words = WORDS[language]

    page.goto("/accounts/login/")
    page.fill("#id_username", "crisis.semey")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/accounts/2fa/**")
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.fill("#id_otp_token", f"{code:06d}")
    page.click("button[type=submit].primary")
    page.wait_for_selector("nav.menu")
    page.click(f"button[lang={language}]")
    assert page.locator("html").get_attribute("lang") == language

    page.click("nav.menu a[href$='/registry/import/']")
    page.click("a.button[href$='/new/']")
    kinds = page.locator("#id_kind option").all_inner_texts()
    assert len(kinds) == 1  # records of its own register, nothing of the police
    registers = [
        o.strip().lower() for o in page.locator("#id_register option").all_inner_texts() if o != "—"
    ]
    assert registers == [words["register"]]

    upload = _records_file(tmp_path / "records.csv", language)
    page.fill("#id_source", "crisis-semey")
    page.set_input_files("#id_file", str(upload))
    page.click("button[type=submit].primary")
    page.wait_for_selector("dd[data-field=status]")
    assert words["done"] in page.inner_text("dd[data-field=status]").lower()
    assert page.inner_text("dd[data-field=accepted_rows]") == "2"
    assert page.inner_text("dd[data-field=rejected_rows]") == "1"
    assert page.locator("a[href$='/rejects.csv']").count() == 1

    stored = RegisterRecord.objects.filter(source="crisis-semey")
    assert stored.count() == 2
    assert set(stored.values_list("register", flat=True)) == {"crisis_centre"}
    assert set(stored.values_list("organisation", flat=True)) == {centre.pk}
    assert "Ахметова" not in "".join(stored.values_list("surname_token", flat=True))

    page.click("nav.menu a[href$='/registry/import/']")
    page.click("a.button[href$='/new/']")
    page.fill("#id_source", "crisis-semey")
    page.set_input_files("#id_file", str(upload))
    page.click("button[type=submit].primary")
    page.wait_for_selector("dd[data-field=status]")
    assert page.inner_text("dd[data-field=accepted_rows]") == "0"
    assert RegisterRecord.objects.filter(source="crisis-semey").count() == 2
    assert ImportJob.objects.filter(created_by=user).count() == 2
