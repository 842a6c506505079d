"""How well the risk instrument predicted what followed: the report behind the accuracy page
and ``qorgau risk accuracy``.

For each follow-up window (3, 6, 12 months) and the assessments whose window is complete: the
share followed by each outcome and the AUC of the score for it; for one chosen outcome, the
observed share by level (the instrument defines no expected share per level, so the check is
that the share rises with the level), the AUC by version, year, sex and region, each item's
own AUC and odds ratio, and a drift warning per version. Aggregates only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from qorgau.monitoring import risk_outcomes as ro
from qorgau.monitoring.risk_statistics import (
    Auc,
    LevelShare,
    Odds,
    auc_delong,
    drifted,
    level_shares,
    odds_ratio,
    rises_with_level,
)
from qorgau.registry import choices as c
from qorgau.registry.risk import InstrumentError, Item, instrument_load
from qorgau.territory.models import Territory

Progress = Callable[[str], None]


@dataclass(frozen=True)
class OutcomeRow:
    outcome: str
    label: str
    assessed: int
    events: int
    auc: Auc | None

    @property
    def share(self) -> float:
        return self.events / self.assessed if self.assessed else float("nan")

    @property
    def percent(self) -> float:
        return 100 * self.share


@dataclass(frozen=True)
class GroupRow:
    """The chosen outcome's AUC in one region, year, sex or instrument version."""

    label: str
    assessed: int
    events: int
    auc: Auc | None


@dataclass(frozen=True)
class ItemRow:
    code: str
    label: str
    auc: Auc | None
    odds: Odds | None


@dataclass(frozen=True)
class Drift:
    version: str
    year: int
    earlier: Auc
    latest: Auc


@dataclass
class WindowReport:
    months: int
    assessed: int
    censored: int
    outcomes: list[OutcomeRow]
    levels: list[LevelShare] = field(default_factory=list)
    rises: bool | None = None
    breakdowns: dict[str, list[GroupRow]] = field(default_factory=dict)
    items: list[ItemRow] = field(default_factory=list)
    drifts: list[Drift] = field(default_factory=list)


@dataclass
class AccuracyReport:
    outcome: str
    as_of: dt.date | None
    total: int
    windows: list[WindowReport]


def outcome_labels() -> dict[str, str]:
    return {
        "revictimisation": _("re-victimisation"),
        "breach": _("breach of an order or requirement"),
        "serious_harm": _("serious harm"),
        "death": _("death"),
        "any": _("any of these"),
    }


def risk_accuracy(
    outcome: str = "revictimisation",
    windows: Iterable[int] = ro.WINDOWS,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> AccuracyReport:
    """The accuracy report; ``as_of`` is the data's end (the newest record when not given)."""
    say = progress or (lambda message: None)
    frame = ro.assessments_frame()
    say(_("Read %(count)s risk assessments.") % {"count": len(frame)})
    end = as_of or ro.data_end()
    if frame.empty or end is None:
        return AccuracyReport(outcome, end, len(frame), [])
    frame = ro.outcome_moments(frame)
    say(_("Read the outcomes that followed them, up to %(day)s.") % {"day": end.isoformat()})
    reports = []
    for months in windows:
        kept, censored = ro.window_outcomes(frame, months, end)
        reports.append(window_report(kept, censored, months, outcome))
        say(
            _("Window of %(months)s months: %(assessed)s assessments, %(censored)s censored.")
            % {"months": months, "assessed": len(kept), "censored": censored}
        )
    return AccuracyReport(outcome, end, len(frame), reports)


def window_report(kept: pd.DataFrame, censored: int, months: int, outcome: str) -> WindowReport:
    """Every figure of one window, from its complete assessments."""
    labels = outcome_labels()
    rows = [
        OutcomeRow(name, labels[name], len(kept), int(kept[name].sum()) if len(kept) else 0,
                   auc_delong(kept["score"], kept[name]) if len(kept) else None)
        for name in (*ro.OUTCOMES, "any")
    ]  # fmt: skip
    report = WindowReport(months, len(kept), censored, rows)
    if kept.empty:
        return report
    y = kept[outcome].to_numpy(dtype=bool)
    shares = level_shares(kept["level"].to_numpy(), y, [str(v) for v in c.RISK_ORDER])
    report.rises = rises_with_level(shares)
    report.levels = [replace(s, level=str(c.RiskLevel(s.level).label)) for s in shares]
    report.breakdowns = _breakdowns(kept, outcome)
    report.items = _items(kept, y)
    report.drifts = version_drifts(kept, outcome)
    return report


def _grouped(
    kept: pd.DataFrame, key: pd.Series, outcome: str, names: dict[object, str]
) -> list[GroupRow]:
    rows = []
    for value, group in kept.groupby(key, sort=True, dropna=False):
        label = names.get(value, str(value))
        rows.append(
            GroupRow(label, len(group), int(group[outcome].sum()),
                     auc_delong(group["score"], group[outcome]))
        )  # fmt: skip
    return rows


def _version_key(kept: pd.DataFrame) -> pd.Series:
    return kept["instrument"] + " v" + kept["version"].astype(str)


def _breakdowns(kept: pd.DataFrame, outcome: str) -> dict[str, list[GroupRow]]:
    regions = {t.pk: t.name for t in Territory.objects.filter(pk__in=set(kept["region"].dropna()))}
    sexes = {str(value): str(label) for value, label in c.Sex.choices}
    return {
        _("Instrument version"): _grouped(kept, _version_key(kept), outcome, {}),
        _("Year of assessment"): _grouped(kept, kept["year"], outcome, {}),
        _("Sex of the victim"): _grouped(kept, kept["sex"], outcome, sexes),  # type: ignore[arg-type]
        _("Region"): sorted(
            _grouped(kept, kept["region"], outcome, regions),  # type: ignore[arg-type]
            key=lambda row: row.label,
        ),
    }


def _instrument_items(kept: pd.DataFrame) -> list[Item]:
    """The items of every instrument version assessed, each once, in the instrument's order."""
    items: dict[str, Item] = {}
    for code, version in kept[["instrument", "version"]].drop_duplicates().itertuples(index=False):
        try:
            instrument = instrument_load(code, int(version))
        except InstrumentError:
            continue
        for item in instrument.items:
            items.setdefault(item.code, item)
    return list(items.values())


def _items(kept: pd.DataFrame, y: np.ndarray) -> list[ItemRow]:
    """Each item's own AUC and odds ratio: which items carry the prediction."""
    rows = []
    for item in _instrument_items(kept):
        answer = kept["answers"].map(lambda a, code=item.code: float((a or {}).get(code, 0) or 0))
        rows.append(ItemRow(item.code, item.label(), auc_delong(answer, y), odds_ratio(answer, y)))
    return sorted(rows, key=lambda row: -(row.auc.value if row.auc else 0.0))


def version_drifts(kept: pd.DataFrame, outcome: str) -> list[Drift]:
    """Versions whose AUC in the latest year falls outside the interval of earlier years."""
    found = []
    for version, group in kept.groupby(_version_key(kept)):
        latest_year = int(group["year"].max())
        earlier, latest = group[group["year"] < latest_year], group[group["year"] == latest_year]
        before = auc_delong(earlier["score"], earlier[outcome])
        now = auc_delong(latest["score"], latest[outcome])
        if before is not None and now is not None and drifted(before, now):
            found.append(Drift(str(version), latest_year, before, now))
    return found
