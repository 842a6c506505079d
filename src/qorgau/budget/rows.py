"""Parsing one input row of the budget, and what the checks look up once per batch.

Each problem found names the sheet, the row (1 is the header) and the column, so that the
forms, the API and a workbook's rejects all say where the figure is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from qorgau.accounts.access import can_place_in_scope
from qorgau.budget.models import SubProgramme
from qorgau.territory.models import Level, Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User


TOTAL = "total"
MAX_AMOUNT = Decimal("99999999999999")  # 14 digits of tenge: beyond any local budget
CENT = Decimal("0.01")


@dataclass(frozen=True)
class RowError:
    """Why one row was not stored: the sheet, the row number (1 = header), the column."""

    sheet: str
    row: int
    column: str
    message: str


@dataclass
class StoreResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    objects: list[Any] = field(default_factory=list)

    def add(self, other: StoreResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.errors += other.errors
        self.changed += other.changed
        self.objects += other.objects


class Row:
    """One input row being parsed: typed values, and the errors found so far."""

    def __init__(self, sheet: str, number: int, raw: dict[str, Any]) -> None:
        self.sheet, self.number, self.raw = sheet, number, raw
        self.errors: list[RowError] = []
        self.values: dict[str, Any] = {}

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.sheet, self.number, column, str(message)))

    def text(self, column: str) -> str:
        value = self.raw.get(column)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return "" if value is None else str(value).strip()

    def integer(self, column: str, *, required: bool = True) -> int | None:
        text = self.text(column)
        if not text:
            if required:
                self.fail(column, _("A value is required."))
            return None if required else 0
        try:
            number = Decimal(text)
        except InvalidOperation:
            self.fail(column, _("Enter a whole number."))
            return None
        if not number.is_finite() or number.adjusted() > 18 or number != number.to_integral_value():
            self.fail(column, _("Enter a whole number."))
            return None
        if number < 0:
            self.fail(column, _("Cannot be negative."))
            return None
        return int(number)

    def amount(self, column: str, *, required: bool = True) -> Decimal | None:
        text = self.text(column).replace(" ", "").replace("\u00a0", "").replace(",", ".")
        if not text:
            if required:
                self.fail(column, _("A value is required."))
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            self.fail(column, _("Enter an amount in tenge."))
            return None
        if not number.is_finite():
            self.fail(column, _("Enter an amount in tenge."))
            return None
        if number < 0:
            self.fail(column, _("Cannot be negative."))
            return None
        if number > MAX_AMOUNT:
            self.fail(column, _("The amount is implausibly large; check the units (tenge)."))
            return None
        return number.quantize(CENT)

    def flag(self, column: str) -> bool:
        return self.text(column).lower() in {"1", "true", "yes", "y", "x", "да", "иә", "on"}


class Context:
    """What the checks look up, loaded once per batch instead of once per row."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        self.subs = {s.code: s for s in SubProgramme.objects.all()}
        self._regions: dict[tuple[str, int], Territory | None] = {}
        self._scope: dict[int, bool] = {}
        self.today = timezone.localdate()

    def region(self, row: Row, year: int | None) -> Territory | None:
        code = row.text("region").zfill(9)
        if not row.text("region"):
            row.fail("region", _("A value is required."))
            return None
        if year is None:
            return None
        key = (code, year)
        if key not in self._regions:
            self._regions[key] = region_in_year(code, year)
        region = self._regions[key]
        if region is None:
            row.fail(
                "region",
                _("%(code)s is not the KATO code of a region in %(year)s.")
                % {"code": code, "year": year},
            )
            return None
        if region.pk not in self._scope:
            self._scope[region.pk] = can_place_in_scope(self.actor, region.pk, None)
        if not self._scope[region.pk]:
            row.fail("region", _("This region is outside your scope."))
            return None
        return region

    def year(self, row: Row) -> int | None:
        year = row.integer("year")
        if year is not None and not 2000 <= year <= self.today.year + 1:
            row.fail("year", _("The year must be between 2000 and next year."))
            return None
        return year

    def sub_programme(self, row: Row, *, allow_total: bool = True) -> SubProgramme | str | None:
        code = row.text("sub_programme")
        if allow_total and code.lower() == TOTAL:
            return TOTAL
        sub = self.subs.get(code)
        if sub is None:
            row.fail("sub_programme", _("Unknown sub-programme %(code)r.") % {"code": code})
        return sub


def region_in_year(code: str, year: int) -> Territory | None:
    """The version of the region with this code that stood at the end of the year (or last)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    versions = (
        Territory.objects.filter(kato_code=code, level=Level.REGION)
        .exclude(valid_from__gt=last)
        .exclude(valid_to__lt=first)
        .order_by("-valid_from")
    )
    return versions.first()


def _reject_groups(
    rows: list[Row], totals: list[tuple[Row, tuple[Any, ...], dict[str, Decimal]]]
) -> None:
    """Check ``total`` rows against the sum of their group; on a mismatch reject the group."""
    groups: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
    for row in rows:
        if not row.errors:
            groups[row.values["group"]].append(row)
    for total_row, group, expected in totals:
        for column, wanted in expected.items():
            added = sum((r.values[column] for r in groups.get(group, [])), Decimal("0"))
            if added != wanted:
                total_row.fail(
                    column,
                    _("The total %(total)s does not equal the sum of its rows (%(sum)s).")
                    % {"total": wanted, "sum": added},
                )
        if total_row.errors:
            for row in groups.get(group, []):
                row.fail(
                    "sub_programme",
                    _("Not stored: the total in row %(row)s does not match.")
                    % {"row": total_row.number},
                )


def _numbered(
    records: Iterable[dict[str, Any]], row_numbers: Sequence[int] | None, first_row: int
) -> Iterable[tuple[int, dict[str, Any]]]:
    """Each record with its row number: ``row_numbers`` (a workbook's batch), else counted."""
    if row_numbers is None:
        return enumerate(records, start=first_row)
    return zip(row_numbers, records, strict=True)


def rows_read(
    records: Iterable[dict[str, Any]],
    row_numbers: Sequence[int] | None,
    first_row: int,
    sheet: str,
    *,
    parse: Callable[[Row], tuple[Any, ...] | None],
    sums: Callable[[Row], dict[str, Decimal]],
    result: StoreResult,
) -> list[Row]:
    """The rows of an upload, each parsed (``parse``) with its key: the sub-programme, the region
    and the period, by id. A repeated key is refused on the row that repeats it; a ``total`` row
    is kept apart, its ``sums`` checked against its group's rows (:func:`_reject_groups`)."""
    rows: list[Row] = []
    totals: list[tuple[Row, tuple[Any, ...], dict[str, Decimal]]] = []
    keys: dict[tuple[Any, ...], Row] = {}
    for number, raw in _numbered(records, row_numbers, first_row):
        row = Row(sheet, number, raw)
        key = parse(row)
        if key is not None and key[0] == TOTAL:
            totals.append((row, row.values["group"], sums(row)))
            result.errors += row.errors
            continue
        if key is not None:
            key = (key[0].pk, key[1].pk, *key[2:])
            if key in keys:
                row.fail("sub_programme", _("Repeats row %(row)s.") % {"row": keys[key].number})
            keys[key] = row
            row.values["key"] = key
        rows.append(row)
    _reject_groups(rows, totals)
    result.errors += [e for r in totals for e in r[0].errors]
    return rows
