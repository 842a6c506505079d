"""Disclosure control for published tables of counts.

A published count smaller than the threshold (default 5) could point at a person in a small
village, so it is suppressed (*primary* suppression). Because the table also publishes totals,
one suppressed cell in a row or column could be recovered by subtraction, so further cells are
suppressed (*secondary* suppression) until no suppressed value is determined by the published
ones. That last condition is checked exactly, not by rule of thumb: for every suppressed value
a linear programme finds the smallest and largest value consistent with everything published
(all counts ≥ 0); a value whose range is narrower than one is exposed and gets a partner
suppressed. Rates and shares built on a suppressed count are suppressed with it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from scipy.optimize import linprog

TOTAL = "__total__"
Key = tuple[Hashable, Hashable]


@dataclass
class CountTable:
    """Counts by (row, column) with the margins a publication shows."""

    cells: dict[Key, int]
    rows: list[Hashable] = field(init=False)
    columns: list[Hashable] = field(init=False)

    def __post_init__(self) -> None:
        self.rows = sorted({r for r, _ in self.cells}, key=str)
        self.columns = sorted({c for _, c in self.cells}, key=str)

    def published(self) -> dict[Key, int]:
        """Cells plus the row totals, column totals and grand total shown beside them."""
        values = dict(self.cells)
        if len(self.columns) > 1:
            for r in self.rows:
                values[(r, TOTAL)] = sum(self.cells.get((r, c), 0) for c in self.columns)
        if len(self.rows) > 1:
            for c in self.columns:
                values[(TOTAL, c)] = sum(self.cells.get((r, c), 0) for r in self.rows)
        if len(self.rows) > 1 and len(self.columns) > 1:
            values[(TOTAL, TOTAL)] = sum(self.cells.values())
        return values

    def lines(self) -> list[list[Key]]:
        """Each published equation as the keys it binds: the last key is the line's total."""
        lines: list[list[Key]] = []
        has_row_totals, has_col_totals = len(self.columns) > 1, len(self.rows) > 1
        if has_row_totals:
            for r in self.rows:
                lines.append([*((r, c) for c in self.columns), (r, TOTAL)])
            if has_col_totals:
                lines.append([*((TOTAL, c) for c in self.columns), (TOTAL, TOTAL)])
        if has_col_totals:
            for c in self.columns:
                lines.append([*((r, c) for r in self.rows), (TOTAL, c)])
            if has_row_totals:
                lines.append([*((r, TOTAL) for r in self.rows), (TOTAL, TOTAL)])
        return lines


def suppress(table: CountTable, threshold: int = 5) -> set[Key]:
    """Keys (cells and margins) to withhold so that no count below ``threshold`` can be known."""
    values = table.published()
    hidden = {key for key, value in values.items() if 0 < value < threshold}
    for _round in range(len(values)):
        _complete_lines(table, values, hidden)
        exposed = exposed_keys(table, values, hidden)
        if not exposed:
            return hidden
        for key in exposed:
            _hide_partner(table, values, hidden, key)
    raise RuntimeError("suppression did not converge")  # pragma: no cover - bounded by table size


def _complete_lines(table: CountTable, values: dict[Key, int], hidden: set[Key]) -> None:
    """Until stable: a line with exactly one hidden entry gets a second one."""
    changed = True
    while changed:
        changed = False
        for line in table.lines():
            inside = [key for key in line if key in hidden]
            if len(inside) == 1:
                _hide_partner_in(line, values, hidden, inside[0])
                changed = True


def _hide_partner(table: CountTable, values: dict[Key, int], hidden: set[Key], key: Key) -> None:
    for line in table.lines():
        if key in line and _hide_partner_in(line, values, hidden, key):
            return


def _hide_partner_in(line: list[Key], values: dict[Key, int], hidden: set[Key], key: Key) -> bool:
    """Hide the smallest other entry of ``line`` (non-zero cells first, the total last)."""
    candidates = [k for k in line[:-1] if k != key and k not in hidden]
    candidates.sort(key=lambda k: (values[k] == 0, values[k]))
    if not candidates and line[-1] not in hidden and line[-1] != key:
        candidates = [line[-1]]
    if not candidates:
        return False
    hidden.add(candidates[0])
    return True


def feasible_ranges(
    table: CountTable, values: Mapping[Key, int], hidden: set[Key]
) -> dict[Key, tuple[float, float]]:
    """For each hidden entry, the least and greatest value consistent with what is published."""
    unknowns = sorted(hidden, key=str)
    index = {key: i for i, key in enumerate(unknowns)}
    rows, rhs = [], []
    for line in table.lines():
        coefficients = [0.0] * len(unknowns)
        known = 0.0
        for position, key in enumerate(line):
            sign = -1.0 if position == len(line) - 1 else 1.0
            if key in index:
                coefficients[index[key]] += sign
            else:
                known += sign * values.get(key, 0)
        if any(coefficients):
            rows.append(coefficients)
            rhs.append(-known)
    ranges: dict[Key, tuple[float, float]] = {}
    for key, i in index.items():
        objective = [0.0] * len(unknowns)
        bounds = []
        for sense in (1.0, -1.0):
            objective[i] = sense
            result = linprog(
                objective, A_eq=rows or None, b_eq=rhs or None, bounds=(0, None), method="highs"
            )
            bounds.append(
                sense * result.fun if result.status == 0 else (float("inf") if sense < 0 else 0.0)
            )
        ranges[key] = (bounds[0], bounds[1])
    return ranges


def exposed_keys(table: CountTable, values: Mapping[Key, int], hidden: set[Key]) -> list[Key]:
    """Hidden entries whose value the published entries pin down (range narrower than 1)."""
    if not hidden:
        return []
    return [
        key for key, (low, high) in feasible_ranges(table, values, hidden).items() if high - low < 1
    ]
