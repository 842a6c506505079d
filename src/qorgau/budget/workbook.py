"""The budget workbook: its columns, reading its sheets, cutting them into batches, the template.

Rows keep the number they have in the sheet (1 is the header), so that a rejected row is
found where the finance officer typed it. A sheet is cut into batches along its groups
(region and year): every rule of :mod:`qorgau.budget.services` compares rows within such a
group only (a ``total`` row and the rows it sums, a repeated key, a year's execution against
its allocation), so a group checked and stored batch by batch gives exactly the result of the
whole sheet at once.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qorgau.budget.models import OUTPUT_FIELDS, SubProgramme
from qorgau.lib.tabular import UnreadableTable, read_workbook, safe_row

ALLOCATION_COLUMNS = ("region", "year", "sub_programme", "approved", "revised", "reason")
BREAKDOWN = ("wages", "goods_services", "social_order")
EXECUTION_COLUMNS = (
    "region",
    "year",
    "month",
    "sub_programme",
    "executed",
    *BREAKDOWN,
    *OUTPUT_FIELDS,
    "over_allocation",
    "justification",
)
SHEETS = ("allocations", "execution")  # in the order they are stored: execution needs allocations


@dataclass
class Sheet:
    """One sheet to store: its name, its header and its non-blank rows with their numbers."""

    name: str
    header: list[str]
    rows: list[tuple[int, tuple[Any, ...]]]

    def records(self, rows: list[tuple[int, tuple[Any, ...]]]) -> list[dict[str, Any]]:
        """``rows`` as the services read them: header → value."""
        return [dict(zip(self.header, values, strict=False)) for _number, values in rows]


def _header(cells: tuple[Any, ...] | None) -> list[str]:
    return [str(cell or "").strip().lower() for cell in cells or ()]


def _sheet_name(title: str, header: list[str], taken: set[str]) -> str | None:
    """Which sheet this is: by its title, else by its columns; ``None`` to leave it out.

    A sheet of another title (``Sheet1``) is taken by its columns, and only when no sheet
    has the name yet: the template's list of sub-programme codes is not read as allocations.
    """
    name = title.strip().lower()
    if name in SHEETS:
        return name
    if "region" not in header:
        return None
    guess = "execution" if "month" in header else "allocations"
    return None if guess in taken else guess


def workbook_sheets(source: bytes | IO[bytes]) -> list[Sheet]:
    """The sheets ``allocations`` and ``execution``, in that order; ValidationError when the
    file cannot be read."""
    try:
        tables = read_workbook(source)
    except UnreadableTable as exc:  # damaged, or a sheet damaged past its first row
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from exc
    found: dict[str, Sheet] = {}
    for table in tables:
        header = _header(tuple(table.header))
        name = _sheet_name(table.title, header, set(found)) if any(header) else None
        if name is not None:
            found[name] = Sheet(name, header, [(n, tuple(cells)) for n, cells in table.rows])
    return [found[name] for name in SHEETS if name in found]


def workbook_probe(source: IO[bytes]) -> None:
    """Check in the request that the upload is an XLSX workbook, from the zip's directory only.

    A wrong file is refused on the form at once; the sheets and rows are the job's to read,
    since openpyxl reads a whole sheet to size it when the file does not say (seconds for a
    large one, too long for a request). Raises ValidationError.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from exc
    finally:
        source.seek(0)
    if "xl/workbook.xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
        raise ValidationError(_("The file is not a readable XLSX workbook."))


def no_sheet() -> str:
    """Why a workbook holds nothing to store, in the active language."""
    return _(
        "The workbook has no sheet “allocations” or “execution” with the columns of the template."
    )


def _text(value: Any) -> str:
    """A cell as the services read it (an integral float is an integer)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _group(region: Any, year: Any) -> tuple[str, object]:
    """The region and year of a row as the services resolve them (KATO code padded, the
    year as a number): rows of one group land in one batch."""
    text = _text(year)
    try:
        number = Decimal(text)
        parsed: object = int(number) if number == number.to_integral_value() else text
    except (InvalidOperation, ValueError, OverflowError):
        parsed = text
    return _text(region).zfill(9), parsed


def sheet_batches(sheet: Sheet, size: int) -> Iterator[list[tuple[int, tuple[Any, ...]]]]:
    """The rows of ``sheet`` in batches of whole groups, about ``size`` rows each (a group
    larger than ``size`` is one batch), rows in sheet order within a batch."""
    where = {name: sheet.header.index(name) for name in ("region", "year") if name in sheet.header}
    groups: dict[tuple[str, object], list[tuple[int, tuple[Any, ...]]]] = {}
    for number, values in sheet.rows:
        key = _group(*(_cell(values, where.get(name)) for name in ("region", "year")))
        groups.setdefault(key, []).append((number, values))
    batch: list[tuple[int, tuple[Any, ...]]] = []
    for rows in groups.values():
        batch += rows
        if len(batch) >= size:
            yield sorted(batch, key=lambda row: row[0])
            batch = []
    if batch:
        yield sorted(batch, key=lambda row: row[0])


def _cell(values: tuple[Any, ...], index: int | None) -> Any:
    return values[index] if index is not None and index < len(values) else None


def template_workbook() -> bytes:
    """An empty workbook with both sheets and their columns, for finance officers."""
    from openpyxl import Workbook

    book = Workbook()
    allocations = book.active
    assert allocations is not None
    allocations.title = "allocations"
    allocations.append(list(ALLOCATION_COLUMNS))
    execution = book.create_sheet("execution")
    execution.append(list(EXECUTION_COLUMNS))
    codes = book.create_sheet("sub_programmes")
    codes.append(["code", "classification", "name", "outputs"])
    for sub in SubProgramme.objects.filter(active=True):
        codes.append(safe_row([sub.code, sub.classification, sub.name, ", ".join(sub.outputs)]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
