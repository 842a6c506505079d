"""What the indicators of one computation share, and each term's figures: the month path
(``term_figures``: recomputed months, shifted quarters and years, recounted distinct
persons) and the day path (``day_deltas``: the change of the day figures from ``since``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.db.models import Sum

from qorgau.monitoring.catalogue import Indicator, Term
from qorgau.monitoring.engine.counting import (
    _COLUMNS_CACHE,
    Cell,
    DayKey,
    FirstCell,
    _periods_of,
    _TerritoryTree,
    day_figures,
    first_months,
    tally,
)
from qorgau.monitoring.engine.figures import _is_daily, _population, _snapped
from qorgau.monitoring.engine.incremental import _Incremental
from qorgau.monitoring.engine.writing import StoredKey
from qorgau.monitoring.measures import (
    ADDITIVE_MEASURES,
    DAY_ROWS,
    DISTINCT_PERSONS,
    MEASURES,
    PERSON_HISTORIES,
    POPULATION_MEASURES,
    STOCK_MEASURES,
    WHOLE_POPULATION,
    Row,
)
from qorgau.monitoring.models import FirstCountedPersons
from qorgau.monitoring.reading import plain_rows


@dataclass
class _Context:
    """What every indicator of one computation shares: the territories, the rows read and,
    for an incremental computation, what it recomputes."""

    tree: _TerritoryTree
    start: dt.date | None
    incremental: _Incremental | None
    window: dt.date | None = None  # the first day whose day figures are kept
    populations: dict[str, Any] = dataclass_field(default_factory=dict)
    rows: dict[tuple[str, dt.date | None, dt.date | None], list[Row]] = dataclass_field(
        default_factory=dict
    )
    # (indicator, term) -> the first and last day (None: no end) and their day figures, to store
    day_fresh: dict[tuple[str, int], tuple[dt.date, dt.date | None, dict[DayKey, float]]] = (
        dataclass_field(default_factory=dict)
    )
    # indicator -> the change of each cell's numerator and denominator (the day path)
    deltas: dict[str, tuple[dict[Cell, float], dict[Cell, float]]] = dataclass_field(
        default_factory=dict
    )
    # (indicator, term) -> persons first counted per month: all of them in a full computation,
    # those from the first recomputed month on in an incremental one
    first_counts: dict[tuple[str, int], dict[FirstCell, int]] = dataclass_field(
        default_factory=dict
    )
    # stored cells an incremental computation found unchanged (indicator, territory, period,
    # breakdown)
    unchanged: set[StoredKey] = dataclass_field(default_factory=set)
    # (indicator, term) -> the stored counts from the first recomputed month on (incremental)
    first_stored: dict[tuple[str, int], dict[FirstCell, tuple[int, int]]] = dataclass_field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        self.populations = {
            name: _population(sex, sampled=name not in WHOLE_POPULATION)
            for name, sex in POPULATION_MEASURES.items()
        }
        _COLUMNS_CACHE.clear()

    def measure_rows(
        self, name: str, start: dt.date | None, active_since: dt.date | None = None
    ) -> list[Row]:
        """The measure's rows from ``start`` on; with ``active_since``, only those of the
        persons with a row from that day on."""
        if (name, start, active_since) not in self.rows:
            if active_since and start:
                rows = PERSON_HISTORIES[name](start, active_since)
            else:
                rows = MEASURES[name](start)
            self.rows[name, start, active_since] = list(rows)
        return self.rows[name, start, active_since]

    def day_rows(self, name: str, rows: list[Row], first: dt.date) -> list[Row]:
        """Rows whose days are their own, from ``first`` on: a measure whose rows span days
        (``DAY_ROWS``) is read again split by day."""
        if name not in DAY_ROWS:
            return rows
        key = (f"{name}/day", first, None)
        if key not in self.rows:
            self.rows[key] = list(DAY_ROWS[name](first))
        return self.rows[key]

    def keep_day_figures(
        self,
        indicator: Indicator,
        term: Term,
        position: int,
        breakdowns: tuple[str, ...],
        rows: list[Row],
        rows_from: dt.date | None,
    ) -> None:
        """Note the term's day figures of the window's days that ``rows`` (read from
        ``rows_from`` on) cover, for storing."""
        if self.window is None or not _is_daily(indicator):
            return
        first = max(self.window, rows_from) if rows_from else self.window
        last = self.incremental.to_day if self.incremental else None
        figures = day_figures(
            self.day_rows(term.measure, rows, first),
            term,
            breakdowns,
            self.tree,
            term.measure in DISTINCT_PERSONS,
            first,
            last,
        )
        self.day_fresh[indicator.code, position] = (first, last, figures)

    def day_deltas(self, indicator: Indicator) -> None:
        """The day path: how much each cell's numerator and denominator move, from the change
        in the day figures from ``since`` on (fresh less stored)."""
        terms = [(0, indicator.numerator)]
        if indicator.denominator.measure not in POPULATION_MEASURES:
            terms.append((1, indicator.denominator))
        moves: list[dict[Cell, float]] = [{}, {}]
        for position, term in terms:
            moves[position] = self._term_delta(
                indicator.code, term, position, indicator.disaggregations
            )
        self.deltas[indicator.code] = (moves[0], moves[1])

    def _term_delta(
        self, code: str, term: Term, position: int, breakdowns: tuple[str, ...]
    ) -> dict[Cell, float]:
        incremental = self.incremental
        assert incremental is not None and incremental.from_day and incremental.to_day
        since = incremental.from_day
        distinct = term.measure in DISTINCT_PERSONS
        if distinct:
            rows = self.measure_rows(term.measure, self.start, active_since=since)
        elif term.measure in DAY_ROWS:
            rows = self.day_rows(term.measure, [], since)
        else:
            rows = self.measure_rows(term.measure, since)
        last = incremental.to_day
        fresh = day_figures(rows, term, breakdowns, self.tree, distinct, since, last)
        self.day_fresh[code, position] = (since, last, fresh)
        stored = incremental.day_stored.get((code, position), {})
        move: dict[Cell, float] = defaultdict(float)
        firsts: dict[FirstCell, float] = defaultdict(float)
        changes = itertools.chain(
            fresh.items(), ((key, -figure) for key, (_pk, figure) in stored.items())
        )
        for (territory, period, breakdown, day), figure in changes:
            if not period:
                for code_ in _periods_of(day):
                    move[territory, code_, breakdown] += figure
                continue
            move[territory, period, breakdown] += figure
            if len(period) != 7:  # a quarter or a year keeps first counts by month
                firsts[territory, period, breakdown, _periods_of(day)[0]] += figure
        if distinct:
            self._shift_first_counts(code, position, firsts)
        return {cell: value for cell, value in move.items() if abs(value) > 1e-9}

    def _shift_first_counts(
        self, code: str, position: int, changes: dict[FirstCell, float]
    ) -> None:
        """Move the stored first counts by month as the day figures moved."""
        assert self.incremental is not None
        stored = self.incremental.firsts_stored.get((code, position), {})
        counts: dict[FirstCell, int] = {}
        before: dict[FirstCell, tuple[int, int]] = {}
        for cell, change in changes.items():
            if not round(change):
                continue
            old = stored.get(cell)
            if old is not None:
                before[cell] = old
            persons = (old[1] if old else 0) + round(change)
            if persons:
                counts[cell] = persons
        self.first_counts[code, position] = counts
        self.first_stored[code, position] = before

    def term_figures(
        self,
        indicator: Indicator,
        term: Term,
        position: int,
        breakdowns: tuple[str, ...],
        shift: bool = True,
    ) -> dict[Cell, float]:
        """The term's figure in every cell (of the affected periods, when incremental).

        ``shift`` allows shifting the stored figures of an additive term; an estimate's
        indicator stores only the cells its estimate covers, so it cannot.
        """
        stock = term.measure in STOCK_MEASURES
        distinct = term.measure in DISTINCT_PERSONS
        incremental = self.incremental
        if incremental is not None and indicator.code in incremental.daily:
            # an estimate's counted term: its stored figures moved by the day figures (a
            # figure not stored is nought: no value is kept where the counted term is nought)
            move = self._term_delta(indicator.code, term, position, breakdowns)
            stored = incremental.figures.get(indicator.code, {})
            figures = {cell: old[position] or 0.0 for cell, old in stored.items()}
            for cell, change in move.items():
                figures[cell] = figures.get(cell, 0.0) + change
            return {cell: _snapped(figure, term.measure) for cell, figure in figures.items()}
        if incremental is not None and indicator.code in incremental.shiftable:
            first, last = incremental.first, incremental.last
            if distinct and term.measure in PERSON_HISTORIES:
                figures = self._recounted(indicator.code, term, position, breakdowns, shift)
                rows = self.measure_rows(term.measure, self.start, active_since=first)
                self.keep_day_figures(indicator, term, position, breakdowns, rows, first)
                return figures
            if shift and term.measure in ADDITIVE_MEASURES:
                rows = self.measure_rows(term.measure, first)
                fresh = tally(rows, term, breakdowns, self.tree, False, first, stock, last)
                self.keep_day_figures(indicator, term, position, breakdowns, rows, first)
                shifted = incremental.shifted(indicator.code, position, fresh, stock)
                return {cell: _snapped(figure, term.measure) for cell, figure in shifted.items()}
        rows = self.measure_rows(term.measure, self.start)
        if distinct and incremental is None:
            self.first_counts[indicator.code, position] = first_months(
                rows, term, breakdowns, self.tree
            )
        rows_from = incremental.first if incremental else None
        self.keep_day_figures(indicator, term, position, breakdowns, rows, rows_from)
        return tally(rows, term, breakdowns, self.tree, distinct, self.start, stock)

    def _recounted(
        self, code: str, term: Term, position: int, breakdowns: tuple[str, ...], shift: bool
    ) -> dict[Cell, float]:
        """Distinct persons in the affected periods, reading only the persons with a row in
        the recomputed months: a month counts them all; a quarter or a year counts the
        persons first counted in its earlier months and those first counted from the first
        recomputed month on (counted again now).

        The earlier months' persons are the stored figure less the stored first counts from
        that month on; an estimate's indicator (``shift`` false) does not store every cell, so
        its earlier first counts are summed instead.
        """
        incremental = self.incremental
        assert incremental is not None and self.start is not None
        rows = self.measure_rows(term.measure, self.start, active_since=incremental.first)
        result = {
            cell: value
            for cell, value in tally(
                rows, term, breakdowns, self.tree, True, incremental.first, False, incremental.last
            ).items()
            if len(cell[1]) == 7  # the months; quarters and years follow
        }
        month = f"{incremental.first:%Y-%m}"
        fresh = {
            cell: count
            for cell, count in first_months(rows, term, breakdowns, self.tree).items()
            if cell[3] >= month
        }
        self.first_counts[code, position] = fresh
        stored = FirstCountedPersons.objects.filter(indicator=code, term=position)
        later = {
            (t, p, b, m): (pk, n)
            for pk, t, p, b, m, n in plain_rows(
                # the months after the last year recomputed were read no more (``to_day``)
                stored.filter(month__gte=month, month__lte=f"{incremental.to_day:%Y-%m}"),
                "pk",
                "territory_id",
                "period",
                "breakdown",
                "month",
                "persons",
            )
        }
        self.first_stored[code, position] = later
        counts: list[tuple[Cell, float]] = [((t, p, b), n) for (t, p, b, _m), n in fresh.items()]
        if shift:
            for cell, figures in incremental.figures.get(code, {}).items():
                if len(cell[1]) != 7:
                    counts.append((cell, figures[position] or 0.0))
            counts += [((t, p, b), -n) for (t, p, b, _month), (_pk, n) in later.items()]
        else:
            earlier = (
                stored.filter(month__gte=f"{self.start:%Y-%m}", month__lt=month)
                .filter(period__in=sorted(incremental.periods))
                .values("territory_id", "period", "breakdown")
                .annotate(persons_sum=Sum("persons"))
            )
            counts += [
                ((t, p, b), n)
                for t, p, b, n in plain_rows(
                    earlier, "territory_id", "period", "breakdown", "persons_sum"
                )
            ]
        for cell, count in counts:
            if cell[1] in incremental.periods:
                result[cell] = result.get(cell, 0.0) + count
        return {cell: value for cell, value in result.items() if value}
