"""The tables Qorgau hands out (CSV, XLSX), written one way: cells neutralised against formula
injection, CSV in UTF-8 with a byte-order mark (so spreadsheet programs read Kazakh and Russian
text), XLSX as one write-only sheet.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return before one) as a formula: a name typed as ``=HYPERLINK(...)`` in a register
would run on the analyst's machine once the export is opened. Text cells starting so get a
leading single quote, which spreadsheets show as text; numbers are left as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
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


TABLE_FORMATS = ("csv", "xlsx")


def table_bytes(
    header: Sequence[str],
    rows: Iterable[Iterable[object]],
    fmt: str,
    *,
    sheet: str = "data",
    bom: bool = True,
) -> bytes:
    """A table as CSV or XLSX, every cell through :func:`safe_cell`.

    ``bom=False`` writes plain UTF-8 CSV, for files read by scripts rather than spreadsheets.
    """
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(safe_row(row) for row in rows)
        return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        worksheet = book.create_sheet(sheet)
        worksheet.append(list(header))
        for row in rows:
            worksheet.append(safe_row(row))
        output = io.BytesIO()
        book.save(output)
        return output.getvalue()
    raise ValueError(f"unknown format {fmt!r}")


def records_table_bytes(
    columns: Sequence[str],
    records: Iterable[Mapping[str, object]],
    fmt: str,
    *,
    sheet: str = "data",
    bom: bool = True,
) -> bytes:
    """:func:`table_bytes` of records (dicts), in the order of ``columns``."""
    rows = ([record.get(name) for name in columns] for record in records)
    return table_bytes(columns, rows, fmt, sheet=sheet, bom=bom)
