"""The measures indicators are built from: each turns records into rows.

The registry's measures are defined here; the parts above monitoring (coordination,
programmes, budget, citizens) add theirs to ``MEASURES`` from their ``AppConfig.ready()``, so
that monitoring never imports them.

A row is ``(day, district_id, key, weight, fields)``: the day it counts on (Almaty time), the
district version it happened in (or a region version, for figures kept per region only, such as
budget allocations: the engine rolls a row up through the ancestors of whatever version it is
on, so such a row counts for its region and the country and for no district), a person key
when the measure counts distinct persons (``None`` otherwise), a weight (1, or e.g. weeks in
force), and the fields an indicator may filter or break down by. The catalogue may only use
the fields listed in ``MEASURE_FIELDS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db.models import F, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from qorgau.monitoring.reading import plain_rows
from qorgau.registry.models import (
    BehaviourRequirement,
    Incident,
    IncidentParticipant,
    Offence,
    OrderCheckIn,
    OrderViolation,
    Person,
    ProtectiveOrder,
    RequirementViolation,
    RiskAssessment,
)

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


# The facts of an incident the catalogue filters and breaks down by.
INCIDENT_FACTS = (
    "settlement_type",
    "source_channel",
    "physical",
    "psychological",
    "sexual",
    "economic",
    "children_present",
    "injury",
)


def incidents(since: dt.date | None) -> Iterator[Row]:
    zone = _zone()
    queryset = read_moments(Incident.objects.all(), "occurred_at", since)
    for moment, district, *facts in plain_rows(
        queryset, "occurred_at", "district_id", *INCIDENT_FACTS
    ):
        yield Row(
            _local_day(moment, zone),
            district,
            None,
            1.0,
            dict(zip(INCIDENT_FACTS, facts, strict=True)),
        )


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


def _participants(
    role: str, since: dt.date | None, active_since: dt.date | None = None
) -> Iterator[Row]:
    """The participations of ``role`` from ``since`` on, each on its incident's local day
    (with ``active_since``, only those of the persons with a participation from that day on)."""
    if _SESSION.get() is None:
        return _read_participants(role, since, active_since)
    return (row for row in _history(role, since, active_since) if since is None or row.day >= since)


def _history(role: str, since: dt.date | None, active_since: dt.date | None) -> list[Row]:
    """The participations of ``role`` from a year before ``since`` on (what the repeats need),
    read once per session."""
    start = since - dt.timedelta(days=366) if since else None
    session = _SESSION.get()
    if session is None:
        return list(_read_participants(role, start, active_since))
    if (role, start, active_since) not in session:
        session[role, start, active_since] = list(_read_participants(role, start, active_since))
    return session[role, start, active_since]


def _read_participants(
    role: str, since: dt.date | None, active_since: dt.date | None = None
) -> Iterator[Row]:
    zone = _zone()
    queryset = read_moments(
        IncidentParticipant.objects.filter(role=role), "incident__occurred_at", since
    )
    fields = (
        "incident_id",
        "incident__occurred_at",
        "incident__district_id",
        "person_id",
        "person__sex",
        "person__birth_year",
    )
    rows: Iterator[tuple[Any, ...]]
    if active_since:
        # from the incidents by their date index, not from every participation
        recent = read_moments(Incident.objects.all(), "occurred_at", active_since)
        active = IncidentParticipant.objects.filter(role=role, incident_id__in=recent.values("pk"))
        queryset = queryset.filter(person_id__in=active.values("person_id"))
        # few rows: each looks its incident's offender up by the index, in the same statement
        offender = _first_offenders().filter(incident_id=OuterRef("incident_id"))
        queryset = queryset.annotate(
            offender_relationship=Subquery(offender.values("relationship")[:1])
        )
        rows = plain_rows(queryset, *fields, "offender_relationship")
    else:
        relationships = _offender_relationships(since)
        rows = ((*row, relationships.get(row[0])) for row in plain_rows(queryset, *fields))
    for _incident, moment, district, person, sex, birth_year, relationship in rows:
        day = _local_day(moment, zone)
        yield Row(
            day,
            district,
            person,
            1.0,
            {
                "sex": sex,
                "age_group": age_group(birth_year, day),
                "relationship": relationship or "unknown",
            },
        )


def _first_offenders() -> QuerySet[IncidentParticipant]:
    """The offenders whose relationship to the victim is known, the first recorded first: an
    incident with several is counted under its first offender's relationship."""
    return (
        IncidentParticipant.objects.filter(role="offender").exclude(relationship="").order_by("pk")
    )


def _offender_relationships(since: dt.date | None) -> dict[int, str]:
    """Each incident's relationship (``_first_offenders``), for the incidents from ``since`` on."""
    offenders = read_moments(_first_offenders().order_by(), "incident__occurred_at", since)
    first: dict[int, tuple[int, str]] = {}
    for pk, incident, relationship in plain_rows(offenders, "pk", "incident_id", "relationship"):
        if incident not in first or pk < first[incident][0]:  # no sort of every offender
            first[incident] = (pk, relationship)
    return {incident: relationship for incident, (_pk, relationship) in first.items()}


def victims(since: dt.date | None) -> Iterator[Row]:
    return _participants("victim", since)


def offenders(since: dt.date | None) -> Iterator[Row]:
    return _participants("offender", since)


def _repeats(
    role: str, since: dt.date | None, active_since: dt.date | None = None
) -> Iterator[Row]:
    """Participations preceded by another of the same person within 365 days.

    From ``since`` on, only the participations of the 365 days before it can be the earlier
    one, so the history read is bounded by that.
    """
    rows = sorted(_history(role, since, active_since), key=lambda row: (row.key, row.day))
    previous: Row | None = None
    for row in rows:
        repeat = previous and previous.key == row.key and 0 < (row.day - previous.day).days <= 365
        if repeat and (since is None or row.day >= since):
            yield row
        previous = row


def repeat_victims(since: dt.date | None) -> Iterator[Row]:
    return _repeats("victim", since)


def repeat_offenders(since: dt.date | None) -> Iterator[Row]:
    return _repeats("offender", since)


PersonHistory = Callable[[dt.date, dt.date], Iterator[Row]]
PERSON_HISTORIES: dict[str, PersonHistory] = {
    "victims": lambda since, active: _participants("victim", since, active),
    "offenders": lambda since, active: _participants("offender", since, active),
    "repeat_victims": lambda since, active: _repeats("victim", since, active),
    "repeat_offenders": lambda since, active: _repeats("offender", since, active),
}
"""For each measure of distinct persons: its rows from ``since`` on of only the persons with a
row from ``active`` on. Every person an incremental computation can count anew is among
them, so it reads their history instead of everyone's."""


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


def _figures(form: str, item: str, since: dt.date | None) -> Iterator[Row]:
    """Approved or accepted monthly figures of an aggregate report form."""
    from qorgau.monitoring.models import AggregateFigure, ReportStatus

    queryset = AggregateFigure.objects.filter(
        report__form=form,
        item=item,
        report__status__in=[ReportStatus.APPROVED, ReportStatus.ACCEPTED],
    )
    if since:  # months are written YYYY-MM, so text order is time order
        queryset = queryset.filter(report__period__gte=f"{since:%Y-%m}")
    if until := read_until():
        queryset = queryset.filter(report__period__lte=f"{until:%Y-%m}")
    for period, district, value in plain_rows(
        queryset, "report__period", "report__territory_id", "value"
    ):
        day = dt.date(int(period[:4]), int(period[5:7]), 1)
        if since is None or day >= since:
            yield Row(day, district, None, float(value), {})


def crisis_centre_clients(since: dt.date | None) -> Iterator[Row]:
    return _figures("crisis_centre", "clients_total", since)


def shelter_beds(since: dt.date | None) -> Iterator[Row]:
    return _figures("crisis_centre", "beds", since)


def dv_injuries_treated(since: dt.date | None) -> Iterator[Row]:
    return _figures("health_facility", "injuries_treated", since)


def dv_injuries_reported(since: dt.date | None) -> Iterator[Row]:
    return _figures("health_facility", "reported_to_police", since)


def calls_111_violence(since: dt.date | None) -> Iterator[Row]:
    return _figures("contact_centre_111", "calls_violence", since)


def _owed() -> tuple[dict[str, str], set[tuple[str, int, int | None]]]:
    """The forms in use with their first month, and every (form, territory, organisation)
    that owes a monthly report (``aggregates.reporters_owing``)."""
    from qorgau.monitoring.aggregates import forms_first_reported, forms_load, reporters_owing

    owed = _OWED.get()
    if owed is not None and owed:  # read once per session by the three reporting measures
        return owed[0]
    first = forms_first_reported()
    owing = {
        (code, territory, organisation)
        for code, form in forms_load()[0].items()
        if code in first
        for territory, organisation, _name in reporters_owing(form)
    }
    if owed is not None:
        owed.append((first, owing))
    return first, owing


def _reports(since: dt.date | None, *, on_time_only: bool) -> Iterator[Row]:
    """The submitted reports of those who owe them, each on its territory and month (a report
    from a body that does not owe the form, e.g. an NGO's crisis-centre form, is not counted,
    so that completeness never exceeds what was expected)."""
    from qorgau.monitoring.aggregates import due_date
    from qorgau.monitoring.models import AggregateReport, ReportStatus

    _first, owing = _owed()
    zone = _zone()
    received = AggregateReport.objects.exclude(status__in=[ReportStatus.DRAFT]).filter(
        submitted_at__isnull=False
    )
    if since:
        received = received.filter(period__gte=f"{since:%Y-%m}")
    if until := read_until():
        received = received.filter(period__lte=f"{until:%Y-%m}")
    for form, period, territory, organisation, submitted in plain_rows(
        received, "form", "period", "territory_id", "organisation_id", "submitted_at"
    ):
        if (form, territory, organisation) not in owing:
            continue
        day = dt.date(int(period[:4]), int(period[5:7]), 1)
        if since is not None and day < since:
            continue
        if not on_time_only or _local_day(submitted, zone) <= due_date(period):
            yield Row(day, territory, None, 1.0, {})


def reports_received(since: dt.date | None) -> Iterator[Row]:
    return _reports(since, on_time_only=False)


def reports_on_time(since: dt.date | None) -> Iterator[Row]:
    return _reports(since, on_time_only=True)


def reports_expected(since: dt.date | None) -> Iterator[Row]:
    """One report a month of every form in use from everyone who owes it
    (``aggregates.reporters_owing``), from the form's first month to the last complete one."""
    from qorgau.monitoring.periods import months_between

    first, owing = _owed()
    today = timezone.localdate()
    last_complete = today.replace(day=1) - dt.timedelta(days=1)
    if until := read_until():
        last_complete = min(last_complete, until)
    for code, territory, _organisation in sorted(owing, key=str):
        start = dt.date(int(first[code][:4]), int(first[code][5:7]), 1)
        for month_ in months_between(max(start, since) if since else start, last_complete):
            if since is None or month_.start >= since:
                yield Row(month_.start, territory, None, 1.0, {})


MEASURES: dict[str, Callable[[dt.date | None], Iterator[Row]]] = {
    "incidents": incidents,
    "victims": victims,
    "offenders": offenders,
    "repeat_victims": repeat_victims,
    "repeat_offenders": repeat_offenders,
    "orders": orders,
    "orders_with_incident": orders_with_incident,
    "orders_within_one_day": orders_within_one_day,
    "order_violations": order_violations,
    "order_checks": order_checks,
    "order_weeks_in_force": order_weeks_in_force,
    "requirements": requirements,
    "requirement_violations": requirement_violations,
    "offences": offences,
    "risk_assessments": risk_assessments,
    "crisis_centre_clients": crisis_centre_clients,
    "shelter_beds": shelter_beds,
    "dv_injuries_treated": dv_injuries_treated,
    "dv_injuries_reported": dv_injuries_reported,
    "calls_111_violence": calls_111_violence,
    "reports_received": reports_received,
    "reports_on_time": reports_on_time,
    "reports_expected": reports_expected,
}


class EstimateCell(NamedTuple):
    """An estimated figure for one territory version and calendar year, with its interval."""

    territory_id: int
    year: int
    value: float
    low: float | None
    high: float | None


EstimateProvider = Callable[[], Iterable[EstimateCell]]
# Measures that are estimates made by a higher part (e.g. the hidden-violence estimates of
# ``latency``), registered from that part's ``AppConfig.ready()``: monitoring never imports
# the parts above it. They are yearly, carry their own interval, and are not rolled up.
ESTIMATE_PROVIDERS: dict[str, EstimateProvider] = {}


def estimate_provider_register(measure: str, provider: EstimateProvider) -> None:
    """Supply ``measure`` (a name in the catalogue) from ``provider``; replaces any earlier."""
    ESTIMATE_PROVIDERS[measure] = provider
    MEASURE_FIELDS.setdefault(measure, set())


# Stocks (beds) are averaged over a period's months instead of summed.
STOCK_MEASURES = {"shelter_beds"}
# Amounts known exactly (money), not counts of events: their indicators carry no interval.
# Measures registered by higher parts add themselves here.
EXACT_MEASURES: set[str] = set()
DISTINCT_PERSONS = {"victims", "offenders", "repeat_victims", "repeat_offenders"}
# Measures whose every row weighs more than zero and counts on its own day, so that a period's
# figure is the sum of its months' and a cell exists exactly when it has a row. An incremental
# computation shifts their stored quarter and year figures by the change in the recomputed
# months instead of reading the whole year again. Parts above register theirs.
ADDITIVE_MEASURES: set[str] = {
    "incidents",
    "orders",
    "orders_with_incident",
    "orders_within_one_day",
    "order_violations",
    "order_checks",
    "order_weeks_in_force",
    "requirements",
    "requirement_violations",
    "offences",
    "risk_assessments",
}
# Additive measures whose rows stand for a whole month (dated on its first day): a day's part of
# their figures is unknown, so an incremental run recomputes their months.
MONTHLY_MEASURES: set[str] = {"reports_received", "reports_on_time", "reports_expected"}
ADDITIVE_MEASURES |= MONTHLY_MEASURES
# Additive measures whose rows stand for several days: their figures split by day (a row per
# district and day, from a first day on) come from here.
DAY_ROWS: dict[str, Callable[[dt.date], Iterator[Row]]] = {
    "order_weeks_in_force": order_weeks_by_day
}
POPULATION_MEASURES = {
    "population": None,
    "population_female": "F",
    "population_male": "M",
    "population_whole": None,
}
# The population as published even when the records are a sample (``population.py``): money
# is never sampled, so spending per head divides by every resident.
WHOLE_POPULATION = {"population_whole"}


def measure_quantum(measure: str) -> float | None:
    """The step every figure of an additive or distinct-person measure is a whole multiple of
    (a count: 1; weeks in force: a seventh; a stock's averages: none).

    A figure shifted many times gathers floating-point error; snapping it to the step gives
    exactly what a full computation gives.
    """
    if measure in STOCK_MEASURES or measure in EXACT_MEASURES:
        return None
    return 1 / 7 if measure == "order_weeks_in_force" else 1.0


def measure_is_daily(measure: str) -> bool:
    """Whether the measure's figures can be split by day: an additive measure counted on the
    day of each row (or split by ``DAY_ROWS``), or distinct persons with their history.

    An incremental run keeps day figures of the indicators built on such measures only, and
    recomputes the others by month.
    """
    if measure in DISTINCT_PERSONS:
        return measure in PERSON_HISTORIES
    return (
        measure in ADDITIVE_MEASURES
        and measure not in MONTHLY_MEASURES
        and measure not in STOCK_MEASURES
    )


_PERSON_FIELDS = {"sex", "age_group", "relationship"}
_INCIDENT_FIELDS = set(INCIDENT_FACTS)
MEASURE_FIELDS: dict[str, set[str]] = {name: set() for name in MEASURES} | {
    "incidents": _INCIDENT_FIELDS,
    "victims": _PERSON_FIELDS,
    "offenders": _PERSON_FIELDS,
    "repeat_victims": _PERSON_FIELDS,
    "repeat_offenders": _PERSON_FIELDS,
    "offences": {"kind", "article"},
    "risk_assessments": {"level", "raised"},
    "population": set(),
    "population_female": set(),
    "population_male": set(),
    "population_whole": set(),
}


def _incident_days(records: Sequence[Any]) -> Iterator[dt.datetime]:
    ids = [r.incident_id for r in records]
    return iter(Incident.objects.filter(pk__in=ids).values_list("occurred_at", flat=True))


def _first_incident_days(records: Sequence[Any]) -> Iterator[dt.datetime | None]:
    """A person's sex or year of birth places every participation: from the first on."""
    persons = IncidentParticipant.objects.filter(person_id__in=[r.pk for r in records])
    yield persons.aggregate(first=Min("incident__occurred_at"))["first"]


def _month_of(period: str) -> dt.date | None:
    return dt.date(int(period[:4]), int(period[5:7]), 1) if len(period) == 7 else None


def counted_records_register() -> None:
    """Tell ``monitoring.recount`` which registry and report fields the measures above count,
    and on which days, so that a change notes the days to recount."""
    from qorgau.monitoring.models import AggregateReport
    from qorgau.monitoring.recount import counted_record_register as counted

    counted(
        Incident,
        ("occurred_at", "reported_at", "district_id", *INCIDENT_FACTS),
        lambda rs: (r.occurred_at for r in rs),
    )
    counted(
        IncidentParticipant, ("incident_id", "person_id", "role", "relationship"), _incident_days
    )
    counted(Person, ("sex", "birth_year"), _first_incident_days)
    counted(
        ProtectiveOrder,
        ("issued_on", "served_on", "ends_on", "revoked_on", "district_id", "incident_id"),
        lambda rs: (day for r in rs for day in (r.issued_on, r.served_on)),
        moves_from=("ends_on", "revoked_on"),
    )
    counted(OrderCheckIn, ("checked_on", "order_id"), lambda rs: (r.checked_on for r in rs))
    counted(OrderViolation, ("occurred_on", "order_id"), lambda rs: (r.occurred_on for r in rs))
    counted(
        BehaviourRequirement,
        ("decided_on", "starts_on", "ends_on", "district_id", "conditions"),
        lambda rs: (day for r in rs for day in (r.decided_on, r.starts_on)),
        moves_from=("ends_on",),
    )
    counted(
        RequirementViolation,
        ("occurred_on", "requirement_id"),
        lambda rs: (r.occurred_on for r in rs),
    )
    counted(
        Offence,
        ("committed_on", "district_id", "kind", "article"),
        lambda rs: (r.committed_on for r in rs),
    )
    counted(
        RiskAssessment,
        ("assessed_at", "level", "computed_level", "district_id", "victim_id"),
        lambda rs: (r.assessed_at for r in rs),
    )
    counted(
        AggregateReport,
        ("status", "period", "territory_id", "organisation_id", "submitted_at"),
        lambda rs: (_month_of(r.period) for r in rs),
    )
