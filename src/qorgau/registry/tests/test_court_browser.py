"""A court liaison officer records a court's special behaviour requirements, a violation of
them and an offence, in a real Chromium, in Russian.

The officer finds the incident in the registry's list, records the requirements (a term
beyond the law's twelve months is refused on the form, six months accepted), records a
violation of a condition on the requirements' page, then the offence on the incident's page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import formats, timezone, translation

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, SEMEY
from qorgau.registry import choices as c
from qorgau.registry import services
from qorgau.registry.legal import legal_rule
from qorgau.registry.models import BehaviourRequirement, Offence
from qorgau.territory.models import Territory
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import translated

pytestmark = [*BROWSER_MARKS]

LANGUAGE = "ru"


def _days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def _save(page) -> None:
    page.click("main form.stacked button[type=submit].primary")
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_court_liaison_records_requirements_a_violation_and_an_offence(browser_page, make_user):
    page = browser_page
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY)
    court = make_user(Role.COURT_LIAISON, ABAI, username="court.abai")
    semey = Territory.objects.by_code(SEMEY)
    victim = services.person_register(actor=inspector, surname="Akhmetova", first_name="Aigul")
    offender = services.person_register(
        actor=inspector, sex=c.Sex.MALE, birth_date=dt.date(1985, 1, 2), surname="Akhmetov"
    )
    occurred = timezone.make_aware(dt.datetime.combine(_days_ago(10), dt.time(10)))
    incident = services.incident_register(
        actor=inspector,
        occurred_at=occurred,
        reported_at=occurred + dt.timedelta(hours=2),
        district=semey,
        settlement_type=c.SettlementType.URBAN,
        source_channel=c.SourceChannel.CALL_102,
        victims=[victim],
        offenders=[(offender, c.Relationship.SPOUSE)],
        physical=True,
    )

    sign_in(page, "court.abai", LANGUAGE)
    page.click("nav.menu a[href$='/registry/']")
    page.click("nav.subnav a[href$='/registry/incidents/']")
    assert page.get_attribute("html", "lang") == LANGUAGE
    assert page.inner_text("main h1") == translated("Incidents", LANGUAGE)
    page.click(f"table.incidents a:text-is('{incident.label}')")
    page.wait_for_selector("main dl.facts")
    assert page.inner_text("main h1") == f"{translated('Incident', LANGUAGE)} {incident.label}"
    assert page.locator(f"a[href$='/incidents/{incident.pk}/orders/new/']").count() == 0

    # The special behaviour requirements the court set: thirteen months are refused.
    page.click(f"main a.button[href$='/incidents/{incident.pk}/requirements/new/']")
    assert page.inner_text("main h1") == translated(
        "Record special behaviour requirements", LANGUAGE
    )
    assert page.input_value("#id_offender") == str(offender.pk)
    assert page.is_checked(f"input[name=protected][value='{victim.pk}']")
    page.fill("#id_number", "2-481/2026")
    page.fill("#id_court", "Семейский городской суд")
    page.fill("#id_decided_on", _days_ago(3).isoformat())
    page.fill("#id_term_months", "13")
    page.check(f"input[name=conditions][value={c.RequirementCondition.NO_CONTACT}]")
    page.check(f"input[name=conditions][value={c.RequirementCondition.ATTEND_PSYCHOCORRECTION}]")
    page.fill("#id_police_reports_per_month", "2")
    _save(page)
    # refused on the term's own field, naming the law's longest term
    term = legal_rule("requirement.term_months", _days_ago(3)).value
    assert term["max"] == 12
    error = page.inner_text("main form.stacked p:has(#id_term_months) + ul.errorlist")
    assert "12" in error and str(term["min"]) in error
    assert not error.startswith("The term"), error  # in Russian, as the rest of the page
    assert not BehaviourRequirement.objects.exists()

    page.fill("#id_term_months", "6")
    _save(page)
    page.wait_for_selector("main span.ends-on")
    requirement = BehaviourRequirement.objects.get()
    assert page.inner_text(".messages") == translated(
        "The special behaviour requirements were recorded.", LANGUAGE
    )
    assert requirement.number in page.inner_text("main h1")
    assert (requirement.term_months, requirement.starts_on, requirement.created_by) == (
        6,
        _days_ago(3),
        court,
    )
    assert requirement.offender == offender
    assert list(requirement.protected_persons.all()) == [victim]
    assert set(requirement.conditions) == {"no_contact", "attend_psychocorrection"}
    assert requirement.ends_on > requirement.starts_on + dt.timedelta(days=5 * 30)
    with translation.override(LANGUAGE):
        assert formats.date_format(requirement.ends_on, "SHORT_DATE_FORMAT") == page.inner_text(
            "main span.ends-on"
        )
    assert "Akhmetov" in page.inner_text("main dl.facts")  # the officer sees the names

    # A violation of one of its conditions.
    page.click(f"main a.button[href$='/requirements/{requirement.pk}/violation/']")
    page.fill("#id_occurred_on", _days_ago(1).isoformat())
    page.select_option("#id_condition", c.RequirementCondition.NO_CONTACT.value)
    page.fill("#id_description", "позвонил потерпевшей")
    page.select_option("#id_sanction", c.Sanction.WARNING.value)
    _save(page)
    page.wait_for_selector("main span.ends-on")
    assert page.inner_text(".messages") == translated("The violation was recorded.", LANGUAGE)
    assert "позвонил потерпевшей" in page.inner_text("main h2 + ul")
    violation = requirement.violations.get()
    assert (violation.condition, violation.sanction, violation.occurred_on) == (
        "no_contact",
        "warning",
        _days_ago(1),
    )

    # The offence, on the incident's page.
    page.click(f"main dl.facts a[href*='/incidents/{incident.pk}/']")
    page.wait_for_selector("main dl.facts")
    assert requirement.number in page.inner_text("main")
    page.click(f"main a.button[href$='/incidents/{incident.pk}/offences/new/']")
    assert page.inner_text("main h1") == translated("Record an offence", LANGUAGE)
    page.select_option("#id_offender", str(offender.pk))
    page.select_option("#id_kind", c.OffenceKind.ADMINISTRATIVE.value)
    page.fill("#id_article", "461")
    page.fill("#id_committed_on", _days_ago(1).isoformat())
    page.fill("#id_decided_on", _days_ago(0).isoformat())
    page.select_option("#id_outcome", c.OffenceOutcome.FINE.value)
    page.fill("#id_register_number", "ERAP-2026-77")
    _save(page)
    page.wait_for_selector("main dl.facts")
    assert page.inner_text(".messages") == translated("The offence was recorded.", LANGUAGE)
    row = page.locator("main tr", has_text="461")
    with translation.override(LANGUAGE):
        assert str(c.OffenceOutcome.FINE.label) in row.inner_text()
    offence = Offence.objects.get(article="461")
    assert (offence.offender, offence.incident, offence.outcome, offence.district) == (
        offender,
        incident,
        "fine",
        semey,
    )
    assert offence.created_by == court
