"""A crisis-centre caseworker's day with a survivor, in a real Chromium, in Russian.

``crisis.semey`` takes her in with consent (legal aid and health only), assesses the risk
(high: she becomes the advocate), writes a safety plan, refers her to legal aid and to the
polyclinic and sees both referrals completed, schedules and records a follow-up, finds the
month's statistics and the crisis-centre register line written without retyping, records the
withdrawal of consent (a further referral is then refused) and asks to close the case; the
centre's head ``crisis.head.semey`` approves the closure. Elements are found by id and name.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.accounts.roles import Role
from qorgau.cases.models import CaseStatus, SurvivorCase
from qorgau.cases.register_feed import REGISTER_SOURCE
from qorgau.coordination.models import Referral, ReferralKind, ReferralOutcome, ReferralStatus
from qorgau.coordination.services import referral_answer, referral_report_outcome
from qorgau.coordination.tests.browser_world import semey_world
from qorgau.monitoring.models import AggregateReport
from qorgau.registry.models import Person, RegisterRecord
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import assert_in_language, translated

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LANGUAGE = "ru"


def _submit(page, form: str) -> None:
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def test_a_caseworkers_day_with_a_survivor(browser_page, make_user):
    page, world = browser_page, semey_world(make_user)
    legal = Organisation.objects.create(
        name="Legal aid, Semey",
        name_kk="Заң көмегі, Семей",
        name_ru="Юридическая помощь, Семей",
        name_en="Legal aid, Semey",
        kind=OrganisationKind.LEGAL_AID,
        territory=world.crisis.territory,
    )
    lawyer = make_user(Role.AGENCY_OFFICER, organisation=legal, username="legal.semey")
    make_user(
        Role.CRISIS_CENTRE_SUPERVISOR, organisation=world.crisis, username="crisis.head.semey"
    )
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=3)

    sign_in(page, "crisis.semey", LANGUAGE)
    page.click("nav.menu a[href='/survivor-cases/']")
    assert_in_language(page, LANGUAGE, "Survivor cases")
    page.click("main a[href='/survivor-cases/new/']")
    page.fill("#id_opened_on", last_month.isoformat())
    page.select_option("#id_district", str(world.crisis.territory_id))
    page.fill("#id_alias", "Айгуль")
    page.fill("#id_iin", "900101300007")
    page.fill("#id_birth_year", "1990")
    page.select_option("#id_referred_by", "police")
    page.select_option("#id_injury", "moderate")
    page.select_option("#id_gbvims_type", "physical_assault")
    page.check("input[name=legal_types][value=physical]")
    page.check("input[name=consent_share][value=legal_aid]")
    page.check("input[name=consent_share][value=health]")
    page.fill("#id_consent_given_on", last_month.isoformat())
    _submit(page, "main form")
    page.wait_for_url("**/survivor-cases/*/")
    case = SurvivorCase.objects.get()
    assert case.label in page.inner_text("h1")

    page.click("#assess-link")
    for item in ("strangulation", "threat_to_kill", "weapon", "escalation"):
        page.check(f"#id_item_{item}")
    page.check("input[name=needs][value=legal]")
    page.check("input[name=needs][value=health]")
    _submit(page, "#assessment-form")
    page.wait_for_url(f"**/survivor-cases/{case.pk}/")
    level = page.inner_text("#risk-level")
    assert translated("high", LANGUAGE) in level or translated("critical", LANGUAGE) in level
    case.refresh_from_db()
    assert case.advocate == world.crisis_worker

    page.fill("form[action$='/safety-plan/'] textarea[name=text]", "Сумка у соседки")
    review = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    page.fill("form[action$='/safety-plan/'] input[name=review_on]", review)
    _submit(page, "form[action$='/safety-plan/']")

    for kind, receiver, reason in (
        ("legal_aid", legal, "Иск о расторжении брака"),
        ("health", world.health, "Осмотр травм"),
    ):
        page.select_option("#id_refer-kind", str(ReferralKind.objects.get(code=kind).pk))
        page.select_option("#id_refer-receiver", str(receiver.pk))
        page.fill("#id_refer-reason", reason)
        _submit(page, "#refer-form")
    referrals = list(Referral.objects.order_by("pk"))
    assert [r.receiver for r in referrals] == [legal, world.health]
    assert all(r.sharing_basis == "consent" and r.person is None for r in referrals)
    for referral, officer in zip(referrals, (lawyer, world.health_officer), strict=True):
        referral_answer(actor=officer, referral=referral, accept=True)
        referral_report_outcome(
            actor=officer, referral=referral, outcome=ReferralOutcome.SERVICE_GIVEN
        )
    page.reload()
    shown = page.inner_text("#case-referrals")
    assert shown.count(translated("completed, outcome reported", LANGUAGE)) == 2

    due = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    page.fill("form[action$='/follow-ups/'] input[name=due_on]", due)
    page.fill("form[action$='/follow-ups/'] input[name=note]", "Звонок")
    _submit(page, "form[action$='/follow-ups/']")
    record = "form[action$='/record/']"
    page.fill(f"{record} input[name=done_on]", timezone.localdate().isoformat())
    page.fill(f"{record} input[name=note]", "Дозвонились, всё спокойно")
    _submit(page, record)
    assert "Дозвонились" in page.inner_text("main")

    page.goto("/survivor-cases/")
    page.click("#statistics-link")
    period = f"{last_month.year}-{last_month.month:02d}"
    page.fill("#id_period", period)
    _submit(page, "main form.inline")
    assert page.inner_text("#new-cases").strip() == "1"
    page.click("#fill-report")
    page.wait_for_url("**/reports/*/")
    report = AggregateReport.objects.get(organisation=world.crisis, period=period)
    figures = dict(report.figures.values_list("item", "value"))
    assert figures["clients_total"] == 1 and figures["referrals_from_police"] == 1
    line = RegisterRecord.objects.get(source=REGISTER_SOURCE)
    assert line.iin_pseudonym == case.iin_pseudonym and line.seen_on == last_month
    assert not Person.objects.exists()  # she stays unknown to the police

    page.goto(f"/survivor-cases/{case.pk}/")
    page.fill(
        "form[action$='/consent/withdraw/'] input[name=withdrawn_on]",
        timezone.localdate().isoformat(),
    )
    _submit(page, "form[action$='/consent/withdraw/']")
    page.select_option("#id_refer-kind", str(ReferralKind.objects.get(code="health").pk))
    page.select_option("#id_refer-receiver", str(world.health.pk))
    page.fill("#id_refer-reason", "Повторный осмотр")
    _submit(page, "#refer-form")
    assert Referral.objects.count() == 2  # refused: her consent is withdrawn
    assert all(r.status == ReferralStatus.COMPLETED for r in Referral.objects.all())

    page.fill("form[action$='/closure/request/'] input[name=reason]", "Переехала к сестре")
    _submit(page, "form[action$='/closure/request/']")
    page.context.clear_cookies()
    sign_in(page, "crisis.head.semey", LANGUAGE)
    page.goto(f"/survivor-cases/{case.pk}/")
    _submit(page, "form[action$='/closure/approve/']")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_by.username == "crisis.head.semey"
