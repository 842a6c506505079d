"""The register importer's view of an extract: a CSV or XLSX file checked against the columns
of one kind of record, its rows streamed one at a time (memory flat in file size).

The reading itself (encodings, separators, workbooks, the row numbers a spreadsheet shows) is
:mod:`qorgau.lib.tabular`, shared by every import. What is the importer's own is here: only
``.csv`` and ``.xlsx`` are taken, headers are normalised and checked against the kind's
columns, and each row becomes ``(row_number, {column: cell})`` for the known columns. Anything
that makes the whole file unusable raises :class:`UnreadableFile`; the importer turns it into
exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from qorgau.lib.tabular import (
    EMPTY_TABLE,
    NOT_TEXT,
    NOT_XLSX,
    EmptyTable,
    UnreadableTable,
    open_table,
)

EXTENSIONS = (".csv", ".xlsx")

# The importer takes UTF-8 only: a Windows-1251 file is refused with advice rather than
# guessed, as the import instructions tell clerks to save CSV as UTF-8.
CSV_ENCODINGS = ("utf-8",)

UNKNOWN_EXTENSION = _("Only .csv and .xlsx files can be imported.")
NOT_UTF8 = NOT_TEXT
EMPTY_FILE = EMPTY_TABLE
MISSING_COLUMNS = _("Required columns are missing: %(columns)s.")
REPEATED_COLUMNS = _("Columns appear more than once: %(columns)s.")
NOT_FOUND = _("The file cannot be opened.")

__all__ = [
    "EMPTY_FILE",
    "EXTENSIONS",
    "NOT_UTF8",
    "NOT_XLSX",
    "Extract",
    "UnreadableFile",
    "normalise_header",
    "open_extract",
]

# One error for an unusable file, whether the reader or the header check finds it.
UnreadableFile = UnreadableTable


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
    try:
        stream = open_table(path, kind=suffix[1:], encodings=CSV_ENCODINGS)
    except EmptyTable:
        raise UnreadableFile(EMPTY_FILE) from None
    except OSError:
        raise UnreadableFile(NOT_FOUND) from None
    try:
        headers, unknown = _check_header(stream.header, known, required)
    except BaseException:
        stream.close()
        raise
    missing = "" if suffix == ".csv" else None  # a short row, as each format reads it
    rows = _known_cells(stream.rows, headers, set(known), missing)
    return Extract(headers, unknown, stream.total_rows, rows, stream.close)


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


def _known_cells(
    rows: Iterator[tuple[int, list[Any]]], headers: list[str], known: set[str], missing: Any
) -> Iterator[tuple[int, dict[str, Any]]]:
    wanted = [(i, name) for i, name in enumerate(headers) if name in known]
    for number, cells in rows:
        yield number, {name: cells[i] if i < len(cells) else missing for i, name in wanted}
