"""Row generators for the monitoring indicators of the programmes (registered in ``ready``).

Monitoring never imports this part: :class:`qorgau.programs.apps.ProgramsConfig` puts these
functions into ``qorgau.monitoring.measures.MEASURES``. Each row counts on the day the event
happened, in the district of the court's requirement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone

from qorgau.monitoring.measures import Row, read_days
from qorgau.monitoring.reading import plain_rows
from qorgau.programs.models import Enrolment, EnrolmentStatus
from qorgau.programs.outcomes import first_after, offender_events
from qorgau.programs.selectors import obliged_requirements

FOLLOW_UP_DAYS = 365


def programme_obliged(since: dt.date | None) -> Iterator[Row]:
    """Offenders obliged by a court to attend, counted on the requirement's first day."""
    # no ordering: the model's would make the database walk every requirement by decision day
    queryset = read_days(obliged_requirements().order_by(), "starts_on", since)
    for day, district in plain_rows(queryset, "starts_on", "district_id"):
        yield Row(day, district, None, 1.0, {})


def programme_enrolled(since: dt.date | None) -> Iterator[Row]:
    """Obliged offenders who started a programme (waiting lists do not count)."""
    queryset = read_days(
        Enrolment.objects.filter(enrolled_on__isnull=False).order_by(), "enrolled_on", since
    )
    for day, district in plain_rows(queryset, "enrolled_on", "district_id"):
        if day is not None:
            yield Row(day, district, None, 1.0, {})


def _completed(since: dt.date | None) -> QuerySet[Enrolment]:
    return read_days(
        Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED).order_by(), "ended_on", since
    )


def programme_completed(since: dt.date | None) -> Iterator[Row]:
    for day, district in plain_rows(_completed(since), "ended_on", "district_id"):
        if day is not None:
            yield Row(day, district, None, 1.0, {})


def programme_reoffended_12m(since: dt.date | None) -> Iterator[Row]:
    """Completers with a re-offence within 12 months, counted on the day of completion (so the
    rate divides by the completions of the same period; recent ones are not yet followed up)."""
    completed = list(_completed(since).values_list("ended_on", "district_id", "offender_id"))
    events = offender_events([offender for _, _, offender in completed])
    today = timezone.localdate()
    for day, district, offender in completed:
        if day is None:
            continue
        hit = first_after(events.get(offender, []), day)
        if hit and (hit - day).days <= FOLLOW_UP_DAYS and hit <= today:
            yield Row(day, district, None, 1.0, {})


MEASURES = {
    "programme_obliged": programme_obliged,
    "programme_enrolled": programme_enrolled,
    "programme_completed": programme_completed,
    "programme_reoffended_12m": programme_reoffended_12m,
}
