"""Storing allocations and monthly execution, row by row, with the budget's rules.

One path serves the entry forms, the API and the XLSX upload: rows are parsed and checked
(each error names the row, the column and the reason), good rows are stored and bad rows come
back, re-sending the same rows changes nothing, and every stored change is audited. The rules:

* amounts and outputs are numbers and never negative;
* totals equal their sums: the economic breakdown of a month equals its execution, and a
  ``total`` row of an upload equals the sum of the sub-programme rows it totals;
* a year's execution of a sub-programme in a region cannot exceed its revised allocation
  unless the rows say so explicitly (``over_allocation``) with a justification;
* a revision of an allocation gives its reason, and a revised allocation cannot fall below
  what was already executed;
* a finance officer of a region works only in that region.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.accounts.access import can_place_in_scope
from qorgau.accounts.roles import MANAGE_BUDGET
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.budget.models import (
    OUTPUT_FIELDS,
    Allocation,
    AllocationRevision,
    Execution,
    Source,
    SubProgramme,
)
from qorgau.lib.tabular import safe_row
from qorgau.monitoring.recount import recount_note
from qorgau.territory.models import Level, Territory

TOTAL = "total"
MAX_AMOUNT = Decimal("99999999999999")  # 14 digits of tenge: beyond any local budget
CENT = Decimal("0.01")
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
NOT_ALLOWED = gettext_lazy("Your role may not change the budget.")


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


class _Row:
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


class _Context:
    """What the checks look up, loaded once per batch instead of once per row."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.subs = {s.code: s for s in SubProgramme.objects.all()}
        self._regions: dict[tuple[str, int], Territory | None] = {}
        self._scope: dict[int, bool] = {}
        self.today = timezone.localdate()

    def region(self, row: _Row, year: int | None) -> Territory | None:
        code = row.text("region").zfill(9)
        if not row.text("region"):
            row.fail("region", _("A value is required."))
            return None
        if year is None:
            return None
        key = (code, year)
        if key not in self._regions:
            self._regions[key] = _region_in_year(code, year)
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

    def year(self, row: _Row) -> int | None:
        year = row.integer("year")
        if year is not None and not 2000 <= year <= self.today.year + 1:
            row.fail("year", _("The year must be between 2000 and next year."))
            return None
        return year

    def sub_programme(self, row: _Row, *, allow_total: bool = True) -> SubProgramme | str | None:
        code = row.text("sub_programme")
        if allow_total and code.lower() == TOTAL:
            return TOTAL
        sub = self.subs.get(code)
        if sub is None:
            row.fail("sub_programme", _("Unknown sub-programme %(code)r.") % {"code": code})
        return sub


def _region_in_year(code: str, year: int) -> Territory | None:
    """The version of the region with this code that stood at the end of the year (or last)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    versions = (
        Territory.objects.filter(kato_code=code, level=Level.REGION)
        .exclude(valid_from__gt=last)
        .exclude(valid_to__lt=first)
        .order_by("-valid_from")
    )
    return versions.first()


def _check_actor(actor: Any) -> None:
    if not actor.has_perm(MANAGE_BUDGET):
        raise PermissionDenied(NOT_ALLOWED)


def _reject_groups(
    rows: list[_Row], totals: list[tuple[_Row, tuple[Any, ...], dict[str, Decimal]]]
) -> None:
    """Check ``total`` rows against the sum of their group; on a mismatch reject the group."""
    groups: dict[tuple[Any, ...], list[_Row]] = defaultdict(list)
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


def _audit(
    result: StoreResult, *, actor: Any, request: Any, kind: str, source: str, objects: list[Any]
) -> None:
    if not result.changed:
        return
    if len(objects) == 1:
        audit_record(
            action=AuditAction.CREATE if result.created else AuditAction.CHANGE,
            request=request,
            actor=actor,
            target=objects[0],
            details={"source": source},
        )
        return
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type=f"budget.{kind}",
        object_id="batch",
        details={
            "source": source,
            "created": result.created,
            "updated": result.updated,
            "keys": result.changed[:500],
        },
    )


# --------------------------------------------------------------------------- allocations


def _parse_allocation(context: _Context, row: _Row) -> tuple[Any, ...] | None:
    year = context.year(row)
    region = context.region(row, year)
    sub = context.sub_programme(row)
    approved = row.amount("approved")
    revised = row.amount("revised", required=False)
    if row.errors or region is None or sub is None or year is None or approved is None:
        return None
    row.values = {
        "group": (region.pk, year),
        "approved": approved,
        "revised": approved if revised is None else revised,
        "reason": row.text("reason")[:300],
    }
    return (sub, region, year)


@transaction.atomic
def allocations_store(
    *,
    actor: Any,
    records: Iterable[dict[str, Any]],
    source: str = Source.UPLOAD,
    request: Any = None,
    sheet: str = "allocations",
    first_row: int = 2,
    context: _Context | None = None,
) -> StoreResult:
    """Create or revise allocations; each change appends a revision and is audited."""
    _check_actor(actor)
    context = context or _Context(actor)
    result = StoreResult()
    rows: list[_Row] = []
    totals = []
    keys: dict[tuple[Any, ...], _Row] = {}
    for number, raw in enumerate(records, start=first_row):
        row = _Row(sheet, number, raw)
        key = _parse_allocation(context, row)
        if key is not None and key[0] == TOTAL:
            totals.append((row, row.values["group"], {"approved": row.values["approved"]}))
            if row.text("revised"):
                totals[-1][2]["revised"] = row.values["revised"]
            result.errors += row.errors
            continue
        if key is not None:
            key = (key[0].pk, key[1].pk, key[2])
            if key in keys:
                row.fail("sub_programme", _("Repeats row %(row)s.") % {"row": keys[key].number})
            keys[key] = row
            row.values["key"] = key
        rows.append(row)
    _reject_groups(rows, totals)
    result.errors += [e for r in totals for e in r[0].errors]
    good = [r for r in rows if not r.errors]
    years = {r.values["key"][2] for r in good}
    existing = {
        (a.sub_programme_id, a.region_id, a.year): a
        for a in Allocation.objects.filter(year__in=years)
    }
    executed = {
        (s, r, y): total
        for s, r, y, total in Execution.objects.filter(year__in=years)
        .values("sub_programme_id", "region_id", "year")
        .annotate(total=Sum("executed"))
        .values_list("sub_programme_id", "region_id", "year", "total")
    }
    new: list[tuple[Allocation, str]] = []
    changed: list[tuple[Allocation, str]] = []
    for row in rows:
        if row.errors:
            result.errors += row.errors
            continue
        key, values = row.values["key"], row.values
        current = existing.get(key)
        if current is not None and (current.approved, current.revised) == (
            values["approved"],
            values["revised"],
        ):
            result.unchanged += 1
            continue
        is_revision = values["revised"] != values["approved"] and (
            current is None or current.revised != values["revised"]
        )
        if is_revision and not values["reason"]:
            row.fail("reason", _("Give the reason for the revision."))
        spent = executed.get(key) or Decimal("0")
        if values["revised"] < spent:
            row.fail(
                "revised",
                _("Below what was already executed this year (%(spent)s).") % {"spent": spent},
            )
        if row.errors:
            result.errors += row.errors
            continue
        if current is None:
            current = Allocation(
                sub_programme_id=key[0],
                region_id=key[1],
                year=key[2],
                approved=values["approved"],
                revised=values["revised"],
                source=source,
            )
            new.append((current, values["reason"]))
            result.created += 1
        else:
            current.approved, current.revised = values["approved"], values["revised"]
            current.source, current.updated_at = source, timezone.now()
            changed.append((current, values["reason"]))
            result.updated += 1
        result.changed.append("{}/{}/{}".format(*key))
        result.objects.append(current)
    Allocation.objects.bulk_create([a for a, _r in new])
    Allocation.objects.bulk_update(
        [a for a, _r in changed], ["approved", "revised", "source", "updated_at"]
    )
    recount_note(  # a year's allocation is spread over its months
        days=(dt.date(a.year, 1, 1) for a, _r in [*new, *changed]), source="budget.Allocation"
    )
    numbers = dict(
        AllocationRevision.objects.filter(allocation__in=[a for a, _r in changed])
        .values("allocation_id")
        .annotate(top=Max("number"))
        .values_list("allocation_id", "top")
    )
    AllocationRevision.objects.bulk_create(
        AllocationRevision(
            allocation=a,
            number=(numbers.get(a.pk) or 0) + 1,
            approved=a.approved,
            revised=a.revised,
            reason=reason,
            made_by=actor,
        )
        for a, reason in (*new, *changed)
    )
    _audit(
        result,
        actor=actor,
        request=request,
        kind="allocation",
        source=source,
        objects=result.objects,
    )
    return result


# --------------------------------------------------------------------------- execution


def _parse_execution(context: _Context, row: _Row) -> tuple[Any, ...] | None:
    year = context.year(row)
    month = row.integer("month")
    if month is not None and not 1 <= month <= 12:
        row.fail("month", _("The month must be from 1 to 12."))
        month = None
    if year is not None and month is not None and dt.date(year, month, 1) > context.today:
        row.fail("month", _("This month has not begun."))
    region = context.region(row, year)
    sub = context.sub_programme(row)
    executed = row.amount("executed")
    parts = {name: row.amount(name, required=False) for name in BREAKDOWN}
    outputs = {name: row.integer(name, required=False) for name in OUTPUT_FIELDS}
    over = row.flag("over_allocation")
    justification = row.text("justification")[:300]
    if over and not justification:
        row.fail("justification", _("Say why the allocation is exceeded."))
    if isinstance(sub, SubProgramme):
        for name, value in outputs.items():
            if value and name not in sub.outputs:
                row.fail(name, _("This sub-programme does not report this output."))
        served = outputs["people_served"]
        completed = outputs["completed"] if "completed" in sub.outputs else 0
        if completed and served is not None and completed > served:
            row.fail("completed", _("More completions than people served."))
    given = [v for v in parts.values() if v is not None]
    if given and executed is not None and sum(given, Decimal("0")) != executed:
        row.fail(
            "executed",
            _("Must equal wages + goods and services + social order (%(sum)s).")
            % {"sum": sum(given, Decimal("0"))},
        )
    if row.errors or None in (year, month, region, sub, executed):
        return None
    assert region is not None and year is not None and month is not None
    row.values = {
        "group": (region.pk, year, month),
        "executed": executed,
        **parts,
        **{k: v or 0 for k, v in outputs.items()},
        "over_allocation": over,
        "justification": justification,
    }
    return (sub, region, year, month)


_EXECUTION_VALUES = ("executed", *BREAKDOWN, *OUTPUT_FIELDS, "over_allocation", "justification")


@transaction.atomic
def executions_store(
    *,
    actor: Any,
    records: Iterable[dict[str, Any]],
    source: str = Source.UPLOAD,
    request: Any = None,
    sheet: str = "execution",
    first_row: int = 2,
    context: _Context | None = None,
) -> StoreResult:
    """Create or correct monthly execution rows; the year's total is held to the allocation."""
    _check_actor(actor)
    context = context or _Context(actor)
    result = StoreResult()
    rows: list[_Row] = []
    totals = []
    keys: dict[tuple[Any, ...], _Row] = {}
    for number, raw in enumerate(records, start=first_row):
        row = _Row(sheet, number, raw)
        key = _parse_execution(context, row)
        if key is not None and key[0] == TOTAL:
            totals.append((row, row.values["group"], {"executed": row.values["executed"]}))
            result.errors += row.errors
            continue
        if key is not None:
            key = (key[0].pk, key[1].pk, key[2], key[3])
            if key in keys:
                row.fail("sub_programme", _("Repeats row %(row)s.") % {"row": keys[key].number})
            keys[key] = row
            row.values["key"] = key
        rows.append(row)
    _reject_groups(rows, totals)
    result.errors += [e for r in totals for e in r[0].errors]
    good = [r for r in rows if not r.errors]
    years = {r.values["key"][2] for r in good}
    regions = {r.values["key"][1] for r in good}
    allocations = {
        (a.sub_programme_id, a.region_id, a.year): a.revised
        for a in Allocation.objects.filter(year__in=years, region_id__in=regions)
    }
    existing = {
        (e.sub_programme_id, e.region_id, e.year, e.month): e
        for e in Execution.objects.filter(year__in=years, region_id__in=regions)
    }
    # The year's total as it would stand after this batch: stored months, overwritten by
    # the months of the batch.
    months: dict[tuple[int, int, int], dict[int, Decimal]] = defaultdict(dict)
    for (s, r, y, m), e in existing.items():
        months[(s, r, y)][m] = e.executed
    for row in good:
        s, r, y, m = row.values["key"]
        months[(s, r, y)][m] = row.values["executed"]
    new: list[Execution] = []
    changed: list[Execution] = []
    for row in rows:
        if not row.errors:
            _execution_checks(row, allocations, months)
        if row.errors:
            result.errors += row.errors
            continue
        key, values = row.values["key"], {k: row.values[k] for k in _EXECUTION_VALUES}
        current = existing.get(key)
        if current is not None and all(getattr(current, k) == v for k, v in values.items()):
            result.unchanged += 1
            continue
        if current is None:
            current = Execution(
                sub_programme_id=key[0],
                region_id=key[1],
                year=key[2],
                month=key[3],
                source=source,
                **values,
            )
            new.append(current)
            result.created += 1
        else:
            for name, value in values.items():
                setattr(current, name, value)
            current.source, current.updated_at = source, timezone.now()
            changed.append(current)
            result.updated += 1
        result.changed.append("{}/{}/{}-{:02d}".format(*key))
        result.objects.append(current)
    Execution.objects.bulk_create(new)
    Execution.objects.bulk_update(changed, [*_EXECUTION_VALUES, "source", "updated_at"])
    recount_note(
        days=(dt.date(e.year, e.month, 1) for e in [*new, *changed]), source="budget.Execution"
    )
    _audit(
        result,
        actor=actor,
        request=request,
        kind="execution",
        source=source,
        objects=result.objects,
    )
    return result


def _execution_checks(
    row: _Row,
    allocations: dict[tuple[int, int, int], Decimal],
    months: dict[tuple[int, int, int], dict[int, Decimal]],
) -> None:
    s, r, y, _m = row.values["key"]
    revised = allocations.get((s, r, y))
    if revised is None:
        row.fail("sub_programme", _("No allocation for this sub-programme, region and year."))
        return
    total = sum(months[(s, r, y)].values(), Decimal("0"))
    if total > revised and not row.values["over_allocation"]:
        row.fail(
            "executed",
            _(
                "The year's execution (%(total)s) would exceed the revised allocation "
                "(%(revised)s): mark it as beyond the allocation and justify it."
            )
            % {"total": total, "revised": revised},
        )


# --------------------------------------------------------------------------- one record


def _raise(result: StoreResult) -> None:
    if result.errors:
        raise ValidationError(
            {e.column if e.column else "__all__": [e.message] for e in result.errors}
        )


def allocation_save(
    *, actor: Any, values: dict[str, Any], source: str, request: Any = None
) -> Allocation:
    """One allocation from a form or the API; raises ValidationError naming the field."""
    result = allocations_store(
        actor=actor, records=[values], source=source, request=request, sheet="form"
    )
    _raise(result)
    if result.objects:
        return Allocation.objects.get(pk=result.objects[0].pk)
    region = _region_in_year(str(values["region"]).zfill(9), int(values["year"]))
    return Allocation.objects.get(
        sub_programme__code=values["sub_programme"], region=region, year=int(values["year"])
    )


def execution_save(
    *, actor: Any, values: dict[str, Any], source: str, request: Any = None
) -> Execution:
    result = executions_store(
        actor=actor, records=[values], source=source, request=request, sheet="form"
    )
    _raise(result)
    if result.objects:
        return Execution.objects.get(pk=result.objects[0].pk)
    region = _region_in_year(str(values["region"]).zfill(9), int(values["year"]))
    return Execution.objects.get(
        sub_programme__code=values["sub_programme"],
        region=region,
        year=int(values["year"]),
        month=int(values["month"]),
    )


# --------------------------------------------------------------------------- XLSX


def workbook_read(content: bytes) -> dict[str, list[dict[str, Any]]]:
    """Sheets ``allocations`` and ``execution`` as rows of header → value.

    A workbook with one unnamed sheet is taken as execution when it has a ``month`` column.
    Raises ValidationError for an unreadable file.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged file
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from exc
    sheets: dict[str, list[dict[str, Any]]] = {}
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if not header_row:
            continue
        header = [str(cell or "").strip().lower() for cell in header_row]
        records = [
            dict(zip(header, row, strict=False))
            for row in rows
            if any(cell not in (None, "") for cell in row)
        ]
        name = sheet.title.strip().lower()
        if name not in ("allocations", "execution"):
            name = "execution" if "month" in header else "allocations"
        sheets[name] = records
    book.close()
    return sheets


def workbook_store(
    *, actor: Any, content: bytes, request: Any = None, source: str = Source.UPLOAD
) -> StoreResult:
    """Allocations first (execution is checked against them), then execution."""
    _check_actor(actor)
    sheets = workbook_read(content)
    if not sheets:
        raise ValidationError(_("The workbook has no rows."))
    context = _Context(actor)
    result = StoreResult()
    if "allocations" in sheets:
        result.add(
            allocations_store(
                actor=actor,
                records=sheets["allocations"],
                source=source,
                request=request,
                context=context,
            )
        )
    if "execution" in sheets:
        result.add(
            executions_store(
                actor=actor,
                records=sheets["execution"],
                source=source,
                request=request,
                context=context,
            )
        )
    return result


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
