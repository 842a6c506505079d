"""Semey's district inspector gives an official warning and puts the offender on the preventive
register from his page, in Kazakh, in a real Chromium.

The person page lists both with the warning's term from the table of legal rules, the dates as
the Kazakh interface writes them, the measure under its official Kazakh name; the records are
stored for the person and district chosen.
"""

from __future__ import annotations

import pytest
from django.utils import formats, translation

from qorgau.accounts.roles import Role
from qorgau.audit.services import flow_token
from qorgau.conftest import SEMEY
from qorgau.registry import services as s
from qorgau.registry.models import PreventionMeasure, PreventiveRegisterEntry
from qorgau.territory.models import Territory
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import assert_in_language, translated

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_inspector_warns_and_registers_an_offender_from_his_page_in_kk(browser_page, make_user):
    page = browser_page
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector.semey")
    offender = s.person_register(actor=inspector, sex="M")
    semey = Territory.objects.by_code(SEMEY)

    sign_in(page, "inspector.semey", "kk")
    page.goto(f"{offender.get_absolute_url()}?flow={flow_token(inspector, offender)}")
    assert_in_language(page, "kk", "Person")
    assert page.locator("nav.subnav a[href='/registry/register/']").count() == 1

    page.click("#record-warning")
    assert page.is_checked("input[name=kind][value=official_warning]")
    page.fill("#id_held_on", "2026-03-10")
    page.select_option("#id_district", str(semey.pk))
    page.fill("#id_note", "ерлі-зайыптылар жанжалы")
    page.click("main form button[type=submit].primary")
    page.wait_for_selector("table.measures")

    page.click("#register-enter")
    page.fill("#id_entered_on", "2026-04-01")
    page.select_option("#id_district", str(semey.pk))
    page.fill("#id_grounds", "екі ескерту")
    page.click("main form button[type=submit].primary")
    page.wait_for_selector("table.register a.leave")

    warning = PreventionMeasure.objects.get()
    entry = PreventiveRegisterEntry.objects.get()
    assert (warning.person, warning.district, warning.kind) == (offender, semey, "official_warning")
    assert (entry.person, entry.district, entry.left_on) == (offender, semey, None)
    measures = page.inner_text("table.measures")
    with translation.override("kk"):
        ends = formats.date_format(warning.ends_on, "SHORT_DATE_FORMAT")
    assert translated("official warning", "kk").capitalize() in measures
    assert ends in measures and "2026-04-08" not in measures
    register = page.inner_text("table.register")
    assert "екі ескерту" in register and "None" not in register
