"""Row generators feeding the monitoring indicators ``citizen_reports`` and
``citizen_reports_triaged_24h`` (registered from :meth:`CitizensConfig.ready`; monitoring
does not import this app). See the ``Row`` contract in :mod:`qorgau.monitoring.measures`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.conf import settings

from qorgau.citizens.models import TRIAGE_TARGET, CitizenReport
from qorgau.monitoring.measures import Row, read_moments
from qorgau.monitoring.reading import plain_rows
from qorgau.monitoring.recount import counted_record_register


def _rows(since: dt.date | None, *, triaged_in_time: bool) -> Iterator[Row]:
    zone = ZoneInfo(settings.TIME_ZONE)
    queryset = read_moments(CitizenReport.objects.all(), "submitted_at", since)
    for submitted, district, triaged in plain_rows(
        queryset, "submitted_at", "district_id", "triaged_at"
    ):
        if triaged_in_time and (triaged is None or triaged - submitted > TRIAGE_TARGET):
            continue
        yield Row(submitted.astimezone(zone).date(), district, None, 1.0, {})


def citizen_reports(since: dt.date | None) -> Iterator[Row]:
    """Every report, on the day it was submitted, in its district."""
    return _rows(since, triaged_in_time=False)


def citizen_reports_triaged_24h(since: dt.date | None) -> Iterator[Row]:
    """Reports triaged within 24 hours of submission, counted on the day submitted."""
    return _rows(since, triaged_in_time=True)


def register() -> None:
    from qorgau.monitoring import measures

    # one report, weight 1, on the day submitted
    measures.measure_register("citizen_reports", citizen_reports)
    measures.measure_register("citizen_reports_triaged_24h", citizen_reports_triaged_24h)
    # a report triaged today counts on the day it was submitted
    counted_record_register(
        CitizenReport,
        ("submitted_at", "district_id", "triaged_at"),
        lambda reports: (r.submitted_at for r in reports),
    )
