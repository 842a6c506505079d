"""Computing every indicator for every territory and period into ``IndicatorValue``.

Rows of each measure are counted once per (district, month, breakdown) and rolled up in memory
to the region and the country (along the parents of the territory version the record was
made on) and to quarters and years. Distinct-person measures keep the set of persons, so a
victim counted in two months is one victim in the year. Rates on populations carry the exact
Poisson interval; shares carry the Wilson interval.

Recomputation from a date (``since``) recomputes every period from the start of that date's
year onwards, which is exactly the set of stored values new records on or after that date
can change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from qorgau.monitoring.catalogue import Catalogue, Indicator, Term, catalogue_load
from qorgau.monitoring.intervals import poisson_interval, wilson_interval
from qorgau.monitoring.measures import (
    DISTINCT_PERSONS,
    MEASURES,
    POPULATION_MEASURES,
    STOCK_MEASURES,
    Row,
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
    text: dict[str, np.ndarray]

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
            text={},
        )

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
    chains = {d: tree.ancestors.get(int(d), (int(d),)) for d in np.unique(district)}
    depth = max(len(chain) for chain in chains.values())
    labels: list[tuple[list[str], np.ndarray]] = [([""], np.zeros(len(district), dtype=np.int64))]
    for name in breakdowns:
        values, inverse = np.unique(columns.field(name)[mask], return_inverse=True)
        labels.append(([f"{name}={v}" for v in values], inverse.astype(np.int64)))
    result: dict[Cell, float] = {}
    for level in range(depth):
        lookup = {d: (chain[level] if len(chain) > level else -1) for d, chain in chains.items()}
        territory = np.fromiter(
            (lookup[int(d)] for d in district), dtype=np.int64, count=len(district)
        )
        present = territory >= 0
        for kind, months in _KINDS:
            index = _period_index(month, kind)
            for names, label in labels:
                key = (territory << 36) | (index << 12) | label
                key, w, p = key[present], weight[present], person[present]
                sums: np.ndarray
                if distinct:
                    pairs = np.unique(np.stack([key, p], axis=1), axis=0)
                    cells, counts = np.unique(pairs[:, 0], return_counts=True)
                    sums = counts.astype(np.float64)
                else:
                    cells, inverse = np.unique(key, return_inverse=True)
                    sums = np.bincount(inverse, weights=w / months if stock else w)
                for cell, total in zip(cells.tolist(), sums.tolist(), strict=True):
                    result[
                        (
                            cell >> 36,
                            _period_code(kind, (cell >> 12) & 0xFFFFFF),
                            names[cell & 0xFFF],
                        )
                    ] = total
    return result


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
) -> ComputeSummary:
    """Compute and store every indicator whose data exists, from ``since``'s year onwards."""
    catalogue = catalogue or catalogue_load()
    start = dt.date(since.year, 1, 1) if since else None
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
    for number, indicator in enumerate(computable, start=1):
        if progress:
            progress(number, len(computable), indicator.code)
        values.extend(_indicator_values(indicator, tree, populations, rows_cache, start))
    with transaction.atomic():
        stale = IndicatorValue.objects.all()
        if start:
            stale = stale.filter(period_start__gte=start)
        stale._raw_delete(stale.db)  # no signals or cascades hang on stored values
        _insert(values, computed_at)
        run.finished_at = timezone.now()
        run.values_written = len(values)
        run.save(update_fields=["finished_at", "values_written"])
    return ComputeSummary(len(computable), awaiting, len(values))


def _awaits(indicator: Indicator, catalogue: Catalogue) -> bool:
    return any(
        term.measure in catalogue.awaiting for term in (indicator.numerator, indicator.denominator)
    )


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
) -> list[tuple[Any, ...]]:
    num_term, den_term = indicator.numerator, indicator.denominator
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


def _population_measure(measure: str, breakdown: str) -> str:
    return {"sex=F": "population_female", "sex=M": "population_male"}.get(breakdown, measure)


@lru_cache(maxsize=4096)
def _period_from_code(code: str) -> Period:
    return period_parse(code)
