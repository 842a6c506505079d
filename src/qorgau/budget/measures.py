"""Rows for the monitoring measures ``budget_allocated`` and ``budget_executed``.

Money is allocated and spent by the region (its maslikhat adopts the local budget), not by a
district, so the rows are placed on the region's own territory version: the engine rolls a row
up along the ancestors of whatever version it is on, so the values land on the region and the
country and no district gets a figure it never had. (Putting them on the region's capital
district would wrongly credit that district with the whole region's money.)

``budget_allocated`` spreads the revised annual allocation evenly over the months (1/12 each)
up to the last complete month, so a month's, quarter's or year-to-date execution rate compares
spending with the allocation for the same stretch of time; a complete year compares with the
whole allocation. ``budget_executed`` is the monthly cash execution.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from qorgau.monitoring.measures import QuerySetT, Row, read_until
from qorgau.monitoring.reading import plain_rows


def _last_complete_month() -> dt.date:
    return timezone.localdate().replace(day=1) - dt.timedelta(days=1)


def _years(queryset: QuerySetT, since: dt.date | None, until: dt.date | None) -> QuerySetT:
    """Only the budget years from ``since``'s to ``until``'s; no ordering (the models' would
    join every row to its region)."""
    queryset = queryset.order_by()
    if since:
        queryset = queryset.filter(year__gte=since.year)
    if until:
        queryset = queryset.filter(year__lte=until.year)
    return queryset


def budget_allocated(since: dt.date | None) -> Iterator[Row]:
    from qorgau.budget.models import Allocation

    last = _last_complete_month()
    if until := read_until():
        last = min(last, until)
    allocations = _years(Allocation.objects.all(), since, last)
    for region, year, revised in plain_rows(allocations, "region_id", "year", "revised"):
        monthly = float(revised) / 12
        for month in range(1, 13):
            day = dt.date(year, month, 1)
            if day > last:
                break
            if since is None or day >= since:
                yield Row(day, region, None, monthly, {})


def budget_executed(since: dt.date | None) -> Iterator[Row]:
    from qorgau.budget.models import Execution

    until = read_until()
    executions = _years(Execution.objects.all(), since, until)
    for region, year, month, executed in plain_rows(
        executions, "region_id", "year", "month", "executed"
    ):
        day = dt.date(year, month, 1)
        if (since is None or day >= since) and (until is None or day <= until):
            yield Row(day, region, None, float(executed), {})


def measures_register() -> None:
    """Hand the measures to monitoring (which never imports this app)."""
    from qorgau.monitoring.measures import measure_register

    measure_register("budget_allocated", budget_allocated, exact=True)
    measure_register("budget_executed", budget_executed, exact=True)
    from qorgau.budget.models import Allocation, Execution
    from qorgau.monitoring.recount import counted_record_register

    # the import notes its own bulk writes; these cover a single record's save
    counted_record_register(
        Allocation,
        ("region_id", "year", "revised"),
        lambda rs: (dt.date(r.year, 1, 1) for r in rs),
    )
    counted_record_register(
        Execution,
        ("region_id", "year", "month", "executed"),
        lambda rs: (dt.date(r.year, r.month, 1) for r in rs),
    )
