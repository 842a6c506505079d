"""Cells of the tables Qorgau hands out (CSV, XLSX): neutralised against formula injection.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return before one) as a formula: a name typed as ``=HYPERLINK(...)`` in a register
would run on the analyst's machine once the export is opened. Text cells starting so get a
leading single quote, which spreadsheets show as text; numbers are left as numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def safe_cell(value: T) -> T | str:
    """``value`` ready for a CSV or XLSX cell: text that a spreadsheet would run is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _numeric(value):
        return "'" + value
    return value


def _numeric(text: str) -> bool:
    """A signed number written as text ("-5", "-1e-05") is a number to a spreadsheet (and to
    the scripts reading our files), not a formula: it stays as it is."""
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return text.strip() == text


def safe_row(values: Iterable[object]) -> list[object]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(value) for value in values]


def safe_record(row: Mapping[str, object]) -> dict[str, object]:
    """Every value of a ``csv.DictWriter`` row through :func:`safe_cell`."""
    return {key: safe_cell(value) for key, value in row.items()}
