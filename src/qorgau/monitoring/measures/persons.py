"""The registry's measures of incidents and persons: victims, offenders and their repeats,
read once per session from the participations (``session``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from qorgau.monitoring.measures.session import (
    _SESSION,
    Row,
    _local_day,
    _zone,
    age_group,
    read_moments,
)
from qorgau.monitoring.reading import plain_rows
from qorgau.registry.models import Incident, IncidentParticipant

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
