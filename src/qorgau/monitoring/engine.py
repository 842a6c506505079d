"""Computing every indicator for every territory and period into ``IndicatorValue``.

Rows of each measure are counted once per (district, month, breakdown) and rolled up in memory
to the region and the country (along the parents of the territory version the record was
made on) and to quarters and years. Distinct-person measures keep the set of persons, so a
victim counted in two months is one victim in the year. Rates on populations carry the exact
Poisson interval; shares carry the Wilson interval.

Recomputation from a date (``since``) reads the records from the start of that date's year
(a year's distinct victims need all of them) but computes only the periods holding a day from
``since`` on, which is exactly the set of stored values new records on or after that date can
change, and writes only the cells whose figures differ from the stored ones.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from qorgau.monitoring.catalogue import Catalogue, Indicator, Term, catalogue_load
from qorgau.monitoring.intervals import poisson_interval, wilson_interval
from qorgau.monitoring.measures import (
    DISTINCT_PERSONS,
    ESTIMATE_PROVIDERS,
    EXACT_MEASURES,
    MEASURES,
    POPULATION_MEASURES,
    STOCK_MEASURES,
    Row,
    reading_session,
)
from qorgau.monitoring.models import ComputationRun, IndicatorValue
from qorgau.monitoring.periods import Period, period_parse
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


def tally(
    rows: list[Row],
    term: Term,
    breakdowns: tuple[str, ...],
    tree: _TerritoryTree,
    distinct: bool,
    since: dt.date | None,
    stock: bool = False,
) -> dict[Cell, float]:
    """Counts (or distinct persons, or average stocks) per territory, period and breakdown.

    Vectorised with NumPy: one pass of array operations per territory level, period kind and
    breakdown instead of a Python loop over rows.
    """
    if not rows:
        return {}
    columns = _columns(rows)
    mask = np.ones(len(rows), dtype=bool)
    if since:
        mask &= columns.ordinal >= since.toordinal()
    for name, wanted in term.filter.items():
        accepted = [str(v) for v in (wanted if isinstance(wanted, list) else [wanted])]
        mask &= np.isin(columns.field(name), accepted)
    if not mask.any():
        return {}
    district, month = columns.district[mask], columns.month[mask]
    weight, person = columns.weight[mask], columns.key[mask]
    districts, district_at_all = columns.districts()
    district_at = district_at_all[mask]
    chains = [tree.ancestors.get(int(d), (int(d),)) for d in districts.tolist()]
    depth = max(len(chain) for chain in chains)
    labels: list[tuple[list[str], np.ndarray]] = [([""], np.zeros(len(district), dtype=np.int64))]
    for name in breakdowns:
        values, codes = columns.factorised(name)
        labels.append(([f"{name}={v}" for v in values], codes[mask]))
    result: dict[Cell, float] = {}
    for level in range(depth):
        # the territory at this level of each row, through its district's chain (-1: none)
        level_of = np.array([c[level] if len(c) > level else -1 for c in chains], dtype=np.int64)
        territory = level_of[district_at]
        present = territory >= 0
        for kind, months in _KINDS:
            index = _period_index(month, kind)
            for names, label in labels:
                key = (territory << 36) | (index << 12) | label
                key, w, p = key[present], weight[present], person[present]
                if distinct:
                    cells, sums = _sum_by_key(key, None, p)
                else:
                    cells, sums = _sum_by_key(key, w / months if stock else w)
                result.update(zip(_cell_keys(cells, kind, names), sums.tolist(), strict=True))
    return result


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


def _population(sex: str | None) -> Callable[[int, int], float | None]:
    """Population of a territory version in a year: the nearest year published, or the sum of
    its successors' for a version that ended before any figure (the 2022 reform)."""
    table: dict[int, dict[int, float]] = defaultdict(dict)
    for territory, year_, total, females in TerritoryPopulation.objects.values_list(
        "territory_id", "year", "total", "females"
    ):
        value = {None: total, "F": females, "M": total - females if females is not None else None}[
            sex
        ]
        if value is not None:
            table[territory][year_] = float(value)
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


def indicators_compute(
    *,
    since: dt.date | None = None,
    progress: Progress | None = None,
    catalogue: Catalogue | None = None,
    only: Collection[str] | None = None,
    until: dt.date | None = None,
) -> ComputeSummary:
    """Compute and store every indicator whose data exists; with ``since``, only the periods
    that contain a day from ``since`` on (its months, quarters and years).

    Records dated before ``since`` count as before (a year's figures need the whole year's
    records), but only the cells of the affected periods are computed and compared with the
    stored ones, and only those that differ are written. ``only`` limits the work to those
    indicator codes (e.g. the ones a new estimate feeds). ``until`` (default today) is the last
    day whose periods an incremental computation covers: records are never dated later, so
    only a replay of history (the benchmark's "one day of new records" in a past year) sets it.
    """
    catalogue = catalogue or catalogue_load()
    start = dt.date(since.year, 1, 1) if since else None
    periods = affected_periods(since, until or timezone.localdate()) if since else None
    run = ComputationRun.objects.create(
        started_at=timezone.now(), since=start, catalogue_version=catalogue.version
    )
    tree = _TerritoryTree.load()
    populations = {name: _population(sex) for name, sex in POPULATION_MEASURES.items()}
    rows_cache: dict[str, list[Row]] = {}
    _COLUMNS_CACHE.clear()
    computed_at = timezone.now()
    values: list[tuple[Any, ...]] = []
    computable = [i for i in catalogue.indicators if not _awaits(i, catalogue)]
    awaiting = [i.code for i in catalogue.indicators if _awaits(i, catalogue)]
    if only is not None:
        computable = [i for i in computable if i.code in only]
    with reading_session():
        for number, indicator in enumerate(computable, start=1):
            if progress:
                progress(number, len(computable), indicator.code)
            computed = _indicator_values(indicator, tree, populations, rows_cache, start, periods)
            if periods is not None:
                computed = [row for row in computed if row[2] in periods]
            values.extend(computed)
    with transaction.atomic():
        stored = IndicatorValue.objects.all()
        if periods is not None:
            stored = stored.filter(period__in=sorted(periods))
        if only is not None:
            stored = stored.filter(indicator__in=list(only))
        written = _store(values, stored, computed_at, compare=periods is not None)
        run.finished_at = timezone.now()
        run.values_written = written
        run.save(update_fields=["finished_at", "values_written"])
    return ComputeSummary(len(computable), awaiting, written)


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


def _store(
    values: list[tuple[Any, ...]],
    stored: QuerySet[IndicatorValue],
    computed_at: dt.datetime,
    *,
    compare: bool,
) -> int:
    """Replace ``stored`` by ``values``; returns the rows written.

    A full computation replaces everything. An incremental one compares first and writes only
    the cells whose figures changed (a day of new records changes a few hundred cells of the
    tens of thousands in a year), deleting the cells that no longer have a value.
    """
    if not compare:
        stored._raw_delete(stored.db)  # no signals or cascades hang on stored values
        _insert(values, computed_at)
        return len(values)
    # Read through the cursor: every column is text, integer or float on both backends, so
    # Django's per-row converters would only cost time (a third of an incremental run).
    sql, params = (
        stored.values_list("indicator", "territory_id", "period", "breakdown", "pk", *_COMPARED)
        .query.get_compiler(stored.db)
        .as_sql()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        existing = {
            (row[0], row[1], row[2], row[3]): (row[4], row[5:]) for row in cursor.fetchall()
        }
    changed: list[tuple[Any, ...]] = []
    outdated: list[int] = []
    for row in values:
        key = (row[0], row[1], row[2], row[5])
        old = existing.pop(key, None)
        if old is not None and _same(old[1], row[6:11]):
            continue
        if old is not None:
            outdated.append(old[0])
        changed.append(row)
    outdated.extend(pk for pk, _figures in existing.values())
    for offset in range(0, len(outdated), 900):
        gone = IndicatorValue.objects.filter(pk__in=outdated[offset : offset + 900])
        gone._raw_delete(gone.db)
    _insert(changed, computed_at)
    return len(changed)


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


def _rows(name: str, cache: dict[str, list[Row]], start: dt.date | None) -> list[Row]:
    if name not in cache:
        cache[name] = list(MEASURES[name](start))
    return cache[name]


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
    """Plain executemany: bulk_create's per-field preparation dominated the run time."""
    ops = connection.ops
    table = connection.ops.quote_name(IndicatorValue._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in (*_COLUMNS, "computed_at"))
    stamp = ops.adapt_datetimefield_value(computed_at)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (len(_COLUMNS) + 1))})"
    with connection.cursor() as cursor:
        for offset in range(0, len(values), 20_000):
            chunk = values[offset : offset + 20_000]
            cursor.executemany(
                sql,
                [(*row[:4], ops.adapt_datefield_value(row[4]), *row[5:], stamp) for row in chunk],
            )


def _indicator_values(
    indicator: Indicator,
    tree: _TerritoryTree,
    populations: dict[str, Any],
    cache: dict[str, list[Row]],
    start: dt.date | None,
    periods: set[str] | None = None,
) -> list[tuple[Any, ...]]:
    num_term, den_term = indicator.numerator, indicator.denominator
    if {num_term.measure, den_term.measure} & set(ESTIMATE_PROVIDERS):
        return _estimate_values(indicator, tree, populations, cache, start)
    numerators = tally(
        _rows(num_term.measure, cache, start),
        num_term,
        indicator.disaggregations,
        tree,
        num_term.measure in DISTINCT_PERSONS,
        start,
        num_term.measure in STOCK_MEASURES,
    )
    on_population = den_term.measure in POPULATION_MEASURES
    denominators: dict[Cell, float] = {}
    if not on_population:
        denominators = tally(
            _rows(den_term.measure, cache, start),
            den_term,
            indicator.disaggregations,
            tree,
            den_term.measure in DISTINCT_PERSONS,
            start,
            den_term.measure in STOCK_MEASURES,
        )
    cells = set(numerators) | set(denominators)
    result = []
    for territory, period_code, breakdown in cells:
        if periods is not None and period_code not in periods:
            continue
        numerator = numerators.get((territory, period_code, breakdown), 0.0)
        if on_population:
            denominator = populations[_population_measure(den_term.measure, breakdown)](
                territory, int(period_code[:4])
            )
        else:
            denominator = denominators.get((territory, period_code, breakdown))
        value, low, high = _value(indicator, numerator, denominator, on_population)
        period = _period_from_code(period_code)
        result.append(
            (
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
        )
    return result


def _lifetimes() -> dict[int, tuple[dt.date | None, dt.date | None]]:
    return {
        pk: (start, end)
        for pk, start, end in Territory.objects.values_list("pk", "valid_from", "valid_to")
    }


def _estimate_values(
    indicator: Indicator,
    tree: _TerritoryTree,
    populations: dict[str, Any],
    cache: dict[str, list[Row]],
    start: dt.date | None,
) -> list[tuple[Any, ...]]:
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
    counted: dict[Cell, float] = {}
    if other.measure not in POPULATION_MEASURES:
        counted = tally(
            _rows(other.measure, cache, start),
            other,
            (),
            tree,
            other.measure in DISTINCT_PERSONS,
            start,
            other.measure in STOCK_MEASURES,
        )
    result = []
    for cell in ESTIMATE_PROVIDERS[estimated.measure]():
        first, last = dt.date(cell.year, 1, 1), dt.date(cell.year, 12, 31)
        if (start and first < start) or cell.territory_id not in lifetimes:
            continue
        valid_from, valid_to = lifetimes[cell.territory_id]
        if (valid_from and valid_from > first) or (valid_to and valid_to < last):
            continue
        if other.measure in POPULATION_MEASURES:
            known = populations[other.measure](cell.territory_id, cell.year)
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
