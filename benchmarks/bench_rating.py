"""Benchmark of the rating's Monte Carlo: vectorised draws against a plain per-draw loop.

Measured in one run on a synthetic table shaped like the default method (13 indicators in 4
dimensions) for 20 regions and for 200 districts, with every uncertain choice varying
(sampling from the 95% intervals, weights ±25%, minmax/rank, arithmetic/geometric,
mean/median/worst imputation of the 5% missing cells):

* the vectorised draws of :func:`qorgau.rating.uncertainty.draw_many` (chunks on a thread per
  core) + ranks + percentiles, 10,000 draws;
* the baseline the issue names, a plain per-draw Python loop (lists, no NumPy; checked to
  reproduce the deterministic ranks), timed on 100 draws and scaled ×100 (it is linear);
* a stricter reference: the draws one at a time through the same NumPy functions, timed on
  1,000 draws and scaled ×10. For 200 districts each such draw is already a 2,600-cell array
  computation, so vectorising over the draws gains far less there than over plain Python;
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
PLAIN_DRAWS = 100


def _cores() -> str:
    import os

    cores = os.cpu_count() or 1
    return f"{cores} threads" if cores > 1 else "1 thread"


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


def _vectorised(result: Any, low: Any, high: Any, draws: int, workers: int | None = None) -> Any:
    from qorgau.rating.compute import ranks_of
    from qorgau.rating.uncertainty import active_factors, draw_many

    factors = active_factors(result, low, high)
    seed = np.random.SeedSequence(1)
    scores = draw_many(result, low, high, draws, seed, factors, workers=workers)
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


def _plain(result: Any, low: Any, high: Any, draws: int, vary: bool = True) -> list[list[int]]:
    """One draw at a time in plain Python (lists and loops, no NumPy): the baseline the issue
    names. Same draw design as the vectorised code; ``vary=False`` computes the deterministic
    index, which the benchmark checks against ``compute_index`` so the baseline does real work.
    """
    import math
    import random

    from qorgau.rating.compute import weight_codes
    from qorgau.rating.uncertainty import Z95

    method, u = result.method, result.method.uncertainty
    rng = random.Random(1)
    raw = result.raw.tolist()
    lows, highs = low.tolist(), high.tolist()
    n, k = len(raw), len(raw[0])
    directions = [i.direction for i in method.indicators]
    children: dict[str, list[str]] = {}
    for item in [*method.indicators, *method.groups]:
        if item.parent:
            children.setdefault(item.parent, []).append(item.code)
    levels = sorted(method.groups, key=lambda g: -_depth(method, g.code))
    codes = weight_codes(method)
    index = {i.code: j for j, i in enumerate(method.indicators)}

    def pick(reference: str, alternatives: tuple[str, ...]) -> str:
        return rng.choice([reference, *alternatives]) if vary else reference

    out = []
    for _ in range(draws):
        x = [[math.nan] * k for _ in range(n)]
        for i in range(n):
            for j in range(k):
                v = raw[i][j]
                if v != v:
                    continue
                if vary:
                    z = rng.gauss(0.0, 1.0)
                    half = (v - lows[i][j]) if z < 0 else (highs[i][j] - v)
                    v = max(v + z * half / Z95, 0.0) if v >= 0 else v + z * half / Z95
                x[i][j] = v
        imputation = pick(method.imputation, u.imputations)
        for j in range(k):
            present = sorted(x[i][j] for i in range(n) if x[i][j] == x[i][j])
            if len(present) == n or not present:
                continue
            if imputation == "median":
                m = len(present)
                fill = (present[(m - 1) // 2] + present[m // 2]) / 2
            elif imputation == "worst":
                fill = present[0] if directions[j] > 0 else present[-1]
            else:
                fill = sum(present) / len(present)
            for i in range(n):
                if x[i][j] != x[i][j]:
                    x[i][j] = fill
        for j, treatment in enumerate(result.treatments):
            if treatment.kind == "winsorised":
                for i in range(n):
                    x[i][j] = min(max(x[i][j], treatment.low), treatment.high)
        name = (
            rng.choice([method.normalisation, *u.normalisations]) if vary else method.normalisation
        )
        lo, hi = method.scale
        y = [[0.0] * k for _ in range(n)]
        for j in range(k):
            column = [x[i][j] * directions[j] for i in range(n)]
            if name == "rank":
                first: dict[float, int] = {}
                last: dict[float, int] = {}
                for position, v in enumerate(sorted(column)):
                    first.setdefault(v, position)
                    last[v] = position
                for i, v in enumerate(column):
                    y[i][j] = lo + (hi - lo) * ((first[v] + last[v]) / 2) / (n - 1)
            else:
                small, span = min(column), max(column) - min(column)
                for i, v in enumerate(column):
                    y[i][j] = lo + (hi - lo) * (v - small) / span if span > 0 else (lo + hi) / 2
        weights = {c: result.weights[c] * (rng.uniform(0.75, 1.25) if vary else 1.0) for c in codes}
        aggregation = (
            rng.choice([method.aggregation, *u.aggregations]) if vary else method.aggregation
        )
        if aggregation == "geometric" and method.aggregation != "geometric":
            for j in range(k):  # rescaled to [1, 100] first, as the vectorised code does
                column = [y[i][j] for i in range(n)]
                small, span = min(column), max(column) - min(column)
                for i in range(n):
                    y[i][j] = 1 + 99 * ((y[i][j] - small) / span if span > 0 else 0.5)
        scores = []
        for i in range(n):
            values = {c: y[i][j] for c, j in index.items()}
            for group in levels:
                parts = children[group.code]
                total = sum(weights[c] for c in parts)
                if aggregation == "geometric":
                    logs = sum(weights[c] * math.log(max(values[c], 1e-12)) for c in parts)
                    values[group.code] = math.exp(logs / total)
                else:
                    values[group.code] = sum(weights[c] * values[c] for c in parts) / total
            scores.append(values[method.top])
        order = sorted(range(n), key=lambda i: -scores[i])
        rank = [0] * n
        for position, i in enumerate(order):
            rank[i] = position + 1
        out.append(rank)
    return out


def _depth(method: Any, code: str | None) -> int:
    parents = {g.code: g.parent for g in method.groups}
    depth = 0
    while code is not None:
        code, depth = parents.get(code), depth + 1
    return depth


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
        if _plain(result, low, high, 1, vary=False)[0] != result.rank.astype(int).tolist():
            raise AssertionError("the plain-Python baseline does not reproduce the index")
        plain = _timed(lambda r=result, lo=low, hi=high: _plain(r, lo, hi, PLAIN_DRAWS), repeat=1)
        plain *= DRAWS / PLAIN_DRAWS
        rows.append(
            (
                f"rating: {DRAWS:,} Monte Carlo draws, {label}, vectorised ({_cores()})",
                f"{fast:.2f} s",
                f"plain per-draw Python loop {plain:.0f} s ({PLAIN_DRAWS} draws ×"
                f"{DRAWS // PLAIN_DRAWS})",
                f"{plain / fast:.0f}× faster",
            )
        )
        rows.append(
            (
                f"rating: same, against a per-draw loop of NumPy calls, {label}",
                f"{fast:.2f} s",
                f"NumPy per-draw loop {slow:.1f} s (1,000 draws ×10)",
                f"{slow / fast:.1f}× faster",
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
