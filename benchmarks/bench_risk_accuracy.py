"""Benchmark of the risk instrument's accuracy report on the synthetic country.

Measured on the database ``benchmarks/run.py`` filled: the full report (every assessment, the
outcomes that followed it, three windows, levels, breakdowns, items, drift) against the bare
read of the assessments it starts from, and the figures it finds: the AUC of the score for
re-victimisation and serious harm within 6 months, with DeLong's interval, and how many of the
report's intervals contain the generator's known values (``synth.risk_evaluation``).

    python benchmarks/run.py   (or, on a filled database: python benchmarks/bench_risk_accuracy.py)
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def _timed(action: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def _auc(row: Any) -> str:
    auc = row.auc
    return "—" if auc is None else f"{auc.value:.3f} [{auc.low:.3f}, {auc.high:.3f}]"


def run() -> list[tuple[str, str, str, str]]:
    """Rows (label, time, baseline, ratio) for the results table."""
    from qorgau.monitoring.risk_accuracy import risk_accuracy
    from qorgau.monitoring.risk_outcomes import assessments_frame

    read, frame = _timed(assessments_frame)
    full, report = _timed(risk_accuracy, repeat=1)
    rows = [
        (
            f"risk accuracy: report over {len(frame):,} assessments (3 windows)",
            f"{full:.2f} s",
            f"reading them {read * 1000:.0f} ms",
            f"{full / read:.0f}×" if read else "—",
        )
    ]
    for window in report.windows:
        if window.months != 6:
            continue
        by_outcome = {row.outcome: row for row in window.outcomes}
        rows.append(
            (
                f"risk accuracy: AUC within 6 months ({window.assessed:,} complete, "
                f"{window.censored:,} censored)",
                f"re-victimisation {_auc(by_outcome['revictimisation'])}",
                f"serious harm {_auc(by_outcome['serious_harm'])}",
                "—",
            )
        )
    rows.append(_known_values_row())
    return rows


def _known_values_row() -> tuple[str, str, str, str]:
    """The report's intervals against the generator's known values (Monte Carlo, evaluation
    only), and the time the evaluation takes beside the report alone."""
    from qorgau.synth.evaluation import NoTruth
    from qorgau.synth.risk_evaluation import risk_evaluate

    try:
        seconds, checks = _timed(lambda: risk_evaluate(replications=4), repeat=1)
    except NoTruth:
        return ("risk accuracy against the generator's values", "no synthetic run", "—", "—")
    covered = sum(c.covered for c in checks)
    aucs = ", ".join(
        f"{c.outcome} {c.months} m {c.estimate:.3f} (known {c.known:.3f})"
        for c in checks
        if c.figure == "AUC" and c.months == 6
    )
    return (
        f"risk accuracy: {covered} of {len(checks)} intervals contain the generator's value",
        f"{seconds:.1f} s",
        aucs,
        "—",
    )


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    import django

    django.setup()
    for line in run():
        print(" | ".join(line))
