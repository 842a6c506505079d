"""The statistics of a risk instrument's accuracy: AUC with DeLong's interval, the odds of an
item, the observed share by level, and drift between years.

Pure functions over arrays, so that they can be proved on data nobody here generated (the
tests draw scores from two normal distributions whose AUC is known in closed form, and check a
tiny table against SciPy's Mann–Whitney U). Nothing here knows the registry.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, rankdata

from qorgau.monitoring.intervals import wilson_interval

Z95 = float(norm.ppf(0.975))


@dataclass(frozen=True)
class Auc:
    """The area under the ROC curve: the chance that a case with the outcome scored higher
    than one without (ties count half), with DeLong's 95% interval."""

    value: float
    low: float
    high: float
    cases: int  # with the outcome
    controls: int  # without it

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Odds:
    """The odds ratio of the outcome for a "yes" to an item against a "no", with a Woolf
    interval (0.5 added to every cell when one is empty, Haldane's correction)."""

    ratio: float
    low: float
    high: float
    yes: int  # assessments answering yes
    yes_events: int


@dataclass(frozen=True)
class LevelShare:
    """The share of assessments at one level followed by the outcome, with Wilson's interval."""

    level: str
    assessed: int
    events: int
    share: float
    low: float
    high: float

    @property
    def percents(self) -> tuple[float, float, float]:
        """Share and interval in percent, as the page shows them."""
        return 100 * self.share, 100 * self.low, 100 * self.high


def _delong_parts(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The AUC and DeLong's structural components (V10 of the cases, V01 of the controls)."""
    cases, controls = x[y], x[~y]
    m, n = len(cases), len(controls)
    if m < 2 or n < 2:
        return None
    combined = rankdata(np.concatenate([cases, controls]))
    within_cases, within_controls = rankdata(cases), rankdata(controls)
    value = float((combined[:m].sum() - m * (m + 1) / 2) / (m * n))
    v10 = (combined[:m] - within_cases) / n
    v01 = 1.0 - (combined[m:] - within_controls) / m
    return value, v10, v01


def auc_delong(
    scores: Sequence[float] | np.ndarray, outcome: Sequence[bool] | np.ndarray
) -> Auc | None:
    """AUC with DeLong's variance (Sun & Xu's midrank form); ``None`` without two of each.

    The interval is the normal one on the AUC scale, clipped to [0, 1]: it is what VioGén's
    and ODARA's validations report, so the figures compare.
    """
    y = np.asarray(outcome, dtype=bool)
    parts = _delong_parts(np.asarray(scores, dtype=float), y)
    if parts is None:
        return None
    value, v10, v01 = parts
    m, n = len(v10), len(v01)
    variance = float(np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n)
    half = Z95 * math.sqrt(max(variance, 0.0))
    return Auc(value, max(0.0, value - half), min(1.0, value + half), m, n)


@dataclass(frozen=True)
class AucDifference:
    """Two scores' AUCs on the same assessments and outcomes, and their difference with
    DeLong's paired interval and two-sided p-value (DeLong, DeLong & Clarke-Pearson 1988)."""

    first: Auc
    second: Auc
    difference: float  # second − first
    low: float
    high: float
    p_value: float


def auc_delong_paired(
    first: Sequence[float] | np.ndarray,
    second: Sequence[float] | np.ndarray,
    outcome: Sequence[bool] | np.ndarray,
) -> AucDifference | None:
    """Compare two scores of the same assessments: the variance of the difference uses the
    covariance of their DeLong components, so a proposal is judged on the very cases the
    current instrument was; ``None`` without two cases and two controls."""
    y = np.asarray(outcome, dtype=bool)
    one = _delong_parts(np.asarray(first, dtype=float), y)
    two = _delong_parts(np.asarray(second, dtype=float), y)
    a, b = auc_delong(first, y), auc_delong(second, y)
    if one is None or two is None or a is None or b is None:
        return None
    m, n = len(one[1]), len(one[2])
    variance = float(np.var(two[1] - one[1], ddof=1) / m + np.var(two[2] - one[2], ddof=1) / n)
    difference = two[0] - one[0]
    sd = math.sqrt(max(variance, 0.0))
    half = Z95 * sd
    p_value = 1.0 if sd == 0 else float(2 * norm.sf(abs(difference) / sd))
    return AucDifference(a, b, difference, difference - half, difference + half, p_value)


def odds_ratio(
    answer: Sequence[float] | np.ndarray, outcome: Sequence[bool] | np.ndarray
) -> Odds | None:
    """Odds ratio of the outcome for a positive answer (a count above 0 counts as yes)."""
    yes = np.asarray(answer, dtype=float) > 0
    y = np.asarray(outcome, dtype=bool)
    if len(y) == 0:
        return None
    cells = np.array(
        [(yes & y).sum(), (yes & ~y).sum(), (~yes & y).sum(), (~yes & ~y).sum()], dtype=float
    )
    if (cells == 0).any():
        cells = cells + 0.5
    a, b, c, d = cells
    log_ratio = math.log(a * d / (b * c))
    half = Z95 * math.sqrt((1 / cells).sum())
    return Odds(
        math.exp(log_ratio),
        math.exp(log_ratio - half),
        math.exp(log_ratio + half),
        int(yes.sum()),
        int((yes & y).sum()),
    )


def level_shares(
    levels: Sequence[str] | np.ndarray, outcome: Sequence[bool] | np.ndarray, order: Sequence[str]
) -> list[LevelShare]:
    """The observed share with the outcome at each level, in the instrument's order."""
    lv = np.asarray(levels, dtype=object)
    y = np.asarray(outcome, dtype=bool)
    shares = []
    for level in order:
        at = lv == level
        assessed, events = int(at.sum()), int((at & y).sum())
        low, high = wilson_interval(events, assessed)
        share = events / assessed if assessed else math.nan
        shares.append(LevelShare(str(level), assessed, events, share, low, high))
    return shares


def rises_with_level(shares: Sequence[LevelShare]) -> bool | None:
    """Whether the observed share never falls from one level to the next (levels with no
    assessment are skipped); ``None`` with fewer than two levels to compare."""
    seen = [s.share for s in shares if s.assessed]
    if len(seen) < 2:
        return None
    return all(later >= earlier for earlier, later in zip(seen, seen[1:], strict=False))


def drifted(earlier: Auc | None, latest: Auc | None) -> bool:
    """A version drifts when its AUC in the latest year falls outside its earlier interval."""
    if earlier is None or latest is None:
        return False
    return not earlier.covers(latest.value)
