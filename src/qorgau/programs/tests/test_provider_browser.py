"""Semey's programme provider enrols an obliged offender and sees him through, in Chromium.

The README's demo account ``provider.semey`` opens its programmes from the menu, finds an
offender a court obliged to attend (the list follows the registry's requirements), enrols him
on its programme, records his sessions and marks the programme completed. Every step is a
click or a form on the pages; the test checks what the page shows and what was stored. In
kk, ru and en: the dates go through the date fields of each language's page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import formats, timezone, translation

from qorgau.coordination.tests.browser_world import semey_world
from qorgau.programs.models import (
    Accreditation,
    Enrolment,
    EnrolmentStatus,
    Programme,
    ProgrammeFormat,
    Provider,
)
from qorgau.programs.tests.conftest import make_requirement
from qorgau.synth.demo import ACCREDITED
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import LANGUAGES, assert_in_language, translated

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _programme(world) -> Programme:
    """The demo provider on the register with a short programme (two sessions)."""
    provider = Provider.objects.create(
        organisation=world.provider,
        region=world.provider.territory.parent,
        ownership="state",
        accreditation=Accreditation.ACCREDITED,
        accredited_from=ACCREDITED[0],
        accredited_until=ACCREDITED[1],
    )
    return Programme.objects.create(
        provider=provider,
        name="«Жаңа өмір»",
        sessions=2,
        format=ProgrammeFormat.GROUP,
        languages=["kk", "ru"],
        capacity=12,
        accreditation=Accreditation.ACCREDITED,
    )


def _shown(day: dt.date, language: str) -> str:
    """``day`` as the pages of ``language`` show it."""
    with translation.override(language):
        return formats.date_format(day)


def _record_session(page, day: dt.date, language: str) -> None:
    page.fill("form[action$='/attendance/'] input[name=held_on]", day.isoformat())
    assert page.is_checked("form[action$='/attendance/'] input[name=attended]")
    page.click("form[action$='/attendance/'] button[type=submit]")
    page.locator("main table tr", has_text=_shown(day, language)).wait_for()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_provider_enrols_an_obliged_offender_and_records_his_completion(
    browser_page, make_user, language
):
    page, world = browser_page, semey_world(make_user)
    programme = _programme(world)
    requirement = make_requirement()
    today = timezone.localdate()

    sign_in(page, "provider.semey", language)
    page.click("nav.menu a[href='/programmes/']")
    assert_in_language(page, language, "Psychocorrection programmes")
    page.click("main a[href='/programmes/participants/']")
    assert_in_language(page, language, "Participants")
    assert requirement.number in page.inner_text("main table")
    page.click(f"main a[href='/programmes/participants/enrol/{requirement.pk}/']")
    page.select_option("#id_programme", str(programme.pk))
    # the date of enrolment is today unless changed: shown in the field in every language
    assert page.input_value("#id_on") == today.isoformat()
    page.fill("#id_on", (today - dt.timedelta(days=20)).isoformat())
    page.click("main form button[type=submit].primary")
    page.wait_for_url("**/programmes/enrolments/*/")
    enrolment = Enrolment.objects.get()
    assert enrolment.label in page.inner_text("h1")
    assert translated("enrolled", language) in page.inner_text("main")

    _record_session(page, today - dt.timedelta(days=14), language)
    _record_session(page, today - dt.timedelta(days=7), language)
    assert page.input_value("form[action$='/complete/'] input[name=on]") == today.isoformat()
    page.click("form[action$='/complete/'] button[type=submit]")
    page.wait_for_selector("form[action$='/attendance/']", state="detached")

    assert translated("completed", language) in page.inner_text("main")
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.programme, enrolment.ended_on) == (
        EnrolmentStatus.COMPLETED,
        programme,
        today,
    )
    assert enrolment.enrolled_on == today - dt.timedelta(days=20)
    assert list(enrolment.attendance.values_list("number", "attended")) == [(1, True), (2, True)]
