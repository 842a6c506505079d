"""Intervals: coverage where the assumptions hold, published profile intervals, and the
bootstrap's bounds against the number already observed.

Profile references are rows of ``mse_reference_results.csv`` (Rcapture 1.4-4
``closedpCI.t``/``closedpCI.0`` and modslavmse ``MSEfit``, which calls it); the capture
histories are ``data/mse_capture_histories.csv`` and ``mse_count_frequencies_ill.csv``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special

from qorgau.latency import mse
from qorgau.latency.mse_glm import fit_poisson
from qorgau.latency.mse_profile import profile_interval
from qorgau.latency.tests.test_mse_reference import load, pairs

# --- coverage -------------------------------------------------------------------------------


def _simulate(rng: np.random.Generator, truth: int, rate: float) -> mse.CaptureTable:
    """Three independent lists, every person caught by each with the same probability."""
    captured = rng.random((truth, 3)) < rate
    seen = captured[captured.any(axis=1)].astype(int)
    patterns, counts = np.unique(seen, axis=0, return_counts=True)
    return mse.CaptureTable.from_counts(
        "ABC", {tuple(p): int(c) for p, c in zip(patterns, counts, strict=True)}
    )


@pytest.mark.parametrize(("rate", "truth"), [(0.2, 200), (0.2, 2000), (0.5, 200), (0.5, 2000)])
def test_the_profile_interval_covers_the_truth_where_the_assumptions_hold(rate, truth):
    """200 replications per design, default stepwise selection: ≥ 90% of profile intervals
    cover N (measured 93–97%). The old ``n + exp(α̂0 ± 1.96·se)`` interval covers about 84%
    at rate 0.5 — it leaves out the variation of the number actually missed — and is
    asserted to fail there, so this test tells the two apart."""
    rng = np.random.default_rng(int(rate * 10) * 100_000 + truth)
    replications, profile, wald = 200, 0, 0
    for _replication in range(replications):
        result = mse.estimate(_simulate(rng, truth, rate), spread=False)
        assert result.interval.startswith("profile likelihood 95%")
        profile += result.ci_low <= truth <= result.ci_high
        old = result.intervals["wald"]
        wald += old["ci_low"] <= truth <= old["ci_high"]
    assert profile / replications >= 0.90
    if rate == 0.5:
        assert wald / replications < 0.90


# --- published profile intervals -----------------------------------------------------------


@pytest.mark.parametrize(
    ("dataset", "terms", "mle", "low", "high"),
    [
        ("HIV_Rome4", "c1:c2", 12308, 10266, 14992.3),  # Rcapture closedpCI.t, Mt + c1:c2
        ("Netherlands6", "O:Z+P:Z+K:P", 60319.5, 53302.0, 68746.5),  # modslavmse MSEfit
    ],
)
def test_profile_intervals_reproduce_rcapture(dataset, terms, mle, low, high):
    table = load(dataset)
    fit = mse.fit_model(table, pairs(table, terms))
    interval = mse.interval_of(table, fit)
    assert interval["multinomial_estimate"] == pytest.approx(mle, rel=1e-4)
    assert (interval["ci_low"], interval["ci_high"]) == pytest.approx((low, high), rel=1e-4)
    assert interval["label"] == "profile likelihood 95% (multinomial, model held fixed)"


def test_profile_interval_of_chaos_bound_for_the_illegal_immigrants():
    """Rcapture ``closedpCI.0(ill, dtype="nbcap", t=Inf, m="Mh", h="LB")``: 9,273.5,
    profile 95% 8,088.2–10,704 — the frequencies f1..f6 as a log-linear model with offset
    −log k! (t = Inf) and Chao's η columns max(k − j + 1, 0), j = 3..6."""
    k = np.arange(1, 7, dtype=float)
    counts = np.array([1645, 183, 37, 13, 1, 1], dtype=float)
    matrix = np.column_stack([np.ones(6), k, *[np.maximum(k - j + 1, 0) for j in range(3, 7)]])
    offset = -special.gammaln(k + 1)
    fit = fit_poisson(matrix, counts, offset=offset)
    estimate = counts.sum() + np.exp(fit.params[0])
    assert estimate == pytest.approx(9273.5, abs=0.05)
    found = profile_interval(matrix, counts, estimate=estimate, offset=offset, start=fit.params)
    assert (found.low, found.high) == pytest.approx((8088.2, 10704), rel=1e-4)


def test_the_old_interval_stays_available_under_its_own_label():
    table = load("WesternUS5")
    result = mse.estimate(table, interval="wald", spread=False)
    assert result.interval == "log-normal 95% on the dark figure"
    assert (result.ci_low, result.ci_high) == pytest.approx((1657.0937, 3830.0300), rel=1e-4)
    profile = mse.estimate(table, spread=False)
    assert profile.estimate == result.estimate  # the point estimate is the Poisson one
    assert profile.ci_low < profile.estimate < profile.ci_high
    assert set(profile.intervals) == {"profile", "wald"}
    with pytest.raises(ValueError, match="unknown interval"):
        mse.estimate(table, interval="magic")


# --- the bootstrap never goes below what was observed -------------------------------------

counts_3 = st.lists(st.integers(min_value=0, max_value=40), min_size=7, max_size=7)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    counts=counts_3,
    scheme=st.sampled_from(["parametric", "multinomial"]),
    predictive=st.booleans(),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_bootstrap_bounds_are_never_below_the_number_observed(counts, scheme, predictive, seed):
    patterns = [p for p in itertools.product((0, 1), repeat=3) if any(p)]
    table = mse.CaptureTable.from_counts("ABC", dict(zip(patterns, counts, strict=True)))
    try:
        fit = mse.select(table, "stepwise")
        boot = mse.bootstrap(table, fit, "stepwise", 20, seed, scheme=scheme, predictive=predictive)
    except mse.EstimationRefused:
        return
    for low, high in (boot["percentile"], boot["bca"], (boot["ci_low"], boot["ci_high"])):
        assert table.observed <= low <= high


def test_a_small_table_keeps_its_bootstrap_interval_above_the_observed():
    """Like mvole_P5 (46 observed, old interval [34.1, 60.2]): few people, a dark figure of
    a handful; the interval is BCa and labelled so."""
    table = mse.CaptureTable.from_counts(
        "ABC",
        {(1, 0, 0): 9, (0, 1, 0): 7, (0, 0, 1): 8, (1, 1, 0): 6, (1, 0, 1): 5, (0, 1, 1): 6,
         (1, 1, 1): 5},
    )  # fmt: skip
    result = mse.estimate(table, replicates=200, seed=3, spread=False)
    assert result.observed == 46
    assert 46 <= result.ci_low <= result.estimate <= result.ci_high
    assert result.interval == (
        "bootstrap BCa 95% (selection repeated, n held fixed, number missed drawn)"
    )
    assert (result.bootstrap or {})["method"] == "bca"
