"""The CSV files of ``qorgau rating``: indicator values in (``compute``), scores out.

Reading never guesses. A cell that is not a number ("fifteen", or "20,5" written with a decimal
comma) would otherwise become a gap and be imputed, changing a score without anyone knowing; so
every such cell is reported by row (as a spreadsheet numbers it, the header being row 1),
column, value and reason, as the register import reports rejected rows, and nothing is
computed from the file. An empty cell or ``NA`` is a missing value.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from qorgau.lib.tabular import EmptyTable, UnreadableTable, read_table, safe_row
from qorgau.rating.compute import IndicatorSpec, Method, denominate
from qorgau.rating.normalisation import Array

MISSING = frozenset({"", "na", "nan"})
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
COMMA_NUMBER = re.compile(r"[+-]?\d[\d\s]*,\d+")

NOT_A_NUMBER = gettext_lazy(
    "not a number; leave the cell empty or write NA when the value is missing."
)
DECIMAL_COMMA = gettext_lazy(
    "the decimal separator must be a point, e.g. %(example)s, with no thousands separator."
)
ZERO_DENOMINATOR = gettext_lazy("the denominator is 0, so %(indicator)s cannot be divided by it.")
SHORT_ROW = gettext_lazy("the row has fewer cells than the header.")
NO_UNIT = gettext_lazy("every row needs a unit.")
DUPLICATE_UNIT = gettext_lazy("the unit is already on row %(row)s.")
SCORE_COLUMNS = ("unit", "score", "rank", "rank_low", "rank_high")
Row = dict[Any, Any]  # a csv.DictReader row; surplus cells are a list under the key None
ROW_NUMBER = object()  # the key of a row's number in the file (the header being row 1)


@dataclass(frozen=True)
class CellProblem:
    """One cell that cannot be read: where it is, what it holds and why it cannot be used."""

    row: int
    column: str
    value: str
    reason: str | Promise

    def __str__(self) -> str:
        return _("Row %(row)s, column '%(column)s', value %(value)r: %(reason)s") % {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class LongRow:
    """A row with more cells than the header: an unquoted decimal comma splits a number."""

    row: int
    found: int
    expected: int

    def __str__(self) -> str:
        return _(
            "Row %(row)s has %(found)s cells but the header has %(expected)s: does a decimal "
            "comma split a number in two?"
        ) % {"row": self.row, "found": self.found, "expected": self.expected}


Problem = CellProblem | LongRow | str  # a string: a problem of the header


class TableError(ValueError):
    """What cannot be read in the indicators file; nothing was computed from it."""

    def __init__(self, problems: Sequence[Problem], path: str) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        summary = ngettext(
            "Nothing was written: %(count)s problem in %(path)s.",
            "Nothing was written: %(count)s problems in %(path)s.",
            count,
        ) % {"count": count, "path": path}
        super().__init__("\n".join([summary, *(str(p) for p in self.problems)]))


@dataclass
class IndicatorTable:
    """The indicators file as arrays in the method's order, divided by their denominators."""

    units: list[str]
    value: Array
    low: Array
    high: Array
    groups: list[str] | None


def parse_number(text: str) -> float:
    """A cell as a finite number, NaN when empty or NA; ValueError with the reason otherwise."""
    cell = text.strip()
    if cell.lower() in MISSING:
        return float("nan")
    if PLAIN_NUMBER.fullmatch(cell) and math.isfinite(float(cell)):  # 1e999 overflows
        return float(cell)
    if COMMA_NUMBER.fullmatch(cell):
        example = re.sub(r"\s", "", cell).replace(",", ".")
        raise ValueError(str(DECIMAL_COMMA % {"example": example}))
    raise ValueError(str(NOT_A_NUMBER))


def read_indicator_table(path: str, method: Method) -> IndicatorTable:
    """Read ``path`` for ``method``; TableError naming everything that cannot be read.

    OSError passes through: the file itself cannot be opened.
    """
    header, rows = _read(path)
    missing = _missing_columns(header, method, rows)
    if missing:
        raise TableError(missing, path)
    problems: list[Problem] = [*_long_rows(rows, len(header)), *_unit_problems(rows)]
    value = _numbers(rows, method.codes, problems)
    low = _bounds(rows, header, value, method.codes, "low", problems)
    high = _bounds(rows, header, value, method.codes, "high", problems)
    for j, indicator in enumerate(method.indicators):
        if indicator.denominator:  # COINr Denominate: e.g. divide by population or GDP
            people = _numbers(rows, [indicator.denominator], problems)[:, 0]
            problems += _zero_denominators(rows, people, value[:, j], indicator)
            for table in (value, low, high):
                table[:, j] = denominate(table[:, j], people)
    if problems:
        raise TableError(sorted(problems, key=_row_of), path)
    group = method.imputation_group
    return IndicatorTable(
        units=[row["unit"].strip() for row in rows],
        value=value,
        low=low,
        high=high,
        groups=[(row.get(group) or "").strip() for row in rows] if group else None,
    )


def _read(path: str) -> tuple[list[str], list[Row]]:
    """The header and the rows as ``csv.DictReader`` gives them (a short row lacks its last
    keys; surplus cells are a list under ``None``), numbered as a spreadsheet shows them."""
    try:
        table = read_table(path, kind="csv")
    except EmptyTable:
        return [], []
    except UnreadableTable as exc:
        raise TableError([str(exc)], path) from exc
    header = [str(name) for name in table.header]
    rows = []
    for number, cells in table.rows:
        row: Row = dict(zip(header, cells, strict=False))
        if len(cells) > len(header):
            row[None] = cells[len(header) :]
        row[ROW_NUMBER] = number
        rows.append(row)
    return header, rows


def _bounds(
    rows: list[Row],
    header: list[str],
    value: Array,
    codes: Sequence[str],
    end: str,
    problems: list[Problem],
) -> Array:
    """The ``<code>_low`` or ``<code>_high`` columns; the value itself where there is none."""
    out = value.copy()
    for j, code in enumerate(codes):
        if f"{code}_{end}" in header:
            out[:, j] = _numbers(rows, [f"{code}_{end}"], problems)[:, 0]
    return out


def _missing_columns(header: list[str], method: Method, rows: list[Row]) -> list[Problem]:
    if "unit" not in header:
        return ["the indicators file needs a column `unit`"]
    if not rows:
        return ["the indicators file has no rows below its header"]
    needed = [*method.codes, *[i.denominator for i in method.indicators if i.denominator]]
    if method.imputation_group:
        needed.append(method.imputation_group)
    missing = [c for c in needed if c not in header]
    return [f"the indicators file lacks columns {missing}"] if missing else []


def _row_of(problem: Problem) -> int:
    return 0 if isinstance(problem, str) else problem.row


def _numbers(rows: list[Row], columns: Sequence[str], problems: list[Problem]) -> Array:
    """The columns as numbers (units × columns); each unreadable cell added to ``problems``."""
    out = np.full((len(rows), len(columns)), np.nan)
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            text = row.get(column)
            if text is None:
                problems.append(CellProblem(row[ROW_NUMBER], column, "", SHORT_ROW))
                continue
            try:
                out[i, j] = parse_number(text)
            except ValueError as exc:
                problems.append(CellProblem(row[ROW_NUMBER], column, text, str(exc)))
    return out


def _long_rows(rows: list[Row], expected: int) -> list[LongRow]:
    out = []
    for row in rows:
        extra = row.get(None)
        if extra:
            out.append(LongRow(row[ROW_NUMBER], expected + len(extra), expected))
    return out


def _unit_problems(rows: list[Row]) -> list[CellProblem]:
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        number = row[ROW_NUMBER]
        unit = (row.get("unit") or "").strip()
        if not unit:
            out.append(CellProblem(number, "unit", unit, NO_UNIT))
        elif unit in seen:
            out.append(CellProblem(number, "unit", unit, DUPLICATE_UNIT % {"row": seen[unit]}))
        else:
            seen[unit] = number
    return out


def _zero_denominators(
    rows: list[Row], people: Array, values: Array, indicator: IndicatorSpec
) -> list[CellProblem]:
    column = str(indicator.denominator)
    reason = ZERO_DENOMINATOR % {"indicator": indicator.code}
    zero = np.flatnonzero((people == 0) & ~np.isnan(values))
    return [CellProblem(rows[i][ROW_NUMBER], column, rows[i][column], reason) for i in zero]


def write_scores(path: str, groups: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """``unit, score, rank, rank_low, rank_high`` and one column per group of the method."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*SCORE_COLUMNS, *groups])
        writer.writerows(safe_row(row) for row in rows)


def number_text(value: float | None) -> str:
    """A score as written to the file: empty when missing, otherwise every digit."""
    return "" if value is None or np.isnan(value) else repr(float(value))
