"""Benchmark of hidden-violence estimation: every region × ten years with bootstrap intervals.

Synthetic capture histories (five registers, as the linkage part delivers them) are drawn per
region and year from a population of known size, so the same run also reports how often the
intervals cover the truth. Measured in one run:

* the default estimation — CSV 2021 stepwise selection, the spread over the four selection
  rules, and a parametric bootstrap that repeats the selection in every replicate;
* the baseline — the independence model with its log-normal interval only (what a quick
  analysis would do).

Run standalone with ``python benchmarks/bench_latency.py`` or through ``benchmarks/run.py``.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import numpy as np

REGIONS = 20
YEARS = 10
# Registers: police, health, crisis centre, 111 line, social services (shares of true victims).
SHARES = (0.19, 0.06, 0.015, 0.03, 0.03)


def capture_tables(seed: int = 7, size: int = 4000) -> list[tuple[Any, int]]:
    """(table, true number) for every region and year; independent homogeneous registers, so
    the model's assumptions hold and coverage is meaningful."""
    from qorgau.latency.mse import CaptureTable

    rng = np.random.default_rng(seed)
    tables = []
    for _region in range(REGIONS):
        scale = rng.uniform(0.5, 2.0)
        for _year in range(YEARS):
            truth = int(rng.poisson(size * scale))
            seen = rng.random((truth, len(SHARES))) < np.asarray(SHARES) * 1.5
            counts: dict[tuple[int, ...], int] = {}
            for row in seen[seen.any(axis=1)].astype(int):
                counts[tuple(row)] = counts.get(tuple(row), 0) + 1
            tables.append((CaptureTable.from_counts("PHCLS", counts), truth))
    return tables


def _estimate_all(tables: list[tuple[Any, int]], **options: Any) -> tuple[float, float, int]:
    from qorgau.latency.mse import EstimationRefused, estimate

    start = time.perf_counter()
    covered = refused = 0
    for number, (table, truth) in enumerate(tables):
        try:
            result = estimate(table, seed=number, **options)
        except EstimationRefused:
            refused += 1
            continue
        covered += result.ci_low <= truth <= result.ci_high
    return time.perf_counter() - start, covered / len(tables), refused


def evaluation_rows(replications: int = 6) -> list[tuple[str, str, str, str]]:
    """`qorgau latency evaluate` in brief: the estimators for heterogeneous capture against the
    stepwise default on each simulated design (bias and coverage of published national
    figures; "—" where no country of the design was published whole)."""
    from qorgau.latency.evaluation import evaluate

    methods = ("stepwise", "stratified", "heterogeneity", "stratified_mh")
    found = {(s.design, s.method): s for s in evaluate(methods=methods, replications=replications)}
    rows = []
    for design in sorted({d for d, _m in found}):
        old = found[(design, "stepwise")]
        for method in methods[1:]:
            new = found[(design, method)]
            rows.append(
                (
                    f"latency evaluate, {design} ({replications} countries): {method} "
                    "estimate ÷ truth, coverage, regions published",
                    _figures(new),
                    f"stepwise {_figures(old)}",
                    "",
                )
            )
    return rows


def _figures(summary: Any) -> str:
    ratio = "—" if math.isnan(summary.median_ratio) else f"{summary.median_ratio:.2f}"
    coverage = "—" if math.isnan(summary.coverage) else f"{summary.coverage:.0%}"
    return f"{ratio}, {coverage}, {summary.published:.0%}"


def run(bootstrap: int = 50) -> list[tuple[str, str, str, str]]:
    tables = capture_tables()
    full, full_cover, full_refused = _estimate_all(
        tables, selection="stepwise", replicates=bootstrap, spread=True
    )
    base, base_cover, _refused = _estimate_all(tables, selection="independence", spread=False)
    label = f"{REGIONS} regions × {YEARS} years"
    return [
        (
            f"latency: MSE of {label}, stepwise + spread + bootstrap B={bootstrap}",
            f"{full:.1f} s",
            f"independence only {base:.2f} s",
            f"{full / base:.0f}×",
        ),
        (
            f"latency: 95% intervals covering the true number ({label}, {full_refused} refused)",
            f"{full_cover:.0%}",
            f"independence {base_cover:.0%}",
            "",
        ),
    ]


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    django.setup()
    for row in run(int(os.environ.get("QORGAU_BENCH_BOOTSTRAP", "50"))):
        print(" | ".join(row))
