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
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
from qorgau.budget.rows import MAX_AMOUNT, RowError, StoreResult, region_in_year, rows_read
from qorgau.budget.rows import Context as _Context
from qorgau.budget.rows import Row as _Row
from qorgau.budget.workbook import (
    ALLOCATION_COLUMNS,
    BREAKDOWN,
    EXECUTION_COLUMNS,
    Sheet,
    no_sheet,
    workbook_sheets,
)
from qorgau.monitoring.recount import recount_note

if TYPE_CHECKING:
    from qorgau.accounts.models import User


NOT_ALLOWED = gettext_lazy("Your role may not change the budget.")

# The columns and the amount's bound are read from here too (the benchmark, property tests).
__all__ = [
    "ALLOCATION_COLUMNS",
    "EXECUTION_COLUMNS",
    "MAX_AMOUNT",
    "RowError",
    "StoreResult",
    "allocation_save",
    "budget_rows_store",
    "execution_save",
    "sheet_store",
    "workbook_store",
]


def _check_actor(actor: User) -> None:
    if not actor.has_perm(MANAGE_BUDGET):
        raise PermissionDenied(NOT_ALLOWED)


def _audit(
    result: StoreResult, *, actor: User, request: Any, kind: str, source: str, objects: list[Any]
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


def _allocation_sums(row: _Row) -> dict[str, Decimal]:
    """What a ``total`` row of allocations totals: the approved amounts, and the revised ones
    when it gives them."""
    sums = {"approved": row.values["approved"]}
    if row.text("revised"):
        sums["revised"] = row.values["revised"]
    return sums


def _allocations_write(
    rows: list[_Row], result: StoreResult, *, actor: User, source: str, request: Any
) -> None:
    """Create or revise allocations; each change appends a revision and is audited."""
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


def _executions_write(
    rows: list[_Row], result: StoreResult, *, actor: User, source: str, request: Any
) -> None:
    """Create or correct monthly execution rows; the year's total is held to the allocation."""
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


# --------------------------------------------------------------------------- storing


@dataclass(frozen=True)
class _Kind:
    """How the rows of one kind are read (their key, and a total row's sums) and written."""

    parse: Callable[[_Context, _Row], tuple[Any, ...] | None]
    sums: Callable[[_Row], dict[str, Decimal]]
    write: Callable[..., None]


_KINDS = {
    "allocations": _Kind(_parse_allocation, _allocation_sums, _allocations_write),
    "execution": _Kind(
        _parse_execution, lambda row: {"executed": row.values["executed"]}, _executions_write
    ),
}
BudgetKind = Literal["allocations", "execution"]


@transaction.atomic
def budget_rows_store(
    *,
    actor: User,
    kind: BudgetKind,
    records: Iterable[dict[str, Any]],
    row_numbers: Sequence[int] | None = None,
    source: str = Source.UPLOAD,
    request: Any = None,
    sheet: str | None = None,
    first_row: int = 2,
    context: _Context | None = None,
) -> StoreResult:
    """Store rows of allocations or of monthly execution, all or the good ones: each bad row is
    returned with its errors, each change audited. ``sheet`` names the rows' place in errors
    (the kind when not given); ``context`` carries lookups across the sheets of a workbook."""
    _check_actor(actor)
    context = context or _Context(actor)
    how = _KINDS[kind]
    result = StoreResult()
    rows = rows_read(
        records,
        row_numbers,
        first_row,
        sheet or kind,
        parse=lambda row: how.parse(context, row),
        sums=how.sums,
        result=result,
    )
    how.write(rows, result, actor=actor, source=source, request=request)
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
    *, actor: User, values: dict[str, Any], source: str, request: Any = None
) -> Allocation:
    """One allocation from a form or the API; raises ValidationError naming the field."""
    result = budget_rows_store(
        actor=actor,
        kind="allocations",
        records=[values],
        source=source,
        request=request,
        sheet="form",
    )
    _raise(result)
    if result.objects:
        return Allocation.objects.get(pk=result.objects[0].pk)
    region = region_in_year(str(values["region"]).zfill(9), int(values["year"]))
    return Allocation.objects.get(
        sub_programme__code=values["sub_programme"], region=region, year=int(values["year"])
    )


def execution_save(
    *, actor: User, values: dict[str, Any], source: str, request: Any = None
) -> Execution:
    result = budget_rows_store(
        actor=actor,
        kind="execution",
        records=[values],
        source=source,
        request=request,
        sheet="form",
    )
    _raise(result)
    if result.objects:
        return Execution.objects.get(pk=result.objects[0].pk)
    region = region_in_year(str(values["region"]).zfill(9), int(values["year"]))
    return Execution.objects.get(
        sub_programme__code=values["sub_programme"],
        region=region,
        year=int(values["year"]),
        month=int(values["month"]),
    )


# --------------------------------------------------------------------------- XLSX


def sheet_store(
    *,
    actor: User,
    sheet: Sheet,
    rows: list[tuple[int, tuple[Any, ...]]],
    context: _Context,
    source: str = Source.UPLOAD,
    request: Any = None,
) -> StoreResult:
    """Store ``rows`` of a workbook sheet (whole groups of it: see :mod:`.workbook`)."""
    return budget_rows_store(
        actor=actor,
        kind="allocations" if sheet.name == "allocations" else "execution",
        records=sheet.records(rows),
        row_numbers=[number for number, _values in rows],
        source=source,
        request=request,
        sheet=sheet.name,
        context=context,
    )


def workbook_store(
    *, actor: User, content: bytes, request: Any = None, source: str = Source.UPLOAD
) -> StoreResult:
    """A whole workbook in the request (the pages queue a job instead: :mod:`.uploads`);
    allocations first (execution is checked against them), one transaction per sheet."""
    _check_actor(actor)
    sheets = workbook_sheets(content)
    if not sheets:
        raise ValidationError(no_sheet())
    context = _Context(actor)
    result = StoreResult()
    for sheet in sheets:
        result.add(
            sheet_store(
                actor=actor,
                sheet=sheet,
                rows=sheet.rows,
                context=context,
                source=source,
                request=request,
            )
        )
    return result
