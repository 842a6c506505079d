"""Benchmark of the programme evaluation against the naive figures, in the same run.

On a simulated cohort of N obliged offenders with a known programme effect
(:func:`qorgau.programs.evaluation.simulate_cohort`, hazard ratio 0.7 for completers, selection
on risk), it times and compares:

* the baseline: naive 12-month re-offending rates by group (what a dashboard would show);
* Kaplan–Meier curves alone;
* the full evaluation: KM by group, log-rank, the adjusted Cox model and the propensity-score
  matched comparison (statsmodels logistic model, 1:1 nearest neighbour, caliper 0.2 SD).

Besides the time, it reports the *accuracy*: the naive completers/non-attenders ratio against
the Cox hazard ratio and the true 0.7, which is what the extra seconds buy.

    python benchmarks/bench_programs.py --n 20000
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _timed(action: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def run(n: int = 20000) -> list[tuple[str, str, str, str]]:
    """Rows for the results table: (what, time, baseline, ratio)."""
    from qorgau.programs import evaluation as ev

    frame = ev.simulate_cohort(n, seed=7)
    truth = math.exp(ev.SimulationModel().log_hr)
    naive_time, naive = _timed(lambda: ev.naive_rates(frame))
    km_time, _ = _timed(lambda: ev.km_curves(frame))
    full_time, result = _timed(lambda: ev.evaluate(frame, detail=False), repeat=1)
    naive_ratio = naive["completed"] / naive["not_attended"]
    cox = result.cox[0]
    matched = result.matching.hazard_ratio if result.matching else None
    rows = [
        (
            f"programs: evaluation of {n:,} obliged offenders (KM + Cox + PS matching)",
            f"{full_time:.2f} s",
            f"naive rates {naive_time * 1000:.0f} ms",
            f"{full_time / naive_time:.0f}×",
        ),
        (
            "programs: Kaplan–Meier curves by group only",
            f"{km_time * 1000:.0f} ms",
            f"naive rates {naive_time * 1000:.0f} ms",
            f"{km_time / naive_time:.1f}×",
        ),
        (
            f"programs: completion effect (true HR {truth:.2f}), adjusted Cox",
            f"HR {cox.hazard_ratio:.2f} ({cox.low:.2f}–{cox.high:.2f})",
            f"naive ratio {naive_ratio:.2f}",
            "truth inside" if cox.low <= truth <= cox.high else "truth outside",
        ),
    ]
    if matched is not None:
        rows.append(
            (
                "programs: attenders vs non-attenders, PS-matched (ITT, not completion)",
                f"HR {matched.hazard_ratio:.2f} ({matched.low:.2f}–{matched.high:.2f})",
                f"{result.matching.pairs:,} pairs",
                "",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=int(os.environ.get("QORGAU_BENCH_PROGRAMS", "20000"))
    )
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    import django

    django.setup()
    for row in run(args.n):
        print(" | ".join(row))


if __name__ == "__main__":
    main()
