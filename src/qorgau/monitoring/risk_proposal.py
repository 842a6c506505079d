"""A proposed version of the risk instrument, judged on past assessments before it is used.

An instrument is data (``registry/data/risk_instruments/*.yaml``): a new version changes items,
weights, cut-offs or red flags. Before it is switched on (its ``in_force_from`` written), the
analyst runs it over the answers already given: every past assessment of the same instrument is
scored again with the proposal, and the two scores are compared on the outcomes that followed
within the window (the accuracy page's outcomes and censoring, ``risk_outcomes``): the AUC of
each and their difference with DeLong's paired interval, and the observed share of the outcome
by the proposal's levels. Items the proposal adds were never asked, so they count as "no" in
every past assessment: the report names them, since the comparison cannot speak for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qorgau.monitoring import risk_outcomes as ro
from qorgau.monitoring.risk_statistics import (
    AucDifference,
    LevelShare,
    auc_delong_paired,
    level_shares,
)
from qorgau.registry import choices as c
from qorgau.registry.risk import Instrument, risk_score


@dataclass
class ProposalComparison:
    """The proposal against the scores given, over one window's complete assessments."""

    proposed: Instrument
    months: int
    outcome: str
    as_of: dt.date | None
    assessed: int = 0
    censored: int = 0
    events: int = 0
    auc: AucDifference | None = None
    never_asked: list[str] = field(default_factory=list)
    levels: list[LevelShare] = field(default_factory=list)
    changed_level: int = 0  # assessments whose computed level the proposal would change

    @property
    def better(self) -> bool | None:
        """Whether the proposal predicts better beyond chance (its interval above 0)."""
        if self.auc is None:
            return None
        return self.auc.low > 0


def _rescored(proposed: Instrument, answers: Any) -> tuple[float, str]:
    allowed = {item.code: item.max_count for item in proposed.items}
    given = {
        code: min(int(value or 0), allowed[code])
        for code, value in (answers or {}).items()
        if code in allowed
    }
    result = risk_score(proposed, given)
    return float(result.score), str(result.level)


def proposal_compare(
    proposed: Instrument,
    *,
    months: int = 12,
    outcome: str = "revictimisation",
    as_of: dt.date | None = None,
) -> ProposalComparison:
    """Score every past assessment of ``proposed.code`` again and compare on ``outcome``."""
    end = as_of or ro.data_end()
    report = ProposalComparison(proposed, months, outcome, end)
    frame = ro.assessments_frame()
    frame = frame[frame["instrument"] == proposed.code]
    if frame.empty or end is None:
        return report
    asked: set[str] = set()
    for answers in frame["answers"]:
        asked.update(code for code, value in (answers or {}).items() if value)
    report.never_asked = [item.code for item in proposed.items if item.code not in asked]
    kept, report.censored = ro.window_outcomes(ro.outcome_moments(frame), months, end)
    report.assessed = len(kept)
    if kept.empty:
        return report
    rescored = pd.DataFrame(
        [_rescored(proposed, answers) for answers in kept["answers"]],
        columns=["score", "level"],
        index=kept.index,
    )
    y = kept[outcome].to_numpy(dtype=bool)
    report.events = int(y.sum())
    report.auc = auc_delong_paired(kept["score"].to_numpy(), rescored["score"].to_numpy(), y)
    order = [str(v) for v in c.RISK_ORDER]
    report.levels = level_shares(rescored["level"].to_numpy(), y, order)
    computed = kept["computed_level"].to_numpy()
    report.changed_level = int(np.sum(rescored["level"].to_numpy() != computed))
    return report
