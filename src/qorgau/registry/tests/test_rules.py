"""Legal rules as versioned data, and risk instruments as data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from qorgau.registry.choices import RiskLevel
from qorgau.registry.legal import NoRuleInForce, legal_rule, rule_versions
from qorgau.registry.risk import (
    InstrumentError,
    instrument_load,
    instrument_parse,
    reassess_by,
    risk_score,
)


def test_the_requirement_term_follows_the_law_of_the_decision_day():
    before = legal_rule("requirement.term_months", dt.date(2024, 6, 15))
    after = legal_rule("requirement.term_months", dt.date(2024, 6, 16))
    assert before.value == {"min": 3, "max": 12} and before.act == "coao-2014"
    # The reported "1 month" wording after Law 72-VIII is unverified: the verified range holds.
    assert after.value == {"min": 3, "max": 12} and after.act == "law-72-viii"
    assert before.confidence == "verified" and after.confidence == "unverified"


def test_psychocorrection_can_be_ordered_only_since_june_2024():
    assert (
        "attend_psychocorrection"
        not in legal_rule("requirement.conditions", dt.date(2023, 1, 1)).value
    )
    assert (
        "attend_psychocorrection" in legal_rule("requirement.conditions", dt.date(2024, 7, 1)).value
    )


def test_rule_versions_do_not_overlap_and_name_their_act():
    codes = {"protective_order.term_days", "requirement.term_months", "requirement.conditions"}
    for code in codes:
        versions = rule_versions(code)
        for older, newer in zip(versions, versions[1:], strict=False):
            assert older.valid_to is not None and older.valid_to < newer.valid_from
    with translation.override("ru"):
        assert "214-IV" in legal_rule("protective_order.term_days", dt.date(2020, 1, 1)).basis
    with pytest.raises(NoRuleInForce):
        legal_rule("requirement.term_months", dt.date(2010, 1, 1))


def test_the_default_instrument_scores_and_raises_on_red_flags():
    instrument = instrument_load()
    assert instrument.code == "qorgau-risk" and instrument.version == 1
    assert risk_score(instrument, {}).level == RiskLevel.LOW
    assert risk_score(instrument, {"substance_abuse": 1, "controlling": 1}).level == RiskLevel.LOW
    flagged = risk_score(instrument, {"strangulation": True})
    assert (flagged.score, flagged.level) == (Decimal(3), RiskLevel.HIGH)
    both = risk_score(instrument, {"strangulation": 1, "threat_to_kill": 1})
    assert both.level == RiskLevel.CRITICAL
    with pytest.raises(InstrumentError):
        risk_score(instrument, {"unknown_item": 1})
    assert reassess_by(instrument, "high", dt.date(2025, 1, 1)) == dt.date(2025, 1, 8)
    with translation.override("kk"):
        assert "тұншықтырған" in instrument.items[0].label()


def _yes_no(codes, **extra):
    return [{"code": code, "text": {"en": code}, **extra} for code in codes]


def test_a_dash_style_checklist_counts_yes_answers_in_bands():
    dash = instrument_parse(
        {
            "code": "dash-style",
            "version": 1,
            "name": {"en": "DASH-style"},
            "items": _yes_no([f"q{i}" for i in range(1, 25)]),
            "levels": [
                {"level": "low", "min_score": 0},
                {"level": "medium", "min_score": 10},
                {"level": "high", "min_score": 14},
            ],
            "red_flags": [{"any": ["q5"], "min_level": "high"}],  # e.g. strangulation
            "reassess_days": {"low": 90, "medium": 30, "high": 7},
        }
    )
    assert risk_score(dash, {f"q{i}": 1 for i in range(11, 20)}).level == RiskLevel.LOW
    assert risk_score(dash, {f"q{i}": 1 for i in range(10, 20)}).level == RiskLevel.MEDIUM
    assert risk_score(dash, {f"q{i}": 1 for i in range(10, 24)}).level == RiskLevel.HIGH
    assert risk_score(dash, {"q5": 1}).level == RiskLevel.HIGH


def test_an_odara_style_actuarial_sum_maps_totals_to_bins():
    odara = instrument_parse(
        {
            "code": "odara-style",
            "version": 1,
            "name": {"en": "ODARA-style"},
            "items": _yes_no([f"o{i}" for i in range(1, 14)]),
            "levels": [
                {"level": "low", "min_score": 0},
                {"level": "medium", "min_score": 3},
                {"level": "high", "min_score": 5},
                {"level": "critical", "min_score": 7},
            ],
            "reassess_days": {"low": 90, "medium": 30, "high": 7, "critical": 3},
        }
    )
    scores = [risk_score(odara, {f"o{i}": 1 for i in range(1, n + 1)}) for n in range(14)]
    assert [s.score for s in scores] == [Decimal(n) for n in range(14)]
    assert [s.level for s in scores][:8] == [
        "low",
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
        "critical",
    ]


def test_a_viogen_style_weighted_score_with_an_extreme_risk_check_and_counts():
    viogen = instrument_parse(
        {
            "code": "viogen-style",
            "version": 5,
            "name": {"en": "VioGén-style"},
            "items": _yes_no(["prior_violence", "weapon", "jealousy"], weight=2)
            + [
                {
                    "code": "incidents_last_year",
                    "text": {"en": "count"},
                    "weight": 1.5,
                    "max_count": 4,
                }
            ],
            "levels": [
                {"level": "low", "min_score": 0},
                {"level": "medium", "min_score": 4},
                {"level": "high", "min_score": 7},
            ],
            "red_flags": [{"all": ["weapon", "jealousy"], "min_level": "critical"}],
            "reassess_days": {"low": 60, "medium": 30, "high": 7, "critical": 3},
        }
    )
    assert risk_score(viogen, {"incidents_last_year": 4}).score == Decimal("6.0")
    assert risk_score(viogen, {"incidents_last_year": 4}).level == RiskLevel.MEDIUM
    assert risk_score(viogen, {"weapon": 1, "jealousy": 1}).level == RiskLevel.CRITICAL
    with pytest.raises(InstrumentError):
        risk_score(viogen, {"incidents_last_year": 5})


@pytest.mark.parametrize(
    "broken",
    [
        {"levels": [{"level": "low", "min_score": 2}]},
        {"red_flags": [{"any": ["nope"], "min_level": "high"}]},
        {"items": [{"code": "a", "text": {"en": "a"}}, {"code": "a", "text": {"en": "b"}}]},
        {"reassess_days": {"low": 90}},
    ],
)
def test_inconsistent_instruments_are_refused(broken):
    data = {
        "code": "x",
        "version": 1,
        "name": {"en": "x"},
        "items": _yes_no(["a", "b"]),
        "levels": [{"level": "low", "min_score": 0}, {"level": "high", "min_score": 1}],
        "reassess_days": {"low": 90, "high": 7},
    }
    data.update(broken)
    with pytest.raises(InstrumentError):
        instrument_parse(data)
