"""The law of the record's own date (registry.lawcheck and data/legal_rules.yaml): the same
refusal, with the field and the rule, through the service, the form, the API and the importer;
and the page that lists the rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from qorgau.accounts.roles import Role
from qorgau.conftest import SEMEY
from qorgau.registry import services as s
from qorgau.registry.lawcheck import (
    article_breach,
    article_number,
    offence_breaches,
    reconciliation_breach,
)
from qorgau.registry.legal import legal_table, rule_versions
from qorgau.registry.models import Offence
from qorgau.registry.tests import test_views
from qorgau.registry.tests.test_import import run
from qorgau.registry.tests.test_import_helpers import iin, read_rejects, write_csv
from qorgau.registry.tests.test_views import days_ago
from qorgau.territory.models import Territory

staff = test_views.staff  # the personas and the Semey case of the page tests
case = test_views.case
pytestmark = pytest.mark.django_db
D = dt.date


# --- The table and the pure checks ------------------------------------------------------------


def test_every_row_has_a_source_a_mark_and_a_title_in_three_languages():
    for rule in legal_table():
        assert rule.source and rule.confidence in ("verified", "secondary", "unverified")
        assert set(dict(rule.title)) == {"kk", "ru", "en"} and all(dict(rule.title).values())


def test_battery_and_light_harm_moved_between_the_codes_on_their_days():
    assert article_breach("administrative", "73-2", D(2023, 3, 1)) is None
    assert article_breach("administrative", "73-2", D(2024, 6, 15)) is None
    assert article_breach("administrative", "73-2", D(2024, 6, 16)).field == "article"
    assert article_breach("administrative", "73-1", D(2025, 2, 1)) is not None
    assert article_breach("criminal", "109", D(2023, 3, 1)) is not None
    assert article_breach("criminal", "109", D(2024, 6, 16)) is None
    assert article_breach("criminal", "108-1", D(2024, 7, 1)) is None  # number unverified
    assert article_breach("criminal", "73", D(2025, 1, 1)) is not None  # wrong kind
    assert article_breach("administrative", "440(3)", D(2025, 1, 1)) is None
    assert article_number("foo!") is None and article_number("73 ч.2") == "73"
    refused = article_breach("administrative", "foo!", D(2025, 1, 1))
    assert refused is not None and "foo!" in refused.message


def test_the_versions_of_an_article_never_overlap():
    by_article: dict[tuple[str, str], list] = {}
    for rule in rule_versions("offence.article"):
        by_article.setdefault((rule.value["kind"], rule.value["article"]), []).append(rule)
    for versions in by_article.values():
        for older, newer in zip(versions, versions[1:], strict=False):
            assert older.valid_to is not None and older.valid_to < newer.valid_from


def test_outcomes_follow_the_day_each_rule_names():
    def outcome(article: str, value: str, committed: dt.date, decided: dt.date) -> list[str]:
        return [
            b.field
            for b in offence_breaches(
                kind="administrative",
                article=article,
                committed_on=committed,
                decided_on=decided,
                outcome=value,
            )
        ]

    # A warning for art. 461: refused for acts from 1 July 2023 (a harsher change).
    assert outcome("461", "warning", D(2023, 6, 30), D(2023, 7, 5)) == []
    assert outcome("461", "warning", D(2023, 7, 1), D(2023, 7, 5)) == ["outcome"]
    assert outcome("73", "warning", D(2025, 1, 1), D(2025, 1, 5)) == []
    # Community service for art. 73: from decisions of 1 September 2025 (a milder change).
    assert outcome("73", "community_service", D(2025, 8, 20), D(2025, 8, 31)) == ["outcome"]
    assert outcome("73", "community_service", D(2025, 8, 20), D(2025, 9, 1)) == []


def test_a_second_reconciliation_only_where_the_law_of_the_decision_allows_it():
    once = [D(2022, 9, 1)]
    assert reconciliation_breach(
        kind="administrative", outcome="reconciliation", decided_on=D(2023, 6, 30), earlier=once
    ) is None  # fmt: skip
    assert reconciliation_breach(
        kind="criminal", outcome="reconciliation", decided_on=D(2024, 1, 10), earlier=once
    ) is None  # fmt: skip  # before Law 72-VIII only administrative cases were limited
    refused = reconciliation_breach(
        kind="criminal", outcome="reconciliation", decided_on=D(2024, 7, 1), earlier=once
    )
    assert refused is not None and refused.field == "outcome"
    with translation.override("en"):
        refused = reconciliation_breach(
            kind="administrative", outcome="reconciliation", decided_on=D(2023, 7, 1), earlier=once
        )
        assert refused is not None and "72-VIII" not in refused.message
        assert "only once" in refused.message


# --- The service (and so the page and the API) ---------------------------------------------


@pytest.fixture
def inspector(make_user):
    return make_user(Role.POLICE_INSPECTOR, SEMEY, username="erlan")


def test_the_service_refuses_what_the_law_of_the_day_excludes(inspector):
    semey = Territory.objects.by_code(SEMEY)
    offender = s.person_register(actor=inspector, sex="M")

    def record(**values):
        return s.offence_record(actor=inspector, offender=offender, district=semey, **values)

    with pytest.raises(ValidationError) as refused:
        record(kind="administrative", article="73-2", committed_on=D(2025, 2, 1))
    assert set(refused.value.message_dict) == {"article"}
    assert "73-2" in refused.value.message_dict["article"][0]
    with pytest.raises(ValidationError) as refused:
        record(kind="administrative", article="foo!", committed_on=D(2025, 2, 1))
    assert set(refused.value.message_dict) == {"article"}
    assert record(kind="administrative", article="73-2", committed_on=D(2023, 3, 1))

    first = dict(kind="administrative", article="73", outcome="reconciliation")
    record(committed_on=D(2022, 9, 1), decided_on=D(2022, 9, 20), **first)
    record(committed_on=D(2023, 3, 1), decided_on=D(2023, 3, 20), **first)  # no limit yet
    with pytest.raises(ValidationError) as refused:
        record(committed_on=D(2024, 8, 1), decided_on=D(2024, 8, 20), **first)
    assert set(refused.value.message_dict) == {"outcome"}
    assert Offence.objects.filter(outcome="reconciliation").count() == 2


def test_the_warning_ban_on_violating_an_order_comes_from_the_table(inspector):
    """The ban that was hard-coded in services_orders is the table's rule: the message names
    the rule and its basis."""
    semey = Territory.objects.by_code(SEMEY)
    offender, victim = (
        s.person_register(actor=inspector, sex="M"),
        s.person_register(actor=inspector, sex="F"),
    )
    order = s.order_issue(
        actor=inspector,
        offender=offender,
        protected=[victim],
        issued_on=D(2025, 3, 2),
        served_on=D(2025, 3, 2),
        district=semey,
    )
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        s.order_violation_record(
            actor=inspector,
            order=order,
            occurred_on=D(2025, 3, 5),
            description="phoned",
            sanction="warning",
        )
    message = refused.value.message_dict["sanction"][0]
    assert "A warning is not a penalty for violating a protective order" in message
    assert "461" in message


# --- The form and the API -------------------------------------------------------------------


def test_the_offence_form_shows_the_refusal_under_the_article(staff, case, signed_in, settings):
    client = signed_in(staff["court.abai"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        f"/registry/incidents/{case['incident'].pk}/offences/new/",
        {
            "offender": case["offender"].pk,
            "kind": "administrative",
            "article": "73-2",
            "committed_on": days_ago(3).isoformat(),
            "outcome": "pending",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert (
        "73-2" in form.errors["article"][0] and "table of legal rules" in form.errors["article"][0]
    )
    assert not Offence.objects.filter(article="73-2").exists()


def test_the_api_answers_400_naming_the_field(staff, case, signed_in):
    client = signed_in(staff["court.abai"])
    response = client.post(
        "/api/v1/offences/",
        {
            "incident": case["incident"].pk,
            "offender": case["offender"].pk,
            "kind": "administrative",
            "article": "foo!",
            "committed_on": days_ago(3).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "article" in response.json()["extra"]["fields"]
    assert not Offence.objects.filter(article="foo!").exists()


# --- The importer -----------------------------------------------------------------------------


def test_the_import_refuses_each_row_with_its_field_and_reason(tmp_path: Path):
    offender = iin(1985, 41, "M")
    base = {"kind": "administrative", "article": "73", "district": SEMEY, "offender_iin": offender}
    rows = [
        {"record_id": "O-1", **base, "committed_on": "2025-02-01", "article": "73-2"},
        {"record_id": "O-2", **base, "committed_on": "2025-02-01", "article": "foo!"},
        {"record_id": "O-3", **base, "committed_on": "2023-03-01", "article": "73-2"},
        {"record_id": "O-4", **base, "committed_on": "2024-07-01", "decided_on": "2024-07-20",
         "outcome": "reconciliation"},
        {"record_id": "O-5", **base, "committed_on": "2024-09-01", "decided_on": "2024-09-20",
         "outcome": "reconciliation"},
        {"record_id": "O-6", **base, "committed_on": "2023-08-01", "article": "461",
         "decided_on": "2023-08-03", "outcome": "warning"},
        {"record_id": "O-7", **base, "kind": "criminal", "committed_on": "2024-07-01",
         "article": "109", "decided_on": "2024-09-01", "outcome": "conviction"},
    ]  # fmt: skip
    rejects = tmp_path / "rejects.csv"
    code = run(
        "offences",
        str(write_csv(tmp_path / "o.csv", rows)),
        "--source",
        "mvd",
        "--rejects",
        str(rejects),
        "--language",
        "en",
    )
    assert code == 3
    refused = {(r["row"], r["field"]): r["reason"] for r in read_rejects(rejects)}
    assert set(refused) == {("2", "article"), ("3", "article"), ("6", "outcome"), ("7", "outcome")}
    assert "73-2" in refused[("2", "article")] and "foo!" in refused[("3", "article")]
    assert "only once" not in refused[("6", "outcome")]  # Law 72-VIII's own rule
    assert "72-VIII" in refused[("6", "outcome")]
    assert "461" in refused[("7", "outcome")]
    assert set(Offence.objects.values_list("source_record_id", flat=True)) == {"O-3", "O-4", "O-7"}

    # The stored reconciliation counts in a later file too.
    again = [{"record_id": "O-8", **base, "committed_on": "2025-01-01",
              "decided_on": "2025-01-20", "outcome": "reconciliation"}]  # fmt: skip
    assert run("offences", str(write_csv(tmp_path / "p.csv", again)), "--source", "mvd",
               "--rejects", str(rejects), "--language", "en") == 3  # fmt: skip
    assert [(r["row"], r["field"]) for r in read_rejects(rejects)] == [("2", "outcome")]


def test_the_import_refuses_a_term_outside_the_law_of_the_decision_day(tmp_path: Path):
    row = {
        "record_id": "R-1",
        "number": "2-1/2025",
        "court": "Семейский городской суд",
        "district": SEMEY,
        "decided_on": "2025-03-10",
        "term_months": "2",
        "conditions": "no_contact",
        "offender_iin": iin(1985, 43, "M"),
        "protected_iins": iin(1990, 44, "F"),
    }
    rejects = tmp_path / "rejects.csv"
    code = run(
        "requirements",
        str(write_csv(tmp_path / "r.csv", [row, {**row, "record_id": "R-2", "term_months": "3"}])),
        "--source",
        "court",
        "--rejects",
        str(rejects),
        "--language",
        "en",
    )
    assert code == 3
    [refused] = read_rejects(rejects)
    assert (refused["row"], refused["field"]) == ("2", "term_months")
    assert "between 3 and 12" in refused["reason"] and "72-VIII" in refused["reason"]


# --- The page -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "battery", "act"),
    [("kk", "Ұрып-соғу", "№ 72-VIII"), ("ru", "Побои", "№ 72-VIII"), ("en", "Battery", "72-VIII")],
)
def test_the_rules_page_lists_every_row_in_each_language(
    staff, signed_in, settings, language, battery, act
):
    client = signed_in(staff["inspector.semey"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/registry/law/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{language}"' in html
    assert battery in html and act in html and "kz-domain.md §2.4" in html
    assert len(response.context["articles"]) + len(response.context["rules"]) == len(legal_table())
    assert 'href="/registry/law/"' in html  # reachable from the registry's menu


def test_docs_list_every_rule_with_its_source():
    """docs/registry.md carries the table as generated from the YAML: it cannot drift."""
    from qorgau.registry.views_law import legal_table_markdown

    document = Path(__file__).resolve().parents[4] / "docs" / "registry.md"
    assert legal_table_markdown() in document.read_text(encoding="utf-8")
