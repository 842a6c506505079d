"""The Mth models of heterogeneous capture against Rcapture (``data/rcapture_heterogeneity.md``)
and against populations whose capture propensity no register records."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from qorgau.latency import mse
from qorgau.latency.evaluation import evaluate
from qorgau.latency.mse_heterogeneity import fit_heterogeneous, select_heterogeneity
from qorgau.latency.mse_profile import fit_profile_interval
from qorgau.latency.tests.test_mse_reference import load

HARE = Path(__file__).parent / "data" / "rcapture_hare.csv"


def _hare() -> mse.CaptureTable:
    with HARE.open(encoding="utf-8") as handle:
        counts = {
            tuple(int(c) for c in row["pattern"]): int(row["count"])
            for row in csv.DictReader(handle)
        }
    return mse.CaptureTable.from_counts([f"c{i}" for i in range(1, 7)], counts)


def _standard_error(fit) -> float:
    """Rcapture's Poisson standard error of N̂: the dark figure's, plus its Poisson count."""
    return math.sqrt(fit.dark**2 * float(fit.log_dark_se) ** 2 + fit.dark)


@pytest.mark.parametrize(
    ("data", "form", "abundance", "stderr"),
    [
        ("lesbian", "Darroch", 6963.740, 650.075),
        ("lesbian", "Poisson2", 4942.222, 240.321),
        ("lesbian", "Gamma3.5", 10259.629, 1535.470),
        ("hare", "Darroch", 90.46410, 11.658),
        ("hare", "Poisson2", 81.07928, 5.574),
        ("hare", "Gamma3.5", 101.55387, 22.405),
    ],
)
def test_each_mth_model_reproduces_rcapture(data, form, abundance, stderr):
    table = load("Lesbian_Allegheny4") if data == "lesbian" else _hare()
    fit = fit_heterogeneous(table, form)
    assert fit.heterogeneity == form
    assert fit.estimate == pytest.approx(abundance, rel=1e-6)
    assert _standard_error(fit) == pytest.approx(stderr, rel=2e-3)


def test_the_profile_interval_of_an_mth_model_reproduces_rcapture():
    lesbian = fit_heterogeneous(load("Lesbian_Allegheny4"), "Darroch")
    interval = fit_profile_interval(load("Lesbian_Allegheny4"), lesbian)
    assert (interval.mle, interval.low, interval.high) == pytest.approx(
        (6949.856, 5826.413, 8397.640), rel=1e-6
    )
    hare = _hare()
    interval = fit_profile_interval(hare, fit_heterogeneous(hare, "Poisson2"))
    assert (interval.mle, interval.low, interval.high) == pytest.approx(
        (80.07832, 71.82166, 93.84672), rel=1e-6
    )


def test_the_selection_keeps_the_lowest_bic_as_rcapture_documents():
    chosen = select_heterogeneity(load("Lesbian_Allegheny4"))
    assert chosen.heterogeneity == "Darroch"
    found = mse.estimate(load("Lesbian_Allegheny4"), selection="heterogeneity", spread=False)
    assert found.model == ["Mh Darroch"]
    assert (found.ci_low, found.ci_high) == pytest.approx((5826.413, 8397.640), rel=1e-6)


def test_a_negative_heterogeneity_parameter_is_no_heterogeneity():
    """Lists that avoid each other (fewer people on several lists than independence gives)
    would need a negative parameter: the model is then Mt, as Rcapture's ``neg = TRUE``."""
    rng = np.random.default_rng(3)
    seen = rng.random((4000, 4)) < 0.3
    seen[seen.sum(axis=1) >= 3] = False  # nobody on three or four lists
    counts: dict[tuple[int, ...], int] = {}
    for row in map(tuple, seen.astype(int)):
        counts[row] = counts.get(row, 0) + 1
    table = mse.CaptureTable.from_counts(list("ABCD"), counts)
    fit = fit_heterogeneous(table, "Darroch")
    assert fit.heterogeneity == ""
    assert fit.estimate == pytest.approx(mse.fit_model(table, ()).estimate)


@pytest.mark.one_backend
def test_heterogeneity_models_find_the_truth_where_an_unrecorded_propensity_drives_capture():
    """Populations drawn by ``latency.evaluation`` (its own rules, not the synthetic
    country's): capture driven by sex, age and injury and a logit-normal frailty no register
    records. The independent-lists and pairwise models fall short; the Mth models do not."""
    rows = {
        (s.design, s.method): s
        for s in evaluate(
            replications=6,
            designs=("frailty",),
            methods=("stepwise", "heterogeneity", "stratified_mh"),
            seed=11,
        )
    }
    for method in ("heterogeneity", "stratified_mh"):
        found = rows[("frailty", method)]
        assert found.published == 1.0
        assert 0.9 <= found.median_ratio <= 1.1, (method, found)
    assert rows[("frailty", "stepwise")].published < 0.5  # the checks withhold it
