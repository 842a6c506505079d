"""What an incremental computation recomputes (the month path), and the stored figures it
shifts instead of reading every record again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from qorgau.monitoring.engine.counting import Cell, DayKey, FirstCell
from qorgau.monitoring.engine.writing import StoredKey, _read_day_figures
from qorgau.monitoring.models import DayFigure, FirstCountedPersons
from qorgau.monitoring.reading import plain_rows


@dataclass
class _Incremental:
    """What an incremental computation recomputes, and the stored figures it shifts."""

    first: dt.date  # the first day of the first recomputed month
    last: dt.date  # the last day of the last recomputed month
    periods: set[str]
    figures: dict[str, dict[Cell, tuple[Any, ...]]]  # indicator -> stored cell -> figures
    shiftable: set[str] = dataclass_field(default_factory=set)
    # The day path (``since`` inside the window of day figures): the indicators shifted day by
    # day, the first day read again, and their stored day figures and first counts from it on.
    daily: set[str] = dataclass_field(default_factory=set)
    from_day: dt.date | None = None
    # The last day of the last year recomputed: days after it belong to later periods, whose
    # cells and day figures are left to the run that covers them (as in the month path).
    to_day: dt.date | None = None
    day_stored: dict[tuple[str, int], dict[DayKey, tuple[int, float]]] = dataclass_field(
        default_factory=dict
    )
    firsts_stored: dict[tuple[str, int], dict[FirstCell, tuple[int, int]]] = dataclass_field(
        default_factory=dict
    )

    @classmethod
    def of(
        cls,
        since: dt.date,
        until: dt.date,
        periods: set[str],
        existing: dict[StoredKey, tuple[int, tuple[Any, ...]]],
    ) -> _Incremental:
        until = max(until, since)
        following = dt.date(until.year + until.month // 12, until.month % 12 + 1, 1)
        figures: dict[str, dict[Cell, tuple[Any, ...]]] = defaultdict(dict)
        for (code, territory, period, breakdown), (_pk, stored) in existing.items():
            figures[code][territory, period, breakdown] = stored
        return cls(
            since.replace(day=1),
            following - dt.timedelta(days=1),
            periods,
            figures,
            to_day=dt.date(until.year, 12, 31),
        )

    def daily_from(self, since: dt.date, codes: set[str]) -> None:
        """Take the day path for ``codes``: read their day figures from ``since`` on, and the
        first counts of the months from ``since``'s on."""
        self.daily, self.from_day = codes, since
        figures = DayFigure.objects.filter(
            day__gte=since, day__lte=self.to_day, indicator__in=sorted(codes)
        )
        self.day_stored = _read_day_figures(figures)
        firsts = FirstCountedPersons.objects.filter(  # the term too, to use the index
            indicator__in=sorted(codes),
            term__in=[0, 1],
            month__gte=f"{since:%Y-%m}",
            month__lte=f"{self.to_day:%Y-%m}",
        )
        for pk, code, term, territory, period, breakdown, month, persons in plain_rows(
            firsts,
            "pk",
            "indicator",
            "term",
            "territory_id",
            "period",
            "breakdown",
            "month",
            "persons",
        ):
            self.firsts_stored.setdefault((code, term), {})[territory, period, breakdown, month] = (
                pk,
                persons,
            )

    def shifted(
        self, code: str, position: int, fresh: dict[Cell, float], stock: bool
    ) -> dict[Cell, float]:
        """The term's figures after replacing its recomputed months by ``fresh``.

        ``fresh`` holds the figures of the recomputed months' rows alone, for every period
        kind; each stored quarter and year loses what its recomputed months held and gains
        what they hold now. A stock's quarter and year are averages over three and twelve
        months, so a month moves them by a third and a twelfth of its change.
        """
        result: dict[Cell, float] = {}
        for cell, figures in self.figures.get(code, {}).items():
            result[cell] = figures[position] or 0.0
        for (territory, period, breakdown), figures in self.figures.get(code, {}).items():
            if len(period) != 7 or not figures[position]:  # a month is written "YYYY-MM"
                continue
            month = figures[position]
            quarter = f"{period[:4]}Q{(int(period[5:]) - 1) // 3 + 1}"
            result[territory, period, breakdown] -= month
            for whole, months in ((quarter, 3), (period[:4], 12)):
                cell = (territory, whole, breakdown)
                result[cell] = result.get(cell, 0.0) - (month / months if stock else month)
        for cell, value in fresh.items():
            result[cell] = result.get(cell, 0.0) + value
        return {cell: round(value, 9) for cell, value in result.items() if abs(value) > 1e-9}
