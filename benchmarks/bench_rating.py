"""Benchmark of the rating's Monte Carlo: vectorised draws against a plain per-draw loop.

Measured in one run on a synthetic table shaped like the default method (13 indicators in 4
dimensions) for 20 regions and for 200 districts, with every uncertain choice varying
(sampling from the 95% intervals, weights ±25%, minmax/rank, arithmetic/geometric,
mean/median/worst imputation of the 5% missing cells):

* the vectorised draws of :func:`qorgau.rating.uncertainty.draw_scores` + ranks, 10,000 draws;
* the same draws done one at a time in a Python loop over the same pure functions (the
  obvious implementation), timed on 1,000 draws and scaled ×10 (it is linear in the draws);
* the whole ``monte_carlo`` (draws, intervals, pairwise probabilities, sensitivity) beside the
  deterministic single computation of the index;
* with indicator values in the database (``benchmarks/run.py`` computes them before), a full
  ``rating_run`` of the regions with 10,000 draws beside the same run with none.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

DRAWS = 10_000
LOOP_DRAWS = 1_000


def _timed(action: Callable[[], Any], repeat: int = 3) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _method() -> Any:
    from qorgau.rating.methods import builtin_files, method_parse

    path = next(p for name, _, p in builtin_files() if name == "default")
    return method_parse(path.read_text(encoding="utf-8")).method


def _table(units: int, method: Any, seed: int = 11) -> tuple[Any, Any, Any]:
    from qorgau.rating.compute import compute_index

    rng = np.random.default_rng(seed)
    k = len(method.codes)
    value = rng.gamma(4.0, 10.0, size=(units, k))
    value[rng.random((units, k)) < 0.05] = np.nan
    half = value * rng.uniform(0.05, 0.3, size=(units, k))
    result = compute_index([f"u{i}" for i in range(units)], value, method)
    return result, value - half, value + half


def _vectorised(result: Any, low: Any, high: Any, draws: int) -> Any:
    from qorgau.rating.compute import ranks_of
    from qorgau.rating.uncertainty import active_factors, chunk_size, draw_scores

    rng = np.random.default_rng(1)
    factors = active_factors(result, low, high)
    scores = np.empty((draws, len(result.units)))
    chunk = chunk_size(result)
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        scores[start : start + size] = draw_scores(result, low, high, rng, size, factors)
    return np.percentile(ranks_of(scores), [5, 50, 95], axis=0)


def _loop(result: Any, low: Any, high: Any, draws: int) -> Any:
    """One draw at a time: what a straightforward implementation does."""
    from qorgau.rating.compute import aggregate, directions_of, impute, normalise, weight_codes
    from qorgau.rating.uncertainty import Z95

    method = result.method
    u = method.uncertainty
    rng = np.random.default_rng(1)
    directions = directions_of(method)
    codes = weight_codes(method)
    reference = np.array([result.weights[c] for c in codes])
    ranks = []
    for _ in range(draws):
        z = rng.standard_normal(result.raw.shape)
        below, above = (result.raw - low) / Z95, (high - result.raw) / Z95
        x = np.maximum(result.raw + np.where(z < 0, below, above) * z, 0.0)
        x, _ = impute(x, str(rng.choice([method.imputation, *u.imputations])), directions)
        for j, treatment in enumerate(result.treatments):
            x[:, j] = treatment.apply(x[:, j])
        name = str(rng.choice([method.normalisation, *u.normalisations]))
        y = normalise(x, directions, name, method.scale)
        weights = dict(zip(codes, reference * rng.uniform(0.75, 1.25, len(codes)), strict=True))
        aggregation = str(rng.choice([method.aggregation, *u.aggregations]))
        if aggregation == "geometric":
            y = 1 + 99 * normalise(y, np.ones(y.shape[1]), "minmax", (0.0, 1.0))
        score = aggregate(y, method, weights, aggregation)[method.top]
        order = np.argsort(-score, kind="stable")
        rank = np.empty(len(score))
        rank[order] = np.arange(1, len(score) + 1)
        ranks.append(rank)
    return np.percentile(np.array(ranks), [5, 50, 95], axis=0)


def run(database: bool = True) -> list[tuple[str, str, str, str]]:
    from qorgau.rating.compute import compute_index
    from qorgau.rating.uncertainty import monte_carlo

    rows: list[tuple[str, str, str, str]] = []
    method = _method()
    method = replace(method, uncertainty=replace(method.uncertainty, draws=DRAWS))
    for units, label in ((20, "20 regions"), (200, "200 districts")):
        result, low, high = _table(units, method)
        fast = _timed(lambda r=result, lo=low, hi=high: _vectorised(r, lo, hi, DRAWS))
        slow = _timed(lambda r=result, lo=low, hi=high: _loop(r, lo, hi, LOOP_DRAWS), repeat=1)
        slow *= DRAWS / LOOP_DRAWS
        rows.append(
            (
                f"rating: {DRAWS:,} Monte Carlo draws, {label}, vectorised",
                f"{fast:.2f} s",
                f"per-draw loop {slow:.1f} s (1,000 draws ×10)",
                f"{slow / fast:.0f}× faster",
            )
        )
        whole = _timed(lambda r=result, lo=low, hi=high: monte_carlo(r, lo, hi), repeat=1)
        single = _timed(lambda n=units, r=result: compute_index(r.units, r.raw, method), repeat=5)
        rows.append(
            (
                f"rating: whole uncertainty analysis, {label} (draws, intervals, sensitivity)",
                f"{whole:.2f} s",
                f"one deterministic index {single * 1000:.1f} ms",
                f"{whole / single:.0f}×",
            )
        )
    if database:
        rows.extend(_database_run())
    return rows


def _database_run() -> list[tuple[str, str, str, str]]:
    from django.db import DatabaseError

    from qorgau.monitoring.models import IndicatorValue
    from qorgau.rating.services import rating_run

    try:
        year = (
            IndicatorValue.objects.filter(period_kind="year")
            .order_by("-period_start")
            .values_list("period", flat=True)
            .first()
        )
    except DatabaseError:
        return []
    if year is None:
        return []
    try:
        full = _timed(lambda: rating_run(year=int(year), draws=DRAWS), repeat=1)
        none = _timed(lambda: rating_run(year=int(year), draws=0), repeat=1)
    except ValueError:
        return []
    return [
        (
            f"rating: `rating run --year {year}` on the stored values, {DRAWS:,} draws",
            f"{full:.2f} s",
            f"no draws {none:.2f} s",
            f"{full / none:.1f}×",
        )
    ]


if __name__ == "__main__":
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    import django

    django.setup()
    for row in run(database=False):
        print(" | ".join(row))
