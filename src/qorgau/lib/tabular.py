"""The tables Qorgau reads and hands out (CSV, XLSX), each done one way.

Reading (:func:`open_table`, :func:`read_table`, :func:`read_workbook`) is at the end of the
module. Writing: cells neutralised against formula
injection, CSV in UTF-8 with a byte-order mark (so spreadsheet programs read Kazakh and Russian
text), XLSX as one write-only sheet.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return before one) as a formula: a name typed as ``=HYPERLINK(...)`` in a register
would run on the analyst's machine once the export is opened. Text cells starting so get a
leading single quote, which spreadsheets show as text; numbers are left as numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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


# --- Reading ----------------------------------------------------------------------------------
#
# Every import reads its tables here: CSV as spreadsheets in Kazakhstan save it (UTF-8 with or
# without a byte-order mark, or Windows-1251; commas, semicolons or tabs) and XLSX. A reader
# yields ``(row_number, cells)`` where ``row_number`` is the row a spreadsheet shows, so every
# problem found later can name the row the user typed. CSV cells are text; XLSX cells keep the
# type the workbook gives them (numbers, dates as ``datetime``, text, ``None`` when empty).

Cell = Any
Source = bytes | str | os.PathLike[str] | IO[bytes]

SEPARATORS = (",", ";", "\t")
ENCODINGS = ("utf-8", "cp1251")
SAMPLE_BYTES = 1 << 20  # the encoding of a file read from disk is decided on its first MiB
ZIP_MAGIC = b"PK\x03\x04"

NOT_TEXT = _("The file is not UTF-8 text: save the CSV file as UTF-8.")
NOT_XLSX = _("The file is not an Excel workbook (.xlsx).")
EMPTY_TABLE = _("The file is empty: the first row must name the columns.")
MALFORMED_CSV = _("The CSV file is malformed near row %(row)s: %(error)s")
NO_SHEET = _("The workbook has no sheet “%(sheet)s”.")
ROW_PROBLEM = _("Row %(row)s: %(reason)s")


class UnreadableTable(Exception):
    """The table as a whole cannot be read: ``reason`` says why (translated lazily), ``row``
    where, when a row is to blame."""

    def __init__(self, reason: str | Promise, *, row: int | None = None) -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.row = row

    @classmethod
    def at_row(cls, row: int, reason: str | Promise) -> UnreadableTable:
        """The error with its row in the message: "Row 7: the file is not UTF-8 text…"."""
        return cls(ROW_PROBLEM % {"row": row, "reason": reason}, row=row)

    def __str__(self) -> str:
        return str(self.reason)


class EmptyTable(UnreadableTable):
    """No row holds anything: callers that report an empty file in their own words catch it."""

    def __init__(self) -> None:
        super().__init__(EMPTY_TABLE)


@dataclass
class TableStream:
    """An opened table: its header, an estimate of its data rows, and the rows one at a time.

    Blank rows are left out but counted, so the numbers stay those a spreadsheet shows.
    """

    header: list[Cell]
    rows: Iterator[tuple[int, list[Cell]]]
    total_rows: int | None = None
    closer: Callable[[], None] | None = None

    def close(self) -> None:
        if self.closer is not None:
            self.closer()

    def __enter__(self) -> TableStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Table:
    """A whole table in memory: the header and the non-blank rows with their numbers."""

    header: list[Cell]
    rows: list[tuple[int, list[Cell]]]
    title: str = ""

    def records(self) -> list[dict[str, Cell]]:
        """The rows as header → cell (``None`` past the end of a short row)."""
        names = [str(name) for name in self.header]
        return [
            {name: cells[i] if i < len(cells) else None for i, name in enumerate(names)}
            for _number, cells in self.rows
        ]


def open_table(
    source: Source,
    *,
    kind: str | None = None,
    sheet: str | None = None,
    encodings: Sequence[str] = ENCODINGS,
    separators: Sequence[str] = SEPARATORS,
) -> TableStream:
    """Open ``source`` (bytes, a path or a binary file) as ``kind`` (``"csv"``/``"xlsx"``,
    by default from the file's name or its first bytes). XLSX reads ``sheet`` or the active
    one. Raises :class:`UnreadableTable` (:class:`EmptyTable` when nothing is in it) and
    ``OSError`` when a path cannot be opened; the caller closes the stream."""
    kind = kind or _kind_of(source)
    if kind == "xlsx":
        return _open_xlsx(source, sheet)
    if kind == "csv":
        return _open_csv(source, encodings, separators)
    raise ValueError(f"unknown table kind {kind!r}")


def read_table(source: Source, **options: Any) -> Table:
    """:func:`open_table` read to the end: for tables small enough to hold in memory."""
    with open_table(source, **options) as stream:
        return Table(stream.header, list(stream.rows))


def read_workbook(source: Source) -> list[Table]:
    """Every sheet of an XLSX workbook, titled; an empty sheet has an empty header."""
    book = _load_workbook(source)
    try:
        tables = []
        for worksheet in book.worksheets:
            try:
                stream = _sheet_stream(worksheet, None)
            except EmptyTable:
                tables.append(Table([], [], worksheet.title))
                continue
            tables.append(Table(stream.header, list(stream.rows), worksheet.title))
        return tables
    finally:
        book.close()


def blank(cells: Sequence[Cell]) -> bool:
    """A row with nothing in it but empty cells and spaces."""
    return not any(cell is not None and str(cell).strip() for cell in cells)


def _kind_of(source: Source) -> str:
    if isinstance(source, str | os.PathLike):
        suffix = Path(source).suffix.lower()
        if suffix in (".csv", ".xlsx"):
            return suffix[1:]
        with open(source, "rb") as handle:
            start = handle.read(4)
    elif isinstance(source, bytes):
        start = source[:4]
    else:
        start = source.read(4)
        source.seek(0)
    return "xlsx" if start == ZIP_MAGIC else "csv"


def _encoding(sample: bytes, encodings: Sequence[str], whole: bool) -> str:
    """The first of ``encodings`` the sample decodes in (UTF-8 when it starts with a BOM).

    Windows-1251 decodes nearly any bytes, so it comes after UTF-8, which is strict.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    first_error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=whole)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
            continue
        return encoding
    if first_error is None:  # no encodings to try
        raise UnreadableTable(NOT_TEXT)
    raise UnreadableTable.at_row(sample.count(b"\n", 0, first_error.start) + 1, NOT_TEXT)


def _open_csv(source: Source, encodings: Sequence[str], separators: Sequence[str]) -> TableStream:
    if isinstance(source, str | os.PathLike):
        binary: IO[bytes] = open(source, "rb")  # noqa: SIM115 (closed by the stream)
        total = _count_lines(binary)
        sample = binary.read(SAMPLE_BYTES)
        whole = len(sample) < SAMPLE_BYTES
        binary.seek(0)
    else:
        data = source if isinstance(source, bytes) else source.read()
        binary, total, sample, whole = io.BytesIO(data), data.count(b"\n"), data, True
    try:
        encoding = _encoding(sample, encodings, whole)
        text = io.TextIOWrapper(binary, encoding=encoding, newline="")
        stream = _csv_stream(text, separators)
    except BaseException:
        binary.close()
        raise
    stream.total_rows = max(0, total - 1)
    stream.closer = text.close
    return stream


def _count_lines(handle: IO[bytes]) -> int:
    """Newlines in the file: a fast estimate of the rows for a progress bar."""
    count = 0
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        count += chunk.count(b"\n")
    handle.seek(0)
    return count


def _csv_stream(text: io.TextIOWrapper, separators: Sequence[str]) -> TableStream:
    skipped: list[str] = []
    try:
        for line in text:
            skipped.append(line)
            if line.strip():
                break
    except UnicodeDecodeError:
        raise UnreadableTable.at_row(len(skipped) + 1, NOT_TEXT) from None
    if not skipped or not skipped[-1].strip():
        raise EmptyTable
    # Spreadsheets in a Russian or Kazakh locale save CSV with semicolons; ties go to the first.
    separator = max(separators, key=skipped[-1].count)
    records = _csv_records(csv.reader(itertools.chain(skipped, text), delimiter=separator))
    first = next(records, None)
    if first is None:
        raise EmptyTable
    return TableStream(first[1], records)


def _csv_records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[Cell]]]:
    number = 0
    try:
        for record in reader:
            number += 1
            if not blank(record):
                yield number, list(record)
    except UnicodeDecodeError:
        raise UnreadableTable.at_row(number + 1, NOT_TEXT) from None
    except csv.Error as exc:
        row = number + 1  # the record being read when the reader gave up
        raise UnreadableTable(MALFORMED_CSV % {"row": row, "error": exc}, row=row) from None


def _load_workbook(source: Source) -> Any:
    from openpyxl import load_workbook

    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        return load_workbook(stream, read_only=True, data_only=True)
    except OSError as exc:
        if isinstance(source, str | os.PathLike) and not Path(source).is_file():
            raise
        raise UnreadableTable(NOT_XLSX) from exc
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged file
        raise UnreadableTable(NOT_XLSX) from exc


def _open_xlsx(source: Source, sheet: str | None) -> TableStream:
    book = _load_workbook(source)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise UnreadableTable(NO_SHEET % {"sheet": sheet})
        worksheet = book[sheet] if sheet is not None else book.active or book.worksheets[0]
        stream = _sheet_stream(worksheet, book.close)
    except BaseException:
        book.close()
        raise
    return stream


def _sheet_stream(worksheet: Any, closer: Callable[[], None] | None) -> TableStream:
    records = _sheet_records(worksheet.iter_rows(values_only=True))
    first = next(records, None)
    if first is None:
        raise EmptyTable
    total = worksheet.max_row - 1 if worksheet.max_row else None
    return TableStream(first[1], records, total, closer)


def _sheet_records(rows: Iterator[tuple[Cell, ...]]) -> Iterator[tuple[int, list[Cell]]]:
    number = 0
    try:
        for values in rows:
            number += 1
            if not blank(values):
                yield number, list(values)
    except Exception as exc:  # a sheet damaged past the rows read so far
        raise UnreadableTable.at_row(number + 1, NOT_XLSX) from exc
