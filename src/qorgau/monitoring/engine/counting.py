"""Counting a measure's rows into cells: by territory (rolled up along the parents of the
territory version a record was made on), period kind and breakdown, in numpy arrays.

The month path's ``tally``, the first counts of distinct persons (``first_months``) and the
day figures of the day path (``day_figures``) share one selection of the rows, so that the
three always agree on what a cell holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache

import numpy as np

from qorgau.monitoring.catalogue import Term
from qorgau.monitoring.measures import Row
from qorgau.territory.models import Territory

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
        quarters: np.ndarray = (month // 12) * 4 + (month % 12) // 3
        return quarters
    years: np.ndarray = month // 12
    return years


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
