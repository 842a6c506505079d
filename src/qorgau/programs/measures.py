"""Row generators for the monitoring indicators of the programmes (registered in ``ready``).

Monitoring never imports this part: :class:`qorgau.programs.apps.ProgramsConfig` puts these
functions into ``qorgau.monitoring.measures.MEASURES``. Each row counts on the day the event
happened, in the district of the court's requirement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils import timezone

from qorgau.monitoring.measures import Row, read_days
from qorgau.monitoring.reading import plain_rows
from qorgau.monitoring.recount import counted_record_register
from qorgau.programs.models import Enrolment, EnrolmentStatus
from qorgau.programs.outcomes import first_after, offender_events
from qorgau.programs.selectors import obliged_requirements
from qorgau.registry.models import Incident, IncidentParticipant, Offence, ProtectiveOrder

FOLLOW_UP_DAYS = 365
# a re-offence changes only this measure on the earlier day of the completion
REOFFENDING = ("programme_reoffended_12m",)


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


def _completed_before(events: Iterable[tuple[int | None, dt.date | None]]) -> Iterator[dt.date]:
    """The completions a re-offence on each (offender, day) turns into re-offending: those
    of the offender in the follow-up year before that day."""
    known: list[tuple[int, dt.date]] = [
        (person, day) for person, day in events if person is not None and day is not None
    ]
    if not known:
        return
    earliest = min(day for _person, day in known) - dt.timedelta(days=FOLLOW_UP_DAYS)
    completed = _completed(earliest).filter(offender_id__in={person for person, _day in known})
    ended: dict[int, list[dt.date]] = {}
    for person, end in plain_rows(completed, "offender_id", "ended_on"):
        ended.setdefault(person, []).append(end)
    candidates = [
        (person, end, day)
        for person, day in known
        for end in ended.get(person, [])
        if 0 <= (day - end).days <= FOLLOW_UP_DAYS
    ]
    if not candidates:
        return
    # a completion already followed by an earlier re-offence is counted, and stays so
    recorded = offender_events({person for person, _end, _day in candidates})
    for person, end, day in candidates:
        if not any(end < event < day for event in recorded.get(person, [])):
            yield end


def _offenders_in(incident_ids: list[int]) -> Iterator[dt.date]:
    """The completions re-offended by the offenders of these incidents. Only offenders who
    ever completed a programme are read (a semi-join in the database): an import's batch of
    thousands of incidents reads the few that matter, not all of its rows back."""
    completers = Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED).values("offender_id")
    offenders = IncidentParticipant.objects.filter(
        incident_id__in=incident_ids, role="offender", person_id__in=completers
    )
    return _completed_before(
        (person, timezone.localdate(moment))
        for person, moment in plain_rows(offenders, "person_id", "incident__occurred_at")
    )


def counted_records_register() -> None:
    """Tell ``monitoring.recount`` what changes the programmes' counts: an enrolment's dates
    and status, and a re-offence, which counts on the day of an earlier completion."""
    counted_record_register(
        Enrolment,
        ("enrolled_on", "ended_on", "status", "district_id"),
        lambda rs: (day for r in rs for day in (r.enrolled_on, r.ended_on)),
    )
    counted_record_register(
        IncidentParticipant,
        ("person_id", "role", "incident_id"),
        lambda rs: _offenders_in([r.incident_id for r in rs]),
        measures=REOFFENDING,
    )
    counted_record_register(
        Incident,
        ("occurred_at",),
        lambda rs: _offenders_in([r.pk for r in rs]),
        measures=REOFFENDING,
    )
    counted_record_register(
        ProtectiveOrder,
        ("offender_id", "issued_on"),
        lambda rs: _completed_before([(r.offender_id, r.issued_on) for r in rs]),
        measures=REOFFENDING,
    )
    counted_record_register(
        Offence,
        ("offender_id", "committed_on"),
        lambda rs: _completed_before([(r.offender_id, r.committed_on) for r in rs]),
        measures=REOFFENDING,
    )


MEASURES = {
    "programme_obliged": programme_obliged,
    "programme_enrolled": programme_enrolled,
    "programme_completed": programme_completed,
    "programme_reoffended_12m": programme_reoffended_12m,
}
