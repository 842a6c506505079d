"""Computing every indicator for every territory and period into ``IndicatorValue``.

Rows of each measure are counted once per (district, month, breakdown) and rolled up in memory
to the region and the country (along the parents of the territory version the record was
made on) and to quarters and years. Distinct-person measures keep the set of persons, so a
victim counted in two months is one victim in the year. Rates on populations carry the exact
Poisson interval; shares carry the Wilson interval.

Recomputation from a date (``since``) computes only the periods holding a day from ``since``
on, which is exactly the set of stored values new records on or after that date can change,
and writes only the cells whose figures differ from the stored ones. For an additive measure
(``ADDITIVE_MEASURES``: a period's figure is the sum of its months') it reads only the records
of the recomputed months and shifts each stored quarter and year by the change in its
recomputed months; a measure of distinct persons reads the records from the start of the year
(a year's distinct victims need all of them).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from qorgau.monitoring.catalogue import Catalogue, Indicator, Term, catalogue_load
from qorgau.monitoring.intervals import poisson_interval, wilson_interval
from qorgau.monitoring.measures import (
    ADDITIVE_MEASURES,
    DAY_ROWS,
    DISTINCT_PERSONS,
    ESTIMATE_PROVIDERS,
    EXACT_MEASURES,
    MEASURES,
    PERSON_HISTORIES,
    POPULATION_MEASURES,
    STOCK_MEASURES,
    WHOLE_POPULATION,
    Row,
    measure_is_daily,
    measure_quantum,
    reading_session,
)
from qorgau.monitoring.models import (
    ComputationRun,
    DayFigure,
    FirstCountedPersons,
    IndicatorValue,
)
from qorgau.monitoring.periods import Period, period_parse
from qorgau.monitoring.population import population_scale
from qorgau.monitoring.reading import array_literal, plain_rows
from qorgau.monitoring.recount import recount_noted, recount_settle
from qorgau.territory.models import Territory, TerritoryPopulation

Cell = tuple[int, str, str]  # territory id, period code, breakdown ("" for the total)
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class _TerritoryTree:
    ancestors: dict[int, tuple[int, ...]]  # district id -> (district, region, country)

    @classmethod
    def load(cls) -> _TerritoryTree:
        parent = dict(Territory.objects.values_list("pk", "parent_id"))
        ancestors = {}
        for pk in parent:
            chain = [pk]
            while parent.get(chain[-1]):
                chain.append(parent[chain[-1]])
            ancestors[pk] = tuple(chain)
        return cls(ancestors)


@dataclass
class _Columns:
    """A measure's rows as arrays, built once per computation and shared by its indicators."""

    ordinal: np.ndarray
    month: np.ndarray  # year * 12 + month - 1
    district: np.ndarray
    key: np.ndarray
    weight: np.ndarray
    rows: list[Row]
    text: dict[str, np.ndarray] = dataclass_field(default_factory=dict)
    factors: dict[str, tuple[list[str], np.ndarray]] = dataclass_field(default_factory=dict)
    district_index: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, rows: list[Row]) -> _Columns:
        return cls(
            ordinal=np.fromiter((r.day.toordinal() for r in rows), dtype=np.int64, count=len(rows)),
            month=np.fromiter(
                (r.day.year * 12 + r.day.month - 1 for r in rows), dtype=np.int64, count=len(rows)
            ),
            district=np.fromiter((r.district_id for r in rows), dtype=np.int64, count=len(rows)),
            key=np.fromiter(
                (r.key if r.key is not None else -1 for r in rows), dtype=np.int64, count=len(rows)
            ),
            weight=np.fromiter((r.weight for r in rows), dtype=np.float64, count=len(rows)),
            rows=rows,
        )

    def factorised(self, name: str) -> tuple[list[str], np.ndarray]:
        """The field's distinct texts and each row's position among them (computed once)."""
        if name not in self.factors:
            values, inverse = np.unique(self.field(name), return_inverse=True)
            self.factors[name] = (list(values), inverse.astype(np.int64))
        return self.factors[name]

    def districts(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct districts and each row's position among them (computed once)."""
        if self.district_index is None:
            values, inverse = np.unique(self.district, return_inverse=True)
            self.district_index = (values, inverse.astype(np.int64))
        return self.district_index

    def field(self, name: str) -> np.ndarray:
        """The field as text (``str(value)``, as the catalogue's filters and labels compare it)."""
        if name not in self.text:
            self.text[name] = np.asarray([str(r.fields.get(name)) for r in self.rows], dtype=object)
        return self.text[name]


_COLUMNS_CACHE: dict[int, tuple[list[Row], _Columns]] = {}


def _columns(rows: list[Row]) -> _Columns:
    cached = _COLUMNS_CACHE.get(id(rows))
    if cached is None or cached[0] is not rows:
        cached = (rows, _Columns.of(rows))
        _COLUMNS_CACHE[id(rows)] = cached
    return cached[1]


_KINDS = (("month", 1), ("quarter", 3), ("year", 12))


def _period_index(month: np.ndarray, kind: str) -> np.ndarray:
    if kind == "month":
        return month
    if kind == "quarter":
        return (month // 12) * 4 + (month % 12) // 3
    return month // 12


@lru_cache(maxsize=100_000)
def _period_code(kind: str, index: int) -> str:
    if kind == "month":
        return f"{index // 12}-{index % 12 + 1:02d}"
    if kind == "quarter":
        return f"{index // 4}Q{index % 4 + 1}"
    return str(index)


@dataclass
class _Selection:
    """The selected rows at one territory level, labelled by one breakdown (or the total)."""

    territory: np.ndarray
    month: np.ndarray
    ordinal: np.ndarray  # the day, as ``date.toordinal()``
    label: np.ndarray
    names: list[str]
    weight: np.ndarray
    person: np.ndarray


def _selections(
    rows: list[Row],
    term: Term,
    breakdowns: tuple[str, ...],
    tree: _TerritoryTree,
    since: dt.date | None,
    until: dt.date | None,
) -> Iterator[_Selection]:
    """The term's rows dated from ``since`` to ``until``, once per territory level (along the
    chain of the version each row was made on) and per breakdown."""
    if not rows:
        return
    columns = _columns(rows)
    mask = np.ones(len(rows), dtype=bool)
    if since:
        mask &= columns.ordinal >= since.toordinal()
    if until:
        mask &= columns.ordinal <= until.toordinal()
    for name, wanted in term.filter.items():
        accepted = [str(v) for v in (wanted if isinstance(wanted, list) else [wanted])]
        mask &= np.isin(columns.field(name), accepted)
    if not mask.any():
        return
    month, weight, person = columns.month[mask], columns.weight[mask], columns.key[mask]
    ordinal = columns.ordinal[mask]
    districts, district_at_all = columns.districts()
    district_at = district_at_all[mask]
    chains = [tree.ancestors.get(int(d), (int(d),)) for d in districts.tolist()]
    depth = max(len(chain) for chain in chains)
    labels: list[tuple[list[str], np.ndarray]] = [([""], np.zeros(len(month), dtype=np.int64))]
    for name in breakdowns:
        values, codes = columns.factorised(name)
        labels.append(([f"{name}={v}" for v in values], codes[mask]))
    for level in range(depth):
        # The territory at this level of each row, through the chain of the version it was made
        # on (-1: none). Chains are aligned at the country: a row made on a region has no
        # district, and its region and country are those of the district rows, so each
        # territory is at one level only and its rows are counted together.
        level_of = np.array(
            [c[len(c) - depth + level] if len(c) - depth + level >= 0 else -1 for c in chains],
            dtype=np.int64,
        )
        territory = level_of[district_at]
        present = territory >= 0
        for names, label in labels:
            yield _Selection(
                territory[present],
                month[present],
                ordinal[present],
                label[present],
                names,
                weight[present],
                person[present],
            )


def tally(
    rows: list[Row],
    term: Term,
    breakdowns: tuple[str, ...],
    tree: _TerritoryTree,
    distinct: bool,
    since: dt.date | None,
    stock: bool = False,
    until: dt.date | None = None,
) -> dict[Cell, float]:
    """Counts (or distinct persons, or average stocks) per territory, period and breakdown,
    of the rows dated from ``since`` to ``until``.

    Vectorised with NumPy: one pass of array operations per territory level, period kind and
    breakdown instead of a Python loop over rows.
    """
    result: dict[Cell, float] = {}
    for selected in _selections(rows, term, breakdowns, tree, since, until):
        for kind, months in _KINDS:
            index = _period_index(selected.month, kind)
            key = (selected.territory << 36) | (index << 12) | selected.label
            if distinct:
                cells, sums = _sum_by_key(key, None, selected.person)
            else:
                weight = selected.weight / months if stock else selected.weight
                cells, sums = _sum_by_key(key, weight)
            # rounded so that a figure summed in another order (shifted) is the same number
            sums = np.round(sums, 9)
            result.update(zip(_cell_keys(cells, kind, selected.names), sums.tolist(), strict=True))
    return result


FirstCell = tuple[int, str, str, str]  # territory, quarter or year, breakdown, month


def first_months(
    rows: list[Row], term: Term, breakdowns: tuple[str, ...], tree: _TerritoryTree
) -> dict[FirstCell, int]:
    """For every quarter and year cell, how many of its distinct persons were first counted in
    each of its months. The sum over the months is the cell's distinct count; the months before
    a date depend only on the rows before it."""
    result: dict[FirstCell, int] = {}
    for selected in _selections(rows, term, breakdowns, tree, None, None):
        for kind in ("quarter", "year"):
            index = _period_index(selected.month, kind)
            key = (selected.territory << 36) | (index << 12) | selected.label
            cells, cell_at = np.unique(key, return_inverse=True)
            persons, person_at = np.unique(selected.person, return_inverse=True)
            pair = cell_at.astype(np.int64) * len(persons) + person_at
            order = np.lexsort((selected.month, pair))  # by pair, then month
            ordered = pair[order]
            first = order[np.r_[True, ordered[1:] != ordered[:-1]]]
            counted = cell_at[first].astype(np.int64) * 12 + selected.month[first] % 12
            combos, counts = np.unique(counted, return_counts=True)
            for combo, count in zip(combos.tolist(), counts.tolist(), strict=True):
                cell = int(cells[combo // 12])
                period = int((cell >> 12) & 0xFFFFFF)
                year = period // 4 if kind == "quarter" else period
                result[
                    (
                        cell >> 36,
                        _period_code(kind, period),
                        selected.names[cell & 0xFFF],
                        f"{year}-{combo % 12 + 1:02d}",
                    )
                ] = count
    return result


DayKey = tuple[int, str, str, dt.date]  # territory, period code ("": every period), breakdown, day


def day_figures(
    rows: list[Row],
    term: Term,
    breakdowns: tuple[str, ...],
    tree: _TerritoryTree,
    distinct: bool,
    first: dt.date,
    last: dt.date | None = None,
) -> dict[DayKey, float]:
    """Each day's part of the term's figures, for the days from ``first`` on (to ``last``).

    For an additive term, the day's own figure in each territory and breakdown, with an empty
    period: it counts the same in the day's month, quarter and year. For distinct persons, how
    many of each month's, quarter's and year's persons were first counted on the day; a cell's
    figure is the sum over its days, and the days before ``first`` depend only on the rows
    before it.
    """
    result: dict[DayKey, float] = {}
    # a cell holding a day from ``first`` on starts no earlier than that day's year
    lower = dt.date(first.year, 1, 1) if distinct else first
    origin = first.toordinal()
    # a row after ``last`` counts in no cell holding a day up to ``last`` (or in a later one)
    for selected in _selections(rows, term, breakdowns, tree, lower, last):
        if not distinct:
            key = (selected.territory << 36) | ((selected.ordinal - origin) << 12) | selected.label
            cells, sums = _sum_by_key(key, selected.weight)
            for cell, figure in zip(cells.tolist(), sums.tolist(), strict=True):
                day = dt.date.fromordinal(origin + ((cell >> 12) & 0xFFFFFF))
                result[cell >> 36, "", selected.names[cell & 0xFFF], day] = figure
            continue
        for kind, _months in _KINDS:
            index = _period_index(selected.month, kind)
            key = (selected.territory << 36) | (index << 12) | selected.label
            cells, cell_at = np.unique(key, return_inverse=True)
            persons, person_at = np.unique(selected.person, return_inverse=True)
            pair = cell_at.astype(np.int64) * len(persons) + person_at
            order = np.lexsort((selected.ordinal, pair))  # by pair, then day
            ordered = pair[order]
            firsts = order[np.r_[True, ordered[1:] != ordered[:-1]]]
            days = selected.ordinal[firsts] - origin
            counted = days >= 0
            combos, counts = np.unique(
                (cell_at[firsts][counted].astype(np.int64) << 24) | days[counted],
                return_counts=True,
            )
            for combo, count in zip(combos.tolist(), counts.tolist(), strict=True):
                cell = int(cells[combo >> 24])
                period = _period_code(kind, (cell >> 12) & 0xFFFFFF)
                day = dt.date.fromordinal(origin + (combo & 0xFFFFFF))
                result[cell >> 36, period, selected.names[cell & 0xFFF], day] = float(count)
    return result


@lru_cache(maxsize=4096)
def _periods_of(day: dt.date) -> tuple[str, str, str]:
    """The codes of the month, quarter and year holding ``day``."""
    return (f"{day:%Y-%m}", f"{day.year}Q{(day.month - 1) // 3 + 1}", str(day.year))


def _cell_keys(cells: np.ndarray, kind: str, names: list[str]) -> zip[Cell]:
    """The ``(territory, period code, breakdown)`` of each packed cell, built column-wise."""
    periods = (cells >> 12) & 0xFFFFFF
    first = int(periods.min()) if len(periods) else 0
    span = int(periods.max()) - first + 1 if len(periods) else 0
    codes = np.array([_period_code(kind, first + i) for i in range(span)], dtype=object)
    labels = np.array(names, dtype=object)
    return zip(
        (cells >> 36).tolist(),
        codes[periods - first].tolist(),
        labels[cells & 0xFFF].tolist(),
        strict=True,
    )


def _sum_by_key(
    key: np.ndarray, weight: np.ndarray | None, person: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys and, for each, the sum of its rows' weights or (with ``person``) the
    number of distinct persons among its rows.

    A key packs territory, period and label; the rows of one computation span few of each, so
    the keys are re-packed densely and counted with ``np.bincount`` (linear, no sort); distinct
    persons are counted on (dense key, person) pairs packed into one integer.
    """
    parts = [key >> 36, (key >> 12) & 0xFFFFFF, key & 0xFFF]
    lows = [int(part.min()) for part in parts]
    spans = [int(part.max()) - low + 1 for part, low in zip(parts, lows, strict=True)]
    size = spans[0] * spans[1] * spans[2]
    if size > 4 * len(key) + 1_000_000:  # sparse: the sort is cheaper than a huge table
        cells, inverse = np.unique(key, return_inverse=True)
        if person is None:
            return cells, np.bincount(inverse, weights=weight)
        return cells, _distinct_counts(inverse.astype(np.int64), person, len(cells))
    dense = ((parts[0] - lows[0]) * spans[1] + parts[1] - lows[1]) * spans[2] + parts[2] - lows[2]
    if person is None:
        totals = np.bincount(dense, weights=weight, minlength=size)
        where = np.flatnonzero(np.bincount(dense, minlength=size))
        totals = totals[where]
    else:
        counts = _distinct_counts(dense, person, size)
        where = np.flatnonzero(counts)
        totals = counts[where]
    territory, rest = np.divmod(where, spans[1] * spans[2])
    period, label = np.divmod(rest, spans[2])
    cells = ((territory + lows[0]) << 36) | ((period + lows[1]) << 12) | (label + lows[2])
    return cells, totals


def _distinct_counts(cell: np.ndarray, person: np.ndarray, size: int) -> np.ndarray:
    """For each cell index below ``size``, the number of distinct persons among its rows."""
    persons, person_at = np.unique(person, return_inverse=True)
    pairs = np.unique(cell * len(persons) + person_at)
    return np.bincount(pairs // len(persons), minlength=size).astype(np.float64)


def _population(sex: str | None, *, sampled: bool = True) -> Callable[[int, int], float | None]:
    """Population of a territory version in a year: the nearest year published, or the sum of
    its successors' for a version that ended before any figure (the 2022 reform).

    Scaled by ``population_scale()`` (1 but for a synthetic sample), so that a rate compares
    the records with the population they stand for.
    """
    scale = population_scale() if sampled else 1.0
    table: dict[int, dict[int, float]] = defaultdict(dict)
    for territory, year_, total, females in TerritoryPopulation.objects.values_list(
        "territory_id", "year", "total", "females"
    ):
        value = {None: total, "F": females, "M": total - females if females is not None else None}[
            sex
        ]
        if value is not None:
            table[territory][year_] = float(value) * scale
    successors: dict[int, list[int]] = defaultdict(list)
    from qorgau.territory.models import TerritorySuccession

    for predecessor, successor in TerritorySuccession.objects.values_list(
        "predecessor_id", "successor_id"
    ):
        successors[predecessor].append(successor)

    def lookup(territory: int, year_: int) -> float | None:
        figures = table.get(territory)
        if figures:
            nearest = min(figures, key=lambda y: (abs(y - year_), -y))
            return figures[nearest]
        parts = [lookup(s, year_) for s in successors.get(territory, [])]
        return sum(p for p in parts if p is not None) if parts and None not in parts else None

    return lookup


def _value(
    indicator: Indicator, numerator: float, denominator: float | None, rate_on_population: bool
) -> tuple[float | None, float | None, float | None]:
    if not denominator:
        return None, None, None
    scale = indicator.multiplier / denominator
    if indicator.numerator.measure in EXACT_MEASURES:
        return numerator * scale, None, None  # money, not a count: no sampling interval
    if rate_on_population or numerator > denominator:
        low, high = poisson_interval(numerator)
        return numerator * scale, low * scale, high * scale
    low, high = wilson_interval(numerator, denominator)
    return numerator * scale, low * indicator.multiplier, high * indicator.multiplier


def rate_with_interval(
    indicator: Indicator, numerator: float, denominator: float | None
) -> tuple[float | None, float | None, float | None]:
    """The value of an indicator from its two terms, with the interval its kind calls for."""
    on_population = indicator.denominator.measure in POPULATION_MEASURES
    return _value(indicator, round(numerator, 6), denominator, on_population)


@dataclass
class ComputeSummary:
    indicators_computed: int
    indicators_awaiting: list[str]
    values_written: int
    # the earlier day an incremental run started from, for records changed that are dated
    # before its ``since`` (``monitoring.recount``), else None
    recounted_from: dt.date | None = None


def indicators_compute(
    *,
    since: dt.date | None = None,
    progress: Progress | None = None,
    catalogue: Catalogue | None = None,
    only: Collection[str] | None = None,
    until: dt.date | None = None,
    window_start: dt.date | None = None,
) -> ComputeSummary:
    """Compute and store every indicator whose data exists; with ``since``, only the periods
    that contain a day from ``since`` on (its months, quarters and years).

    Records dated before ``since`` count as before, but only the cells of the affected periods
    are computed and compared with the stored ones, and only those that differ are written.
    ``since`` is moved back to the day the last run covering these indicators began, so that
    what was recorded since then (and the days the orders in force have been counted for) is
    never missed. ``only`` limits the work to those indicator codes (e.g. the ones a new
    estimate feeds). ``until`` (default today) is the last day whose periods an incremental
    computation covers: records are never dated later, so only a replay of history (the
    benchmark's "one day of new records" in a past year) sets it. ``window_start`` is the first
    day whose day figures a complete run keeps (default: the first day of the latest incident's
    month); an incremental run from a day in that window shifts only the cells the day touches.

    A run of every indicator also recounts from the days that changed records were noted on
    (``monitoring.recount``): an incremental run starts no later than the earliest, and the
    indicators of a measure noted alone (a re-offence after a programme) are recomputed from
    its own day. The notes it read are then settled; one made meanwhile waits for the next run.
    """
    if only is not None:
        return _compute(since, progress, catalogue, only, until, window_start)
    noted = recount_noted(timezone.now())
    recounted: dt.date | None = None
    if since is not None and noted.days.get("", since) < since:
        since = recounted = noted.days[""]
    summary = _compute(since, progress, catalogue, None, until, window_start)
    if since is not None:
        for measure, day in sorted(noted.days.items()):
            codes = indicators_fed_by(measure, catalogue) if measure else []
            if day < since and codes:
                summary.values_written += _compute(
                    day, None, catalogue, codes, until, None
                ).values_written
                recounted = min(day, recounted or day)
    recount_settle(noted)
    summary.recounted_from = recounted
    return summary


def _releasing_rows(compute: Callable[..., ComputeSummary]) -> Callable[..., ComputeSummary]:
    """Let go of the run's rows when it ends: a complete run's would hold gigabytes."""

    @functools.wraps(compute)
    def run(*args: Any) -> ComputeSummary:
        try:
            return compute(*args)
        finally:
            _COLUMNS_CACHE.clear()

    return run


@_releasing_rows
def _compute(
    since: dt.date | None,
    progress: Progress | None,
    catalogue: Catalogue | None,
    only: Collection[str] | None,
    until: dt.date | None,
    window_start: dt.date | None,
) -> ComputeSummary:
    catalogue = catalogue or catalogue_load()
    today = timezone.localdate()
    computable = [i for i in catalogue.indicators if not _awaits(i, catalogue)]
    awaiting = [i.code for i in catalogue.indicators if _awaits(i, catalogue)]
    if only is not None:
        computable = [i for i in computable if i.code in only]
    if since:
        since = min(since, _last_run_day({i.code for i in computable}) or since)
    window = _window(since, only, window_start, today)
    start = dt.date(since.year, 1, 1) if since else None
    run = ComputationRun.objects.create(
        started_at=timezone.now(), since=start, catalogue_version=catalogue.version
    )
    stored = IndicatorValue.objects.all()
    if only is not None:
        stored = stored.filter(indicator__in=list(only))
    incremental: _Incremental | None = None
    existing: dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]] | None = None
    if since:
        periods = affected_periods(since, until or today)
        shiftable = _complete_indicators(catalogue) & {i.code for i in computable}
        daily: set[str] = set()
        if window and since >= window:
            daily = {i.code for i in computable if i.code in shiftable and _is_daily(i)}
        # naming the indicators lets the database look the periods up by index
        codes = [i.code for i in catalogue.indicators] if only is None else list(only)
        # an estimate's indicator keeps its own cells (few: yearly, no breakdown), all read
        estimates = {i.code for i in computable if _is_estimate(i)}
        monthly = [code for code in codes if code not in daily or code in estimates]
        existing = (
            _stored_figures(stored.filter(indicator__in=monthly, period__in=sorted(periods)))
            if monthly
            else {}
        )
        incremental = _Incremental.of(since, until or today, periods, existing)
        incremental.shiftable = shiftable
        if daily:
            incremental.daily_from(since, daily)
    context = _Context(_TerritoryTree.load(), start, incremental, window)
    values: list[tuple[Any, ...]] = []
    daily_indicators: list[Indicator] = []
    with reading_session(until=incremental.to_day if incremental else None):
        for number, indicator in enumerate(computable, start=1):
            if progress:
                progress(number, len(computable), indicator.code)
            if incremental is not None and indicator.code in incremental.daily:
                if _is_estimate(indicator):
                    values.extend(_estimate_values(indicator, context))
                    continue
                context.day_deltas(indicator)
                daily_indicators.append(indicator)
                continue
            computed = _indicator_values(indicator, context)
            if incremental is not None:
                computed = [row for row in computed if row[2] in incremental.periods]
            values.extend(computed)
    if daily_indicators:
        shifted, touched = _daily_values(daily_indicators, context)
        values.extend(shifted)
        assert existing is not None
        existing.update(touched)
    with transaction.atomic():
        written = _store(values, stored, timezone.now(), existing, context.unchanged)
        _store_first_counts(context, only)
        window = _store_day_figures(context, only, window)
        run.finished_at = timezone.now()
        run.values_written = written
        run.indicators = [i.code for i in computable]
        run.window_start = window
        run.save(update_fields=["finished_at", "values_written", "indicators", "window_start"])
    return ComputeSummary(len(computable), awaiting, written)


def _is_daily(indicator: Indicator) -> bool:
    """Whether the indicator's counted terms can be shifted day by day (``measure_is_daily``):
    every term that is not a population or an estimate (the reporting ratio's registered
    victims beside their estimate) is such a measure."""
    if indicator.numerator.measure in POPULATION_MEASURES:
        return False
    counted = [
        term
        for term in (indicator.numerator, indicator.denominator)
        if term.measure not in POPULATION_MEASURES and term.measure not in ESTIMATE_PROVIDERS
    ]
    return bool(counted) and all(measure_is_daily(term.measure) for term in counted)


def _is_estimate(indicator: Indicator) -> bool:
    measures = {indicator.numerator.measure, indicator.denominator.measure}
    return bool(measures & ESTIMATE_PROVIDERS.keys())


def _finished_runs() -> QuerySet[ComputationRun]:
    return ComputationRun.objects.filter(finished_at__isnull=False).order_by("-started_at")


def _last_run_day(codes: set[str]) -> dt.date | None:
    """The local day the latest finished run that computed all of ``codes`` began."""
    for started, computed in _finished_runs().values_list("started_at", "indicators")[:50]:
        if codes <= set(computed):
            return timezone.localtime(started).date()
    return None


def _window(
    since: dt.date | None, only: Collection[str] | None, start: dt.date | None, today: dt.date
) -> dt.date | None:
    """The first day whose day figures this run keeps.

    A complete run of every indicator starts the window at ``start`` or at the first day of the
    latest incident's month; any other run keeps the window it finds (none before the first
    complete run that kept one).
    """
    if since is None and only is None:
        if start is None:
            from qorgau.registry.models import Incident

            latest = Incident.objects.order_by("-occurred_at").values_list(
                "occurred_at", flat=True
            )[:1]
            start = min(timezone.localtime(latest[0]).date(), today) if latest else today
            start = start.replace(day=1)
        return start
    current: dt.date | None = _finished_runs().values_list("window_start", flat=True).first()
    return current


def _complete_indicators(catalogue: Catalogue) -> set[str]:
    """The indicators whose stored figures a complete run of this catalogue wrote last.

    Incremental runs keep them complete; a run of an older catalogue (or a part installed
    since) leaves figures an incremental run cannot shift, so those indicators are recomputed
    over the whole of their affected periods.
    """
    complete: set[str] = set()
    seen: set[str] = set()
    runs = ComputationRun.objects.filter(since__isnull=True, finished_at__isnull=False)
    for version, codes in runs.order_by("-started_at").values_list(
        "catalogue_version", "indicators"
    )[:50]:
        fresh = set(codes) - seen
        if version == catalogue.version:
            complete |= fresh
        seen |= fresh
    return complete


def affected_periods(since: dt.date, today: dt.date) -> set[str]:
    """The codes of every month, quarter and year holding a day from ``since`` to ``today``."""
    codes: set[str] = set()
    year, month = since.year, since.month
    last = (max(today, since).year, max(today, since).month)
    while (year, month) <= last:
        codes |= {f"{year}-{month:02d}", f"{year}Q{(month - 1) // 3 + 1}", str(year)}
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return codes


_COMPARED = ("numerator", "denominator", "value", "low", "high")
StoredKey = tuple[str, int, str, str]  # indicator, territory, period code, breakdown


def _stored_figures(
    stored: QuerySet[IndicatorValue],
) -> dict[StoredKey, tuple[int, tuple[Any, ...]]]:
    """The stored cells with their primary key and figures (``_COMPARED``).

    Read through the cursor: every column is text, integer or float on both backends, so
    Django's per-row converters would only cost time (a third of an incremental run).
    """
    sql, params = (
        stored.values_list("indicator", "territory_id", "period", "breakdown", "pk", *_COMPARED)
        .query.get_compiler(stored.db)
        .as_sql()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(row[0], row[1], row[2], row[3]): (row[4], row[5:]) for row in cursor.fetchall()}


def _store(
    values: list[tuple[Any, ...]],
    stored: QuerySet[IndicatorValue],
    computed_at: dt.datetime,
    existing: dict[StoredKey, tuple[int, tuple[Any, ...]]] | None,
    unchanged: set[StoredKey],
) -> int:
    """Replace ``stored`` by ``values``; returns the rows written.

    A full computation (``existing`` is None) replaces everything. An incremental one compares
    with the ``existing`` cells first and writes only the cells whose figures changed (a day of
    new records changes a few hundred cells of the tens of thousands in a year), deleting the
    cells that no longer have a value; ``unchanged`` cells were found equal while computing.
    """
    if existing is None:
        stored._raw_delete(stored.db)  # no signals or cascades hang on stored values
        _insert(values, computed_at)
        return len(values)
    existing = {key: old for key, old in existing.items() if key not in unchanged}
    moved: list[tuple[int, tuple[Any, ...]]] = []
    added: list[tuple[Any, ...]] = []
    for row in values:
        old = existing.pop((row[0], row[1], row[2], row[5]), None)
        if old is None:
            added.append(row)
        elif not _same(old[1], row[6:11]):
            moved.append((old[0], row))
    outdated = [pk for pk, _figures in existing.values()]
    for offset in range(0, len(outdated), 900):
        gone = IndicatorValue.objects.filter(pk__in=outdated[offset : offset + 900])
        gone._raw_delete(gone.db)
    stamp = connection.ops.adapt_datetimefield_value(computed_at)
    _update_rows(
        IndicatorValue,
        (*_COMPARED, "computed_at"),
        [(*row[6:11], stamp, pk) for pk, row in moved],
    )
    _insert(added, computed_at)
    return len(moved) + len(added)


def _update_rows(model: type[Any], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Rewrite ``columns`` of stored rows in place, each row its new values and then its
    primary key, in one statement per chunk: the rows' new values are a table joined on the
    key. The cells' key columns stay; on SQLite no index is touched, where a delete and an
    insert would rewrite every index of the table (six on the stored values). On PostgreSQL
    a statement per row cost a round trip each (0.35 s for a day's 2,800 cells)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(["id", *(f"c{i}" for i in range(len(columns)))])
    types = ["bigint", *(model._meta.get_field(c).db_type(connection) for c in columns)]
    placeholders = ", ".join(["%s"] * len(types))
    assignments = ", ".join(f"{quote(c)} = v.c{i}" for i, c in enumerate(columns))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a column each, as an array: one short statement
            arrays = ", ".join(f"%s::{kind}[]" for kind in types)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v ({names}) "
                f"WHERE {table}.id = v.id",
                [array_literal([row[-1] for row in rows])]
                + [array_literal([row[i] for row in rows]) for i in range(len(columns))],
            )
            return
        size = 30_000 // len(types)  # below SQLite's limit on parameters
        for offset in range(0, len(rows), size):
            chunk = rows[offset : offset + size]
            values = ", ".join([f"({placeholders})"] * len(chunk))
            cursor.execute(
                f"WITH v ({names}) AS (VALUES {values}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.id = v.id",
                [value for row in chunk for value in (row[-1], *row[:-1])],
            )


def _daily_values(
    indicators: list[Indicator], context: _Context
) -> tuple[list[tuple[Any, ...]], dict[StoredKey, tuple[int, tuple[Any, ...]]]]:
    """The day path's values: each cell a day figure moved, its stored terms shifted by the
    moves; returns them with the stored cells read (a cell left with no figure is deleted)."""
    keys = [
        (indicator.code, *cell)
        for indicator in indicators
        for cell in set(context.deltas[indicator.code][0]) | set(context.deltas[indicator.code][1])
    ]
    stored = _stored_cells(keys)
    result: list[tuple[Any, ...]] = []
    for indicator in indicators:
        numerators, denominators = context.deltas[indicator.code]
        on_population = indicator.denominator.measure in POPULATION_MEASURES
        for cell in set(numerators) | set(denominators):
            territory, period_code, breakdown = cell
            old = stored.get((indicator.code, *cell))
            figures = old[1] if old else (0.0, None)
            numerator = _snapped(
                (figures[0] or 0.0) + numerators.get(cell, 0.0), indicator.numerator.measure
            )
            denominator: float | None
            if on_population:
                if not numerator:
                    continue
                population = _population_measure(indicator.denominator.measure, breakdown)
                denominator = context.populations[population](territory, int(period_code[:4]))
            else:
                denominator = _snapped(
                    (figures[1] or 0.0) + denominators.get(cell, 0.0),
                    indicator.denominator.measure,
                )
                if not denominator:
                    denominator = None
                if not numerator and denominator is None:
                    continue
            result.append(_value_row(indicator, cell, numerator, denominator, on_population))
    return result, stored


def _value_row(
    indicator: Indicator,
    cell: Cell,
    numerator: float,
    denominator: float | None,
    on_population: bool,
) -> tuple[Any, ...]:
    """A cell's row of ``IndicatorValue`` (``_COLUMNS``), with its value and interval."""
    territory, period_code, breakdown = cell
    value, low, high = _value(indicator, numerator, denominator, on_population)
    period = _period_from_code(period_code)
    return (
        indicator.code,
        territory,
        period_code,
        period.kind.value,
        period.start,
        breakdown,
        numerator,
        denominator,
        value,
        low,
        high,
    )


def _snapped(figure: float, measure: str) -> float:
    """A shifted figure as a full computation gives it: a whole number of the measure's steps
    (``measure_quantum``), rounded as ``tally`` rounds."""
    quantum = measure_quantum(measure)
    if quantum is not None:
        figure = round(figure / quantum) * quantum
    figure = round(figure, 9)
    return 0.0 if abs(figure) <= 1e-9 else figure


def _stored_cells(keys: list[StoredKey]) -> dict[StoredKey, tuple[int, tuple[Any, ...]]]:
    """The stored cells among ``keys``, as ``_stored_figures`` reads them, looked up by the
    unique index (a join with the keys as a table of values)."""
    table = connection.ops.quote_name(IndicatorValue._meta.db_table)
    columns = ", ".join(f"v.{c}" for c in ("indicator", "territory_id", "period", "breakdown"))
    figures = ", ".join(f"v.{c}" for c in ("id", *_COMPARED))
    found: dict[StoredKey, tuple[int, tuple[Any, ...]]] = {}
    join = (
        f"SELECT {columns}, {figures} FROM k JOIN {table} v ON v.indicator = k.i "
        "AND v.territory_id = k.t AND v.period = k.p AND v.breakdown = k.b"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the keys as four arrays: one short statement
            cursor.execute(
                f"WITH k (i, t, p, b) AS "
                f"(SELECT * FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::text[])) {join}",
                [array_literal([key[i] for key in keys]) for i in range(4)],
            )
            batches = [cursor.fetchall()]
        else:
            batches = []
            for offset in range(0, len(keys), 2_000):
                chunk = keys[offset : offset + 2_000]
                rows = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
                cursor.execute(
                    f"WITH k (i, t, p, b) AS (VALUES {rows}) {join}",
                    [value for key in chunk for value in key],
                )
                batches.append(cursor.fetchall())
    for batch in batches:
        for row in batch:
            found[row[0], row[1], row[2], row[3]] = (row[4], row[5:])
    return found


def _store_day_figures(
    context: _Context, only: Collection[str] | None, window: dt.date | None
) -> dt.date | None:
    """Replace the stored day figures from each term's first day on, and return the window.

    A complete run replaces all of them (or those of ``only``). The day path compares with
    the stored ones and writes only those that changed, then moves the window's start to the
    first day of the month before ``since``'s: a later run from an earlier day takes the
    month path, which needs none.
    """
    figures = DayFigure.objects.all()
    incremental = context.incremental
    if incremental is None:
        if only is not None:
            figures = figures.filter(indicator__in=list(only))
        figures._raw_delete(figures.db)
    rows: list[tuple[Any, ...]] = []
    moved: list[tuple[float, int]] = []
    outdated: list[int] = []
    stored = _month_path_day_figures(context)
    for (code, position), (_first, _last, fresh) in context.day_fresh.items():
        if incremental is None:
            rows.extend((code, position, *key, figure) for key, figure in fresh.items())
            continue
        if code in incremental.daily:
            before = dict(incremental.day_stored.get((code, position), {}))
        else:
            before = stored.get((code, position), {})
        for key, figure in fresh.items():
            old = before.pop(key, None)
            if old is None:
                rows.append((code, position, *key, figure))
            elif not math.isclose(old[1], figure, rel_tol=1e-9):
                moved.append((figure, old[0]))
        outdated.extend(pk for pk, _figure in before.values())
    _update_rows(DayFigure, ("figure",), moved)
    for offset in range(0, len(outdated), 900):
        gone = DayFigure.objects.filter(pk__in=outdated[offset : offset + 900])
        gone._raw_delete(gone.db)
    adapt = connection.ops.adapt_datefield_value
    columns = ("indicator", "term", "territory_id", "period", "breakdown", "day", "figure")
    _insert_rows(DayFigure, columns, ((*row[:5], adapt(row[5]), row[6]) for row in rows))
    if incremental is not None and incremental.daily and window is not None:
        since = incremental.from_day
        assert since is not None
        start = (since.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        if start > window:
            gone = DayFigure.objects.filter(day__lt=start)
            gone._raw_delete(gone.db)
            window = start
    return window


def _month_path_day_figures(
    context: _Context,
) -> dict[tuple[str, int], dict[DayKey, tuple[int, float]]]:
    """The stored day figures the month path's terms rewrite (from their first day to their
    last), read at once so that only those that changed are written."""
    incremental = context.incremental
    if incremental is None:
        return {}
    spans = {
        (code, position): (first, last)
        for (code, position), (first, last, _fresh) in context.day_fresh.items()
        if code not in incremental.daily
    }
    if not spans:
        return {}
    figures = DayFigure.objects.filter(
        indicator__in=sorted({code for code, _position in spans}),
        day__gte=min(first for first, _last in spans.values()),
    )
    lasts = [last for _first, last in spans.values()]
    if None not in lasts:
        figures = figures.filter(day__lte=max(last for last in lasts if last is not None))
    stored: dict[tuple[str, int], dict[DayKey, tuple[int, float]]] = {}
    for term, found in _read_day_figures(figures).items():
        if term not in spans:
            continue
        first, last = spans[term]
        stored[term] = {
            key: figure
            for key, figure in found.items()
            if key[3] >= first and (last is None or key[3] <= last)
        }
    return stored


def _read_day_figures(
    figures: QuerySet[DayFigure],
) -> dict[tuple[str, int], dict[DayKey, tuple[int, float]]]:
    """The stored day figures, by (indicator, term), each with its primary key."""
    stored: dict[tuple[str, int], dict[DayKey, tuple[int, float]]] = defaultdict(dict)
    for pk, code, term, territory, period, breakdown, day, figure in plain_rows(
        figures,
        "pk",
        "indicator",
        "term",
        "territory_id",
        "period",
        "breakdown",
        "day",
        "figure",
    ):
        stored[code, term][territory, period, breakdown, day] = (pk, figure)
    return stored


def _same(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    return all(
        a == b or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9))
        for a, b in zip(old, new, strict=True)
    )


def _awaits(indicator: Indicator, catalogue: Catalogue) -> bool:
    """A measure awaits its source until the part that makes it registers a provider.

    The parts above monitoring register their measures when Django starts; a measure listed in
    the catalogue whose part is absent (or not installed) is reported as awaiting, not an error.
    """
    return any(
        term.measure not in MEASURES
        and term.measure not in ESTIMATE_PROVIDERS
        and term.measure not in POPULATION_MEASURES
        for term in (indicator.numerator, indicator.denominator)
    )


def indicators_fed_by(measure: str, catalogue: Catalogue | None = None) -> list[str]:
    """Codes of the indicators with ``measure`` as numerator or denominator."""
    catalogue = catalogue or catalogue_load()
    return [
        i.code
        for i in catalogue.indicators
        if measure in (i.numerator.measure, i.denominator.measure)
    ]


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


def _store_first_counts(context: _Context, only: Collection[str] | None) -> None:
    """Replace the stored first counts: all of them (or those of ``only``) after a full
    computation; after an incremental one, those from the first recomputed month on that
    changed (a day of records changes few of them)."""
    stored = FirstCountedPersons.objects.all()
    if context.incremental is None:
        if only is not None:
            stored = stored.filter(indicator__in=list(only))
        stored._raw_delete(stored.db)
    rows: list[tuple[Any, ...]] = []
    moved: list[tuple[int, int]] = []
    outdated: list[int] = []
    for (code, position), counts in context.first_counts.items():
        before = dict(context.first_stored.get((code, position), {}))
        for cell, persons in counts.items():
            old = before.pop(cell, None)
            if old is None:
                rows.append((code, position, *cell, persons))
            elif old[1] != persons:
                moved.append((persons, old[0]))
        outdated.extend(pk for pk, _persons in before.values())
    _update_rows(FirstCountedPersons, ("persons",), moved)
    for offset in range(0, len(outdated), 900):
        gone = FirstCountedPersons.objects.filter(pk__in=outdated[offset : offset + 900])
        gone._raw_delete(gone.db)
    columns = ("indicator", "term", "territory_id", "period", "breakdown", "month", "persons")
    _insert_rows(FirstCountedPersons, columns, rows)


_COLUMNS = (
    "indicator",
    "territory_id",
    "period",
    "period_kind",
    "period_start",
    "breakdown",
    "numerator",
    "denominator",
    "value",
    "low",
    "high",
)


def _insert(values: list[tuple[Any, ...]], computed_at: dt.datetime) -> None:
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(computed_at)
    _insert_rows(
        IndicatorValue,
        (*_COLUMNS, "computed_at"),
        ((*row[:4], ops.adapt_datefield_value(row[4]), *row[5:], stamp) for row in values),
    )


def _insert_rows(
    model: type[Any], columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Plain executemany: bulk_create's per-field preparation dominated the run time."""
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(itertools.islice(iterator, 20_000)):
            cursor.executemany(sql, chunk)


def _indicator_values(indicator: Indicator, context: _Context) -> list[tuple[Any, ...]]:
    num_term, den_term = indicator.numerator, indicator.denominator
    if {num_term.measure, den_term.measure} & set(ESTIMATE_PROVIDERS):
        return _estimate_values(indicator, context)
    numerators = context.term_figures(indicator, num_term, 0, indicator.disaggregations)
    on_population = den_term.measure in POPULATION_MEASURES
    denominators: dict[Cell, float] = {}
    if not on_population:
        denominators = context.term_figures(indicator, den_term, 1, indicator.disaggregations)
    periods = context.incremental.periods if context.incremental else None
    stored = context.incremental.figures.get(indicator.code, {}) if context.incremental else {}
    result = []
    for cell in set(numerators) | set(denominators):
        territory, period_code, breakdown = cell
        if periods is not None and period_code not in periods:
            continue
        numerator = numerators.get(cell, 0.0)
        if on_population:
            denominator = context.populations[_population_measure(den_term.measure, breakdown)](
                territory, int(period_code[:4])
            )
        else:
            denominator = denominators.get(cell)
        old = stored.get(cell)
        if old is not None and _same(old[:2], (numerator, denominator)):
            # the value and its interval follow from the two terms: the stored ones stand
            context.unchanged.add((indicator.code, *cell))
            continue
        result.append(_value_row(indicator, cell, numerator, denominator, on_population))
    return result


def _lifetimes() -> dict[int, tuple[dt.date | None, dt.date | None]]:
    return {
        pk: (start, end)
        for pk, start, end in Territory.objects.values_list("pk", "valid_from", "valid_to")
    }


def _estimate_values(indicator: Indicator, context: _Context) -> list[tuple[Any, ...]]:
    """Yearly values of an indicator with an estimated term, at the cells the estimate covers.

    The estimate's own interval carries through (the registered or population term is taken
    as exact): a rate on an estimate scales its bounds; a ratio over an estimate divides by
    them. A territory version that did not exist for the whole year gets no value, since its
    registered figure would cover part of the year only.
    """
    num_term, den_term = indicator.numerator, indicator.denominator
    estimated = num_term if num_term.measure in ESTIMATE_PROVIDERS else den_term
    other = den_term if estimated is num_term else num_term
    lifetimes = _lifetimes()
    start = context.start
    counted: dict[Cell, float] = {}
    if other.measure not in POPULATION_MEASURES:
        position = 0 if other is num_term else 1
        counted = context.term_figures(indicator, other, position, (), shift=False)
    result = []
    for cell in ESTIMATE_PROVIDERS[estimated.measure]():
        first, last = dt.date(cell.year, 1, 1), dt.date(cell.year, 12, 31)
        if (start and first < start) or cell.territory_id not in lifetimes:
            continue
        valid_from, valid_to = lifetimes[cell.territory_id]
        if (valid_from and valid_from > first) or (valid_to and valid_to < last):
            continue
        if other.measure in POPULATION_MEASURES:
            known = context.populations[other.measure](cell.territory_id, cell.year)
        else:
            known = counted.get((cell.territory_id, str(cell.year), ""), 0.0)
        if known is None:
            continue
        if estimated is num_term:
            numerator, denominator = cell.value, known
            scale = indicator.multiplier / known if known else None
            bounds = (cell.low, cell.high)
        else:
            numerator, denominator = known, cell.value
            scale = indicator.multiplier * known
            bounds = (
                1 / cell.high if cell.high else None,
                1 / cell.low if cell.low else None,
            )
        if not scale or not cell.value:
            continue
        value = numerator * scale if estimated is num_term else scale / cell.value
        low, high = (b * scale if b is not None else None for b in bounds)
        result.append(
            (
                indicator.code,
                cell.territory_id,
                str(cell.year),
                "year",
                first,
                "",
                numerator,
                denominator,
                value,
                low,
                high,
            )
        )
    return result


def _population_measure(measure: str, breakdown: str) -> str:
    return {"sex=F": "population_female", "sex=M": "population_male"}.get(breakdown, measure)


@lru_cache(maxsize=4096)
def _period_from_code(code: str) -> Period:
    return period_parse(code)
