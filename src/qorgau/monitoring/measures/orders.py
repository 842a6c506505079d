"""The registry's measures of protective orders, behaviour requirements, offences and risk
assessments: dated records, one row each (weeks in force spread by day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
from django.db.models import F
from django.utils import timezone

from qorgau.monitoring.measures.session import (
    Row,
    _local_day,
    _zone,
    read_days,
    read_moments,
    read_until,
)
from qorgau.monitoring.reading import plain_rows
from qorgau.registry.models import (
    BehaviourRequirement,
    Offence,
    OrderCheckIn,
    OrderViolation,
    ProtectiveOrder,
    RequirementViolation,
    RiskAssessment,
)


def _dated(
    queryset: Any,
    day_field: str,
    district_field: str,
    since: dt.date | None,
    extra: tuple[str, ...] = (),
) -> Iterator[Row]:
    queryset = read_days(queryset, day_field, since)
    for values in plain_rows(queryset, day_field, district_field, *extra):
        yield Row(values[0], values[1], None, 1.0, dict(zip(extra, values[2:], strict=True)))


def orders(since: dt.date | None) -> Iterator[Row]:
    return _dated(ProtectiveOrder.objects.all(), "issued_on", "district_id", since)


def orders_with_incident(since: dt.date | None) -> Iterator[Row]:
    return _dated(
        ProtectiveOrder.objects.filter(incident__isnull=False), "issued_on", "district_id", since
    )


def orders_within_one_day(since: dt.date | None) -> Iterator[Row]:
    zone = _zone()
    queryset = read_days(ProtectiveOrder.objects.filter(incident__isnull=False), "issued_on", since)
    for issued, district, reported in plain_rows(
        queryset, "issued_on", "district_id", "incident__reported_at"
    ):
        if (issued - _local_day(reported, zone)).days <= 1:
            yield Row(issued, district, None, 1.0, {})


def order_violations(since: dt.date | None) -> Iterator[Row]:
    return _dated(OrderViolation.objects.all(), "occurred_on", "order__district_id", since)


def order_checks(since: dt.date | None) -> Iterator[Row]:
    return _dated(OrderCheckIn.objects.all(), "checked_on", "order__district_id", since)


def order_weeks_in_force(since: dt.date | None) -> Iterator[Row]:
    """Each served order contributes, in each month, the weeks it was in force there."""
    today = timezone.localdate()
    queryset = ProtectiveOrder.objects.filter(served_on__isnull=False, ends_on__isnull=False)
    if since:  # an order in force on a day from ``since`` on ends on or after it
        queryset = queryset.filter(ends_on__gte=since)
    if until := read_until():
        queryset = queryset.filter(served_on__lte=until)
    for values in plain_rows(queryset, "served_on", "ends_on", "revoked_on", "district_id"):
        served: dt.date = values[0]  # filtered: not null
        ends: dt.date = values[1]
        revoked: dt.date | None = values[2]
        district: int = values[3]
        last = min(ends, today, revoked - dt.timedelta(days=1) if revoked else ends)
        day = served
        while day <= last:
            month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(
                days=1
            )
            stop = min(last, month_end)
            if since is None or stop >= since:
                yield Row(day, district, None, ((stop - day).days + 1) / 7, {})
            day = stop + dt.timedelta(days=1)


def order_weeks_by_day(first: dt.date) -> Iterator[Row]:
    """The weeks in force of ``order_weeks_in_force`` split by day, from ``first`` to today:
    a row per district and day, weighing a seventh for every order in force that day.

    The measure's own rows stand for an order's days in a month, so a day's share of a month
    cannot be told from them; an incremental run keeps these day figures instead.
    """
    today = min(timezone.localdate(), read_until() or dt.date.max)
    queryset = ProtectiveOrder.objects.filter(
        served_on__isnull=False, served_on__lte=today, ends_on__gte=first
    )
    orders = list(plain_rows(queryset, "served_on", "ends_on", "revoked_on", "district_id"))
    if not orders:
        return
    never = dt.date.max.toordinal()
    served = np.fromiter((o[0].toordinal() for o in orders), dtype=np.int64, count=len(orders))
    ends = np.fromiter((o[1].toordinal() for o in orders), dtype=np.int64, count=len(orders))
    revoked = np.fromiter(
        (o[2].toordinal() if o[2] else never for o in orders), dtype=np.int64, count=len(orders)
    )
    start = np.maximum(served, first.toordinal())
    stop = np.minimum(np.minimum(ends, revoked - 1), today.toordinal())
    kept = stop >= start
    if not kept.any():
        return
    start, stop = start[kept] - first.toordinal(), stop[kept] - first.toordinal()
    districts, district_at = np.unique(
        np.fromiter((o[3] for o in orders), dtype=np.int64, count=len(orders))[kept],
        return_inverse=True,
    )
    # +1 on an order's first day, -1 after its last: the running sum is the orders in force
    change = np.zeros((len(districts), int(stop.max()) + 2), dtype=np.int64)
    np.add.at(change, (district_at, start), 1)
    np.add.at(change, (district_at, stop + 1), -1)
    in_force = np.cumsum(change, axis=1)[:, :-1]
    for row, offset in zip(*np.nonzero(in_force), strict=True):
        yield Row(
            first + dt.timedelta(days=int(offset)),
            int(districts[row]),
            None,
            in_force[row, offset] / 7,
            {},
        )


def requirements(since: dt.date | None) -> Iterator[Row]:
    return _dated(BehaviourRequirement.objects.all(), "decided_on", "district_id", since)


def requirement_violations(since: dt.date | None) -> Iterator[Row]:
    return _dated(
        RequirementViolation.objects.all(), "occurred_on", "requirement__district_id", since
    )


def offences(since: dt.date | None) -> Iterator[Row]:
    return _dated(Offence.objects.all(), "committed_on", "district_id", since, ("kind", "article"))


def risk_assessments(since: dt.date | None) -> Iterator[Row]:
    zone = _zone()
    queryset = read_moments(
        RiskAssessment.objects.annotate(raised_flag=F("level")), "assessed_at", since
    )
    for moment, district, level, computed in plain_rows(
        queryset, "assessed_at", "district_id", "level", "computed_level"
    ):
        yield Row(
            _local_day(moment, zone),
            district,
            None,
            1.0,
            {"level": level, "raised": level != computed},
        )
