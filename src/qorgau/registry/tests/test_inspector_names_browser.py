"""Semey's district inspector records two victims with their contacts, then finds them by name.

In a real Chromium, in each of Kazakh, Russian and English: the README's demo account
``inspector.semey`` registers an incident whose second victim comes from "Add another victim"
(the first victim's typed values kept), with each victim's address and phone; the persons
list shows their names (the inspector's own district); the name search finds them by the
surname typed in capitals; and a victim's page shows the address and phone as typed. The test
checks the pages and the stored, encrypted identities.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.conftest import SEMEY
from qorgau.registry.models import Incident, IncidentParticipant
from qorgau.registry.names import person_identities
from qorgau.territory.models import Territory
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import LANGUAGES, assert_in_language

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# A mother and her daughter, and the husband, as each language's inspector would type them.
FAMILIES = {
    "kk": ("Сейтқалиева", ("Гүлнәр", "Әйгерім"), "Сейтқалиев"),
    "ru": ("Ахметова", ("Алёна", "Дарья"), "Ахметов"),
    "en": ("Akhmetova", ("Aigul", "Dana"), "Akhmetov"),
}
ADDRESSES = ("Semey, Abay street 12, apt 5", "Semey, Shakarim street 3")
PHONES = ("+7 701 111 22 33", "+7 702 444 55 66")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _victim(page, slot: int, surname: str, first_name: str) -> None:
    page.fill(f"#id_victim-{slot}-surname", surname)
    page.fill(f"#id_victim-{slot}-first_name", first_name)
    page.select_option(f"#id_victim-{slot}-sex", "F")
    page.fill(f"#id_victim-{slot}-address", ADDRESSES[slot])
    page.fill(f"#id_victim-{slot}-phone", PHONES[slot])


def _register_incident(page, surname: str, first_names: tuple[str, str], husband: str) -> None:
    now = timezone.localtime().replace(second=0, microsecond=0)
    _victim(page, 0, surname, first_names[0])
    page.click("button[name=add][value=victim]")
    page.wait_for_selector("#id_victim-1-surname")
    # the first victim's values are kept, with no error shown for the empty second slot
    assert page.input_value("#id_victim-0-surname") == surname
    assert page.input_value("#id_victim-0-phone") == PHONES[0]
    assert page.locator("ul.errorlist").count() == 0
    _victim(page, 1, surname, first_names[1])
    page.fill("#id_offender-0-surname", husband)
    page.select_option("#id_offender-0-sex", "M")
    page.fill("#id_offender-0-birth_date", "1984-02-03")
    page.select_option("#id_offender-0-relationship", "spouse")
    page.fill("#id_occurred_at", (now - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_reported_at", (now - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_district", str(Territory.objects.by_code(SEMEY).pk))
    page.select_option("#id_settlement_type", "urban")
    page.select_option("#id_source_channel", "call_102")
    page.check("#id_physical")
    page.click("form.incident-form button[type=submit].primary")
    page.wait_for_selector(".messages")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_inspector_records_two_victims_with_contacts_and_finds_them_by_name(
    browser_page, make_user, language
):
    page = browser_page
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector.semey")
    surname, first_names, husband = FAMILIES[language]

    sign_in(page, "inspector.semey", language)
    page.click("nav.menu a[href='/registry/']")
    assert_in_language(page, language, "My work")
    page.click("main a[href='/registry/incidents/new/']")
    assert_in_language(page, language, "Register an incident")
    _register_incident(page, surname, first_names, husband)

    incident = Incident.objects.get()
    assert incident.label in page.inner_text(".messages")
    victims = [
        p.person
        for p in IncidentParticipant.objects.filter(incident=incident, role="victim").order_by(
            "person_id"
        )
    ]
    identities = person_identities(victims, actor=inspector)
    stored = [(identities[v.pk].surname, identities[v.pk].first_name) for v in victims]
    assert stored == [(surname, first_names[0]), (surname, first_names[1])]
    assert [(identities[v.pk].address, identities[v.pk].phone) for v in victims] == list(
        zip(ADDRESSES, PHONES, strict=True)
    )

    page.click("nav.subnav a[href='/registry/persons/']")
    assert_in_language(page, language, "Persons")
    listed = page.inner_text("main table")
    assert f"{surname} {first_names[0]}" in listed and f"{surname} {first_names[1]}" in listed
    assert "None" not in listed

    page.click("nav.subnav a[href='/registry/persons/search/name/']")
    assert_in_language(page, language, "Find a person by name")
    page.fill("#id_surname", surname.upper())
    page.select_option("#id_reason", "casework")
    page.click("main form button[type=submit].primary")
    page.wait_for_selector("table.found")
    found = page.locator("table.found tbody tr")
    assert found.count() == 2
    found_text = page.inner_text("table.found")
    assert f"{husband} " not in found_text  # his surname, without the wife's ending
    assert "None" not in found_text  # an unknown year of birth reads "—"
    page.click(f"table.found a[href^='{victims[1].get_absolute_url()}?']")
    page.wait_for_selector("dd.identity")
    assert page.inner_text("dd.identity") == f"{surname} {first_names[1]}"
    facts = page.inner_text("dl.facts")
    assert ADDRESSES[1] in facts and PHONES[1] in facts
    assert "None" not in facts
