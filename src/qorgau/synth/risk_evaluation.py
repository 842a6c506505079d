"""EVALUATION ONLY: the accuracy page's figures against the generator's known values.

On a synthetic country, :func:`risk_evaluate` runs the accuracy report exactly as the page does
(``monitoring.risk_accuracy``, on what the registry holds) and sets each of its AUCs and observed
shares by level, with their 95% intervals, beside the value the generating process implies
(:mod:`qorgau.synth.risk_truth`, by Monte Carlo, independent of the report's code). A figure is
*covered* when its interval contains the known value, allowing for the Monte Carlo's own
error (two standard errors). Nothing is stored: the comparison is printed by
``qorgau synth_evaluate_risk`` and asserted by the evaluation test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from qorgau.monitoring.risk_accuracy import WindowReport, risk_accuracy
from qorgau.monitoring.risk_outcomes import data_end
from qorgau.registry.choices import RiskLevel
from qorgau.synth.evaluation import NoTruth, latest_synth_run
from qorgau.synth.risk_truth import OUTCOMES, KnownAccuracy, known_accuracy


@dataclass(frozen=True)
class RiskCheck:
    """One figure of the accuracy report beside the generator's value."""

    months: int
    outcome: str
    figure: str  # "AUC" or a risk level
    estimate: float
    low: float
    high: float
    known: float
    error: float  # the Monte Carlo standard error of ``known``

    @property
    def covered(self) -> bool:
        margin = 2 * self.error
        return self.low - margin <= self.known <= self.high + margin


def risk_evaluate(
    *, replications: int = 8, progress: Callable[[str], None] = lambda line: None
) -> list[RiskCheck]:
    """Every AUC and level share of the report, for each window and outcome the generator
    designs (re-victimisation, serious harm), beside its known value."""
    run = latest_synth_run()
    end = data_end()
    if run is None or end is None:
        raise NoTruth("There is no synthetic run to evaluate.")
    known = {
        (k.months, k.outcome): k
        for k in known_accuracy(
            first_year=run.first_year,
            last_year=run.last_year,
            seed=run.seed,
            scale=run.scale,
            end=end,
            today=timezone.localdate(run.started_at),
            replications=replications,
            progress=progress,
        )
    }
    checks: list[RiskCheck] = []
    for outcome in OUTCOMES:
        report = risk_accuracy(outcome=outcome, as_of=end)
        for window in report.windows:
            truth = known[(window.months, outcome)]
            checks += _window_checks(window.months, outcome, window, truth)
    return checks


def _window_checks(
    months: int, outcome: str, window: WindowReport, truth: KnownAccuracy
) -> list[RiskCheck]:
    checks = []
    row = next(r for r in window.outcomes if r.outcome == outcome)
    if row.auc is not None:
        checks.append(
            RiskCheck(
                months,
                outcome,
                "AUC",
                row.auc.value,
                row.auc.low,
                row.auc.high,
                truth.auc,
                truth.auc_error,
            )  # fmt: skip
        )
    # The report names its levels by their (translated) label.
    by_label = {str(RiskLevel(level).label): level for level in truth.level_share}
    for share in window.levels:
        level = by_label.get(share.level)
        if level is None:
            continue
        known, n = truth.level_share[level], truth.level_assessed[level]
        error = math.sqrt(known * (1 - known) / n) if n else 0.0
        checks.append(
            RiskCheck(months, outcome, level, share.share, share.low, share.high, known, error)
        )
    return checks
