"""The measures of the monthly aggregate reports: the figures they carry, and which reports
were owed, received and on time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from qorgau.monitoring.measures.session import _OWED, Row, _local_day, _zone, read_until
from qorgau.monitoring.reading import plain_rows


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
