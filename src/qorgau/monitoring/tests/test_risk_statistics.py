"""The accuracy statistics proved on data generated for no other purpose than to know the answer:
two normal distributions of scores whose AUC is Φ(d/√2), and tiny tables checked by SciPy and
by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu, norm

from qorgau.monitoring.risk_accuracy import version_drifts
from qorgau.monitoring.risk_outcomes import window_outcomes
from qorgau.monitoring.risk_statistics import (
    auc_delong,
    auc_delong_paired,
    drifted,
    level_shares,
    odds_ratio,
    rises_with_level,
)


def _binormal(rng: np.random.Generator, separation: float, cases: int, controls: int) -> tuple:
    scores = np.concatenate([rng.normal(separation, 1, cases), rng.normal(0, 1, controls)])
    outcome = np.r_[np.ones(cases, bool), np.zeros(controls, bool)]
    return scores, outcome


@pytest.mark.parametrize("separation", [0.5, 1.0, 2.0])
def test_delong_interval_covers_the_known_auc_in_most_replications(separation: float) -> None:
    """Scores of cases ~ N(d, 1), of controls ~ N(0, 1): the AUC is Φ(d/√2). A 95% interval
    must cover it in about 95% of replications; 50 seeded replications allow a few misses."""
    truth = float(norm.cdf(separation / math.sqrt(2)))
    covered = 0
    for seed in range(50):
        scores, outcome = _binormal(np.random.default_rng(seed), separation, 60, 240)
        auc = auc_delong(scores, outcome)
        assert auc is not None
        covered += auc.covers(truth)
    assert covered >= 44, f"{covered}/50 intervals covered AUC {truth:.3f}"


def test_interval_narrows_with_more_assessments() -> None:
    rng = np.random.default_rng(1)
    small = auc_delong(*_binormal(rng, 1.0, 30, 120))
    large = auc_delong(*_binormal(rng, 1.0, 3000, 12000))
    assert small is not None and large is not None
    assert large.high - large.low < (small.high - small.low) / 5
    assert abs(large.value - norm.cdf(1 / math.sqrt(2))) < 0.02


def test_auc_of_a_tiny_table_is_mann_whitney_u_over_n1_n0() -> None:
    """With ties (the scores of a checklist are integers), each tied pair counts half."""
    scores = [3, 5, 5, 8, 10, 2, 3, 5, 6]
    outcome = [True, True, True, True, True, False, False, False, False]
    auc = auc_delong(scores, outcome)
    u = mannwhitneyu([3, 5, 5, 8, 10], [2, 3, 5, 6]).statistic
    assert auc is not None
    assert auc.value == pytest.approx(u / (5 * 4))
    # by hand, of the 20 pairs: 3 ties (3–3, 5–5 twice) and 4 losses (3–5, 3–6, 5–6 twice)
    assert auc.value == pytest.approx(14.5 / 20)


def test_auc_needs_two_assessments_with_the_outcome_and_two_without() -> None:
    assert auc_delong([1, 2, 3], [True, False, False]) is None
    assert auc_delong([1, 2, 3, 4], [True, True, False, False]) is not None


def test_perfect_separation_and_reversal() -> None:
    perfect = auc_delong([5, 6, 1, 2], [True, True, False, False])
    reversed_ = auc_delong([1, 2, 5, 6], [True, True, False, False])
    assert perfect is not None and reversed_ is not None
    assert perfect.value == 1.0 and reversed_.value == 0.0


def test_odds_ratio_of_a_two_by_two_table() -> None:
    """yes: 6 with the outcome, 4 without; no: 2 with, 8 without → OR = (6·8)/(4·2) = 6."""
    answer = [1] * 10 + [0] * 10
    outcome = [True] * 6 + [False] * 4 + [True] * 2 + [False] * 8
    odds = odds_ratio(answer, outcome)
    assert odds is not None
    assert odds.ratio == pytest.approx(6.0)
    half = 1.959964 * math.sqrt(1 / 6 + 1 / 4 + 1 / 2 + 1 / 8)
    assert odds.low == pytest.approx(6.0 * math.exp(-half), rel=1e-4)
    assert (odds.yes, odds.yes_events) == (10, 6)


def test_shares_by_level_and_whether_they_rise() -> None:
    levels = ["low"] * 10 + ["high"] * 10
    outcome = [True] * 1 + [False] * 9 + [True] * 4 + [False] * 6
    shares = level_shares(levels, outcome, ["low", "medium", "high"])
    assert [(s.assessed, s.events) for s in shares] == [(10, 1), (0, 0), (10, 4)]
    assert shares[0].share == pytest.approx(0.1) and shares[0].low < 0.1 < shares[0].high
    assert rises_with_level(shares) is True  # the empty level is skipped
    falling = level_shares(levels, list(reversed(outcome)), ["low", "high"])
    assert rises_with_level(falling) is False


def test_drift_is_a_latest_auc_outside_the_earlier_interval() -> None:
    rng = np.random.default_rng(3)
    earlier = auc_delong(*_binormal(rng, 1.5, 400, 1600))
    same = auc_delong(*_binormal(rng, 1.5, 100, 400))
    worse = auc_delong(*_binormal(rng, 0.2, 100, 400))
    assert not drifted(earlier, same)
    assert drifted(earlier, worse)
    assert not drifted(None, worse)


def test_a_window_not_ended_by_the_data_end_is_censored_not_a_no() -> None:
    """Assessed on 1 March: a re-victimisation on 20 May is within 3 months (to 1 June); on
    2 June it is not. Assessed on 1 December, the window runs past the data's end."""
    day = pd.Timestamp
    frame = pd.DataFrame(
        {
            "day": [day("2024-03-01"), day("2024-03-01"), day("2024-12-01")],
            "revictimisation": [day("2024-05-20"), day("2024-06-02"), pd.NaT],
            "breach": [pd.NaT, pd.NaT, pd.NaT],
            "serious_harm": [pd.NaT, day("2024-06-01 23:00"), pd.NaT],
            "death": [pd.NaT, pd.NaT, pd.NaT],
        }
    )
    kept, censored = window_outcomes(frame, 3, pd.Timestamp("2024-12-31").date())
    assert censored == 1
    assert kept["revictimisation"].tolist() == [True, False]
    assert kept["serious_harm"].tolist() == [False, True]  # the window's last day counts
    assert kept["any"].tolist() == [True, True]


def test_a_version_whose_latest_year_predicts_worse_is_flagged() -> None:
    """Two earlier years where the score separates (d = 1.5), then a year where it does not:
    that version is flagged, the steady one is not."""
    rng = np.random.default_rng(5)
    parts = []
    for version, last_separation in ((1, 0.0), (2, 1.5)):
        for year, separation in ((2023, 1.5), (2024, 1.5), (2025, last_separation)):
            scores, outcome = _binormal(rng, separation, 100, 400)
            parts.append(
                pd.DataFrame(
                    {"instrument": "qorgau-risk", "version": version, "year": year,
                     "score": scores, "revictimisation": outcome}
                )
            )  # fmt: skip
    flagged = version_drifts(pd.concat(parts, ignore_index=True), "revictimisation")
    assert [(d.version, d.year) for d in flagged] == [("qorgau-risk v1", 2025)]
    assert flagged[0].latest.high < flagged[0].earlier.low


def test_the_paired_difference_covers_the_known_difference_in_most_replications() -> None:
    """Two scores of the same assessments, correlated (ρ = 0.6 within cases and controls),
    with known AUCs Φ(d₁/√2) and Φ(d₂/√2): the paired interval of their difference covers the
    true difference in most of 60 replications, and is narrower than treating them apart."""
    d1, d2, rho = 0.8, 1.3, 0.6
    truth = float(norm.cdf(d2 / math.sqrt(2)) - norm.cdf(d1 / math.sqrt(2)))
    covered, narrower = 0, 0
    for seed in range(60):
        rng = np.random.default_rng(1000 + seed)
        cases, controls = 80, 320
        shared = rng.normal(0, 1, cases + controls)
        own = rng.normal(0, 1, cases + controls)
        outcome = np.r_[np.ones(cases, bool), np.zeros(controls, bool)]
        first = shared + d1 * outcome
        second = rho * shared + math.sqrt(1 - rho**2) * own + d2 * outcome
        compared = auc_delong_paired(first, second, outcome)
        assert compared is not None
        assert compared.difference == pytest.approx(compared.second.value - compared.first.value)
        covered += compared.low <= truth <= compared.high
        apart = math.hypot(
            (compared.first.high - compared.first.low), (compared.second.high - compared.second.low)
        )
        narrower += (compared.high - compared.low) < apart
    assert covered >= 52  # 95% of 60 is 57; a few misses by chance
    assert narrower >= 55  # the correlation is used, not ignored


def test_the_same_score_twice_differs_by_nothing() -> None:
    scores, outcome = _binormal(np.random.default_rng(3), 1.0, 30, 90)
    compared = auc_delong_paired(scores, scores, outcome)
    assert compared is not None
    assert (compared.difference, compared.low, compared.high, compared.p_value) == (0, 0, 0, 1)
    assert auc_delong_paired(scores[:3], scores[:3], outcome[:3]) is None
