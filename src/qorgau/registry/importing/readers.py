"""Streaming readers of CSV and XLSX extracts: one row at a time, memory flat in file size.

A reader yields ``(row_number, cells)`` where ``row_number`` is the row a spreadsheet shows
(the header being row 1) and ``cells`` maps each known header to the cell's value. Anything that
makes the whole file unusable raises :class:`UnreadableFile`; the importer turns it into exit
code 2.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EXTENSIONS = (".csv", ".xlsx")

UNKNOWN_EXTENSION = _("Only .csv and .xlsx files can be imported.")
NOT_UTF8 = _("The file is not UTF-8 text: save the CSV file as UTF-8.")
NOT_XLSX = _("The file is not an Excel workbook (.xlsx).")
EMPTY_FILE = _("The file is empty: the first row must name the columns.")
MISSING_COLUMNS = _("Required columns are missing: %(columns)s.")
REPEATED_COLUMNS = _("Columns appear more than once: %(columns)s.")
NOT_FOUND = _("The file cannot be opened.")


class UnreadableFile(Exception):
    """The file as a whole cannot be imported; ``reason`` says why (translated lazily)."""

    def __init__(self, reason: str | Promise) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass
class Extract:
    """An opened extract: its columns, an estimate of its rows, and the row stream."""

    headers: list[str]
    unknown_columns: list[str]
    total_rows: int | None
    rows: Iterator[tuple[int, dict[str, Any]]]
    closer: Any = None

    def close(self) -> None:
        if self.closer is not None:
            self.closer()


def normalise_header(name: object) -> str:
    """``" Occurred At "`` → ``occurred_at``: spreadsheets add spaces and capitals."""
    return "_".join(str(name or "").strip().lower().replace("-", " ").split())


def open_extract(path: Path, *, known: Sequence[str], required: Sequence[str]) -> Extract:
    """Open ``path`` by its extension and check its header against the kind's columns."""
    suffix = path.suffix.lower()
    if suffix not in EXTENSIONS:
        raise UnreadableFile(UNKNOWN_EXTENSION)
    if not path.is_file():
        raise UnreadableFile(NOT_FOUND)
    if suffix == ".csv":
        return _open_csv(path, known, required)
    return _open_xlsx(path, known, required)


def _check_header(
    raw: Sequence[object], known: Sequence[str], required: Sequence[str]
) -> tuple[list[str], list[str]]:
    headers = [normalise_header(name) for name in raw]
    if not any(headers):
        raise UnreadableFile(EMPTY_FILE)
    repeated = sorted({h for h in headers if h and headers.count(h) > 1})
    if repeated:
        raise UnreadableFile(REPEATED_COLUMNS % {"columns": ", ".join(repeated)})
    missing = [name for name in required if name not in headers]
    if missing:
        raise UnreadableFile(MISSING_COLUMNS % {"columns": ", ".join(missing)})
    unknown = [h for h in headers if h and h not in known]
    return headers, unknown


def _count_lines(path: Path) -> int:
    """Newlines in the file: a fast estimate of the rows for the progress bar."""
    count = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            count += chunk.count(b"\n")
    return count


def _open_csv(path: Path, known: Sequence[str], required: Sequence[str]) -> Extract:
    handle = path.open(encoding="utf-8-sig", newline="")
    try:
        first = handle.readline()
        if not first.strip():
            raise UnreadableFile(EMPTY_FILE)
        # Spreadsheets in a Russian or Kazakh locale save CSV with semicolons.
        delimiter = ";" if first.count(";") > first.count(",") else ","
        header = next(csv.reader([first], delimiter=delimiter))
        headers, unknown = _check_header(header, known, required)
        total = max(0, _count_lines(path) - 1)
    except UnicodeDecodeError:
        handle.close()
        raise UnreadableFile(NOT_UTF8) from None
    except BaseException:
        handle.close()
        raise
    rows = _csv_rows(handle, delimiter, headers, set(known))
    return Extract(headers, unknown, total, rows, handle.close)


def _csv_rows(
    handle: io.TextIOBase, delimiter: str, headers: list[str], known: set[str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(handle, delimiter=delimiter)
    wanted = [(i, name) for i, name in enumerate(headers) if name in known]
    number = 1
    try:
        for record in reader:
            number += 1
            if not record or not any(cell.strip() for cell in record):
                continue
            yield number, {name: record[i] if i < len(record) else "" for i, name in wanted}
    except UnicodeDecodeError:
        raise UnreadableFile(NOT_UTF8) from None
    except csv.Error as exc:
        raise UnreadableFile(
            _("The CSV file is malformed near row %(row)s: %(error)s")
            % {
                "row": number,
                "error": exc,
            }
        ) from None


def _open_xlsx(path: Path, known: Sequence[str], required: Sequence[str]) -> Extract:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise UnreadableFile(NOT_XLSX) from None
    try:
        sheet = book.active
        stream = sheet.iter_rows(values_only=True)
        header = next(stream, None)
        if header is None:
            raise UnreadableFile(EMPTY_FILE)
        headers, unknown = _check_header(header, known, required)
        total = sheet.max_row - 1 if sheet.max_row else None
    except BaseException:
        book.close()
        raise
    rows = _xlsx_rows(stream, headers, set(known))
    return Extract(headers, unknown, total, rows, book.close)


def _xlsx_rows(
    stream: Iterator[tuple[Any, ...]], headers: list[str], known: set[str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    wanted = [(i, name) for i, name in enumerate(headers) if name in known]
    for number, record in enumerate(stream, start=2):
        if not any(cell is not None and str(cell).strip() for cell in record):
            continue
        yield number, {name: record[i] if i < len(record) else None for i, name in wanted}
