"""The survival pipeline against published figures, and against a known simulated effect.

Reference: /work/shared/reference/reference_figures.csv (rows "Rossi Cox PH" and "Rossi KM"):
Rossi, Berk & Lenihan (1980) recidivism data as shipped with lifelines 0.30.3; the Cox
coefficients agree with R survival::coxph to 5 decimals.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from lifelines.datasets import load_rossi  # type: ignore[import-untyped]

from qorgau.programs import evaluation as ev

ROSSI_COEFFICIENTS = {
    "fin": -0.37942,
    "age": -0.05744,
    "race": 0.31390,
    "wexp": -0.14980,
    "mar": -0.43370,
    "paro": -0.08487,
    "prio": 0.09150,
}


@pytest.fixture(scope="module")
def rossi():
    return load_rossi().rename(columns={"week": "months", "arrest": "event"})


def test_cox_reproduces_the_published_rossi_coefficients(rossi) -> None:
    fitter = ev.cox_fit(rossi, tuple(ROSSI_COEFFICIENTS))
    rows = {row.covariate: row for row in ev.cox_table(fitter)}
    for name, published in ROSSI_COEFFICIENTS.items():
        assert rows[name].coef == pytest.approx(published, abs=5e-5)
    assert rows["fin"].se == pytest.approx(0.19138, abs=5e-5)
    assert rows["fin"].hazard_ratio == pytest.approx(0.6843, abs=5e-4)
    assert rows["fin"].p == pytest.approx(0.0474, abs=5e-4)
    assert fitter.concordance_index_ == pytest.approx(0.640, abs=5e-4)


def test_kaplan_meier_and_log_rank_reproduce_rossi(rossi) -> None:
    """S(52) and the log-rank test as published. The published interval is R's default
    (``conf.type="log"``); ours is lifelines' log-log interval, better near 0 and 1, so the
    log interval is rebuilt here from the Greenwood variance to check the same data."""
    from lifelines import KaplanMeierFitter  # type: ignore[import-untyped]

    curves = {c.group: c for c in ev.km_curves(rossi.assign(group=rossi["fin"]))}
    published = {0: (0.6944, 0.6357, 0.7587), 1: (0.7778, 0.7243, 0.8352)}
    for group, (s, low, high) in published.items():
        curve = curves[str(group)]
        at = max(i for i, t in enumerate(curve.months) if t <= 52)
        assert curve.survival[at] == pytest.approx(s, abs=5e-4)
        assert curve.low[at] < s < curve.high[at]
        part = rossi[rossi["fin"] == group]
        table = KaplanMeierFitter().fit(part["months"], part["event"]).event_table
        n, d = table["at_risk"], table["observed"]
        greenwood = float((d / (n * (n - d))).sum())
        assert s * math.exp(-1.959964 * math.sqrt(greenwood)) == pytest.approx(low, abs=5e-4)
        assert s * math.exp(1.959964 * math.sqrt(greenwood)) == pytest.approx(high, abs=5e-4)
    p = ev.logrank_p(rossi.assign(group=rossi["fin"]))
    assert p == pytest.approx(0.050, abs=1e-3)


@pytest.fixture(scope="module")
def cohort():
    return ev.simulate_cohort(4000, seed=11)


def test_the_adjusted_cox_model_recovers_the_simulated_effect(cohort) -> None:
    completed = ev.programme_cox(cohort)[0]
    assert completed.covariate == "completed"
    truth = math.exp(ev.SimulationModel().log_hr)
    assert completed.low <= truth <= completed.high


def test_the_naive_comparison_overstates_the_effect(cohort) -> None:
    rates = ev.naive_rates(cohort)
    naive_ratio = rates["completed"] / rates["not_attended"]
    adjusted = ev.programme_cox(cohort)[0].hazard_ratio
    assert naive_ratio < adjusted - 0.1  # selection on risk makes completers look better


def test_matching_balances_the_covariates(cohort) -> None:
    result = ev.propensity_match(cohort)
    assert result.pairs > 500
    assert all(abs(v) > 0.2 for v in result.balance_before.values())
    assert all(abs(v) < 0.1 for v in result.balance_after.values())
    assert result.hazard_ratio is not None
    assert result.hazard_ratio.hazard_ratio < 1
    assert result.reoffended_treated is not None and result.reoffended_control is not None
    assert result.reoffended_treated < result.reoffended_control


def test_small_groups_give_no_figures() -> None:
    frame = ev.simulate_cohort(8, seed=2)
    result = ev.evaluate(frame)
    assert result.curves == [] and result.cox == [] and result.matching is None


def test_rates_are_not_guessed_beyond_follow_up() -> None:
    frame = ev.simulate_cohort(300, seed=4, follow_up=10)
    for curve in ev.km_curves(frame):
        assert 24 not in curve.reoffended
        assert 6 in curve.reoffended


def test_nearest_pairs_respects_the_caliper() -> None:
    logit = np.array([0.0, 0.05, 1.0, 3.0])
    treated = np.array([True, False, True, False])
    assert ev._nearest_pairs(logit, treated, 0.1) == [(0, 1)]
