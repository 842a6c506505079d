"""A measure's row, the local day it counts on, and the reading session the measures share.

The session's context variables (``_SESSION``, ``_UNTIL``, ``_OWED``) live here and only
here: every measure reads them through this module, so one computation's readings are never
mixed with another's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

QuerySetT = TypeVar("QuerySetT", bound="QuerySet[Any]")


class Row(NamedTuple):
    day: dt.date
    district_id: int
    key: int | None
    weight: float
    fields: dict[str, Any]


def age_group(birth_year: int | None, on: dt.date) -> str:
    if not birth_year:
        return "unknown"
    age = on.year - birth_year
    label = "unknown"
    for lower, name in ((0, "0-17"), (18, "18-29"), (30, "30-44"), (45, "45-59"), (60, "60+")):
        if age >= lower:
            label = name
    return label


def _local_day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date()


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in Almaty time, for filtering timestamps by local day.

    ``occurred_at__gte=local_start(day)`` selects what ``occurred_at__date__gte=day`` does,
    but through the column's index: on SQLite the ``__date`` lookup calls a Python function on
    every row of the table.
    """
    return dt.datetime.combine(day, dt.time.min, tzinfo=_zone())


_SESSION: ContextVar[dict[tuple[str, dt.date | None, dt.date | None], list[Row]] | None] = (
    ContextVar("measure_session", default=None)
)


_UNTIL: ContextVar[dt.date | None] = ContextVar("measure_until", default=None)
_OWED: ContextVar[list[tuple[dict[str, str], set[tuple[str, int, int | None]]]] | None] = (
    ContextVar("measure_owed", default=None)
)


@contextmanager
def reading_session(until: dt.date | None = None) -> Iterator[None]:
    """Within the block, the participations read for one measure are reused by the others,
    and rows dated after ``until`` may be left unread.

    Victims, offenders and their repeats all read the same participations (the repeats with a
    year more of history); a computation reads each role once. Outside a session nothing is
    kept, so a later reading always sees the current records. An incremental computation counts
    no row after the last day of the years it recomputes, so a measure may skip those
    (``read_until``); the engine ignores any it returns.
    """
    token = _SESSION.set({})
    until_token = _UNTIL.set(until)
    owed_token = _OWED.set([])
    try:
        yield
    finally:
        _OWED.reset(owed_token)
        _UNTIL.reset(until_token)
        _SESSION.reset(token)


def read_until() -> dt.date | None:
    """The last day whose rows the current computation counts (None: every day)."""
    return _UNTIL.get()


def _before_day_after(until: dt.date) -> dt.datetime:
    return local_start(until + dt.timedelta(days=1))


def read_days(queryset: QuerySetT, field: str, since: dt.date | None) -> QuerySetT:
    """``queryset`` narrowed to the rows whose date ``field`` lies from ``since`` to the last
    day the computation counts (``read_until``), by the column's index."""
    if since:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until := read_until():
        queryset = queryset.filter(**{f"{field}__lte": until})
    return queryset


def read_moments(queryset: QuerySetT, field: str, since: dt.date | None) -> QuerySetT:
    """As :func:`read_days` for a timestamp ``field``, by its local day (``local_start``)."""
    if since:
        queryset = queryset.filter(**{f"{field}__gte": local_start(since)})
    if until := read_until():
        queryset = queryset.filter(**{f"{field}__lt": _before_day_after(until)})
    return queryset
