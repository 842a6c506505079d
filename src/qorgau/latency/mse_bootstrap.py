"""Bootstrap intervals that repeat the model selection in every replicate.

The n people already observed are a fact, not an estimate: every replicate keeps them (its
cells are drawn given n) and re-estimates only the dark figure, so no bound falls below n. The
old parametric scheme drew every cell as Poisson, let n vary and took percentiles of the
replicate totals: 46.3 [34.1, 60.2] with 46 observed.

The interval is for N = n + the number actually missed, not for its expectation: each
replicate's total is n plus a Poisson draw around its estimated dark figure (``predictive``).
Without that draw the interval is SparseMSE's, for the estimator, and with independent,
homogeneous lists it covered the truth in 75% of simulations at capture rate 0.5 and 52% at
0.7 (94% and 94% with it). Intervals are BCa as in SparseMSE ``estimatepopulation`` (Chan,
Silverman & Vincent 2021): percentiles shifted by the bias (share of replicates below the
estimate) and a jackknife acceleration over the observed people, one cell at a time
(DiCiccio & Efron 1996).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _
from scipy import stats

from qorgau.latency.mse_models import Fit
from qorgau.latency.mse_select import select
from qorgau.latency.mse_table import CaptureTable, EstimationRefused

SCHEMES = ("parametric", "multinomial")


def _replicate_counts(
    rng: np.random.Generator, table: CaptureTable, fit: Fit, scheme: str
) -> np.ndarray:
    """One replicate's cells, drawn given the number observed.

    ``parametric``: multinomial over the chosen model's fitted cell shares; ``multinomial``:
    the observed individuals resampled (SparseMSE).
    """
    observed = table.observed
    if scheme == "parametric":
        counts = np.zeros_like(table.counts)
        counts[fit.cells] = rng.multinomial(observed, fit.fitted / fit.fitted.sum())
        return counts
    return rng.multinomial(observed, table.counts / observed)


def _replicate_estimates(
    table: CaptureTable, fit: Fit, selection: str, replicates: int, seed: int, scheme: str
) -> tuple[np.ndarray, int]:
    rng = np.random.default_rng(seed)
    estimates = []
    refused = 0
    for _replicate in range(replicates):
        counts = _replicate_counts(rng, table, fit, scheme)
        try:
            estimates.append(select(table.with_counts(counts), selection).estimate)
        except EstimationRefused:
            refused += 1
    return np.asarray(estimates, dtype=float), refused


def jackknife_acceleration(table: CaptureTable, selection: str) -> float:
    """SparseMSE's acceleration: leave one person out of each non-empty cell, count-weighted.

    Cells whose leave-one-out table is refused are left out of the sums.
    """
    weights, values = [], []
    for cell in np.flatnonzero(table.counts):
        counts = table.counts.copy()
        counts[cell] -= 1
        try:
            values.append(select(table.with_counts(counts), selection).estimate)
        except EstimationRefused:
            continue
        weights.append(float(table.counts[cell]))
    if not values:
        return 0.0
    w, v = np.asarray(weights), np.asarray(values)
    residuals = float((w * v).sum() / w.sum()) - v
    spread = float((w * residuals**2).sum())
    if spread <= 0:
        return 0.0
    acceleration = float((w * residuals**3).sum()) / (6 * spread**1.5)
    return acceleration if math.isfinite(acceleration) else 0.0


def bca_interval(
    values: np.ndarray, estimate: float, acceleration: float, confidence: float = 0.95
) -> tuple[float, float]:
    """BCa bounds (SparseMSE ``bcaconfvalues``; quantiles of R's type 8)."""
    share_below = float(np.mean(values < estimate))
    share_below = min(max(share_below, 0.5 / len(values)), 1 - 0.5 / len(values))
    bias = float(stats.norm.ppf(share_below))
    alpha = (1 - confidence) / 2
    probabilities = []
    for z_alpha in stats.norm.ppf([alpha, 1 - alpha]):
        shifted = bias + z_alpha
        probabilities.append(float(stats.norm.cdf(bias + shifted / (1 - acceleration * shifted))))
    low, high = np.quantile(values, probabilities, method="median_unbiased")
    return float(low), float(high)


def bootstrap(
    table: CaptureTable,
    fit: Fit,
    selection: str,
    replicates: int,
    seed: int,
    scheme: str = "parametric",
    confidence: float = 0.95,
    bca: bool = True,
    predictive: bool = True,
) -> dict[str, Any]:
    """Bootstrap interval over ``replicates`` re-estimates, the selection repeated each time.

    Every replicate keeps the observed count n (see the module docstring); ``predictive``
    adds the Poisson variation of the number missed (``False``: SparseMSE's interval for the
    estimator); ``bca`` adds the BCa interval (2^k − 1 more selections for the jackknife) and
    makes it the reported one. Replicates the method refuses are counted and left out.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; one of {', '.join(SCHEMES)}")
    values, refused = _replicate_estimates(table, fit, selection, replicates, seed, scheme)
    if len(values) == 0:
        raise EstimationRefused(
            _("Every bootstrap replicate was refused; no bootstrap interval."),
            code="bootstrap_failed",
        )
    if predictive:
        missed = np.random.default_rng([seed, 1]).poisson(values - table.observed)
        values = table.observed + missed.astype(float)
    alpha = (1 - confidence) / 2
    percentile = (float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha)))
    result: dict[str, Any] = {
        "ci_low": percentile[0],
        "ci_high": percentile[1],
        "percentile": list(percentile),
        "method": "percentile",
        "replicates": replicates,
        "refused": refused,
        "seed": seed,
        "scheme": scheme,
        "predictive": predictive,
        "median": float(np.median(values)),
    }
    if bca:
        acceleration = jackknife_acceleration(table, selection)
        low, high = bca_interval(values, fit.estimate, acceleration, confidence)
        result.update(ci_low=low, ci_high=high, method="bca", bca=[low, high])
        result["acceleration"] = acceleration
    return result


def bootstrap_label(result: dict[str, Any], confidence: float = 0.95) -> str:
    """At most 80 characters (the stored field); the docs spell it out."""
    kind = "BCa" if result["method"] == "bca" else "percentile"
    missed = ", number missed drawn" if result["predictive"] else ""
    return f"bootstrap {kind} {100 * confidence:g}% (selection repeated, n held fixed{missed})"
