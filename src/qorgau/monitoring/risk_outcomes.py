"""What followed each risk assessment, read from the registry: the frame the accuracy works on.

Every assessment is one row with the first moment after it of each outcome:

* **re-victimisation**: a later incident in which the assessed victim is a victim, or a record
  of another register (health, crisis centre, 111, social services) with her IIN pseudonym;
* **breach**: a violation of a protective order or of a court's behaviour requirements that
  protects her or binds the assessed offender;
* **serious harm**: a later incident or register record with grave injury or death;
* **death**: a later incident or register record with death.

An event counts when it comes after the assessment (a dated event: on a later day; an incident:
at a later moment, and never the assessment's own incident). A window of 3, 6 or 12 months is
*complete* when its last day is on or before the data's end; an assessment whose window is not
complete is censored for that window: it is left out and counted, never taken as "no outcome".
Only pseudonymous keys are read and nothing leaves but counts and rates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from django.conf import settings
from django.db.models import Count, Max

from qorgau.registry import choices as c
from qorgau.registry.models import (
    Incident,
    IncidentParticipant,
    OrderViolation,
    Person,
    RegisterRecord,
    RequirementViolation,
    RiskAssessment,
)

OUTCOMES = ("revictimisation", "breach", "serious_harm", "death")
WINDOWS = (3, 6, 12)
SERIOUS = (c.InjurySeverity.GRAVE, c.InjurySeverity.DEATH)
_EVENT_COLUMNS = ["person", "moment", "incident", "injury"]


def _local(moments: pd.Series) -> pd.Series:
    """Aware datetimes as naive Asia/Almaty wall time (a dated event is its local midnight)."""
    stamps = pd.to_datetime(moments, utc=True)
    return stamps.dt.tz_convert(settings.TIME_ZONE).dt.tz_localize(None)


def assessments_frame() -> pd.DataFrame:
    """One row per assessment: its keys, score, level, answers and where, when and whom."""
    rows = (
        RiskAssessment.objects.order_by()
        .values_list(
            "pk",
            "victim_id",
            "offender_id",
            "incident_id",
            "district__parent_id",
            "instrument",
            "instrument_version",
            "score",
            "level",
            "computed_level",
            "answers",
            "assessed_at",
            "victim__sex",
        )
        .iterator(chunk_size=5000)
    )
    frame = pd.DataFrame(
        list(rows),
        columns=[
            "assessment", "victim", "offender", "incident", "region", "instrument",
            "version", "score", "level", "computed_level", "answers", "assessed_at", "sex",
        ],
    )  # fmt: skip
    frame["score"] = frame["score"].astype(float)
    frame["assessed_at"] = _local(frame["assessed_at"])
    frame["day"] = frame["assessed_at"].dt.normalize()
    frame["year"] = frame["assessed_at"].dt.year
    return frame


def _assessed_victims() -> Any:
    """A subquery, so that a national register's victims never become a list of parameters."""
    return RiskAssessment.objects.order_by().values("victim_id")


def _victim_incidents() -> pd.DataFrame:
    rows = (
        IncidentParticipant.objects.filter(
            person_id__in=_assessed_victims(), role=c.ParticipantRole.VICTIM
        )
        .order_by()
        .values_list("person_id", "incident__occurred_at", "incident_id", "incident__injury")
    )
    events = pd.DataFrame(list(rows), columns=_EVENT_COLUMNS)
    events["moment"] = _local(events["moment"])
    return events


def _register_records() -> pd.DataFrame:
    """Records of the other registers that carry an assessed victim's IIN pseudonym."""
    owners = dict(
        Person.objects.filter(pk__in=_assessed_victims(), iin_pseudonym__gt="")
        .order_by()
        .values_list("iin_pseudonym", "pk")
    )
    rows = (
        RegisterRecord.objects.filter(
            iin_pseudonym__in=Person.objects.filter(pk__in=_assessed_victims())
            .exclude(iin_pseudonym__isnull=True)
            .exclude(iin_pseudonym="")
            .values("iin_pseudonym")
        )
        .order_by()
        .values_list("iin_pseudonym", "seen_on", "injury")
    )
    return pd.DataFrame(
        [(owners[key], pd.Timestamp(day), None, injury) for key, day, injury in rows],
        columns=_EVENT_COLUMNS,
    )


def _breaches(frame: pd.DataFrame) -> pd.DataFrame:
    """Violations of orders and requirements protecting the victim or binding the offender,
    keyed by the assessment they follow."""
    offenders = RiskAssessment.objects.order_by().values("offender_id")
    rows: list[tuple[int, dt.date, str]] = []
    for model, parent in ((OrderViolation, "order"), (RequirementViolation, "requirement")):
        protected = (
            model.objects.filter(**{f"{parent}__protected_persons__in": _assessed_victims()})
            .order_by()
            .values_list(f"{parent}__protected_persons", "occurred_on")
        )
        rows += [(person, day, "victim") for person, day in protected]
        bound = (
            model.objects.filter(**{f"{parent}__offender_id__in": offenders})
            .order_by()
            .values_list(f"{parent}__offender_id", "occurred_on")
        )
        rows += [(person, day, "offender") for person, day in bound]
    events = pd.DataFrame(rows, columns=["person", "moment", "key"])
    events["moment"] = pd.to_datetime(events["moment"])
    keyed = [
        frame[["assessment", key, "assessed_at", "incident"]]
        .rename(columns={key: "person"})
        .merge(events[events["key"] == key].drop(columns="key"), on="person")
        for key in ("victim", "offender")
    ]
    return pd.concat(keyed, ignore_index=True)


def _first_after(frame: pd.DataFrame, events: pd.DataFrame, column: str) -> pd.Series:
    """The first event of ``events`` after each assessment of ``frame`` (NaT when none)."""
    if "assessment" not in events:
        events = frame[["assessment", "victim", "assessed_at", "incident"]].merge(
            events.rename(columns={"person": "victim", "incident": "event_incident"}),
            on="victim",
        )
        own = events["event_incident"].notna() & (events["event_incident"] == events["incident"])
        events = events[~own]
    later = events[events["moment"] > events["assessed_at"]]
    first = later.groupby("assessment")["moment"].min().rename(column)
    return frame[["assessment"]].join(first, on="assessment")[column]


def outcome_moments(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the first moment of each outcome after each assessment."""
    harm = pd.concat([_victim_incidents(), _register_records()], ignore_index=True)
    harm["incident"] = harm["incident"].astype("Int64")
    frame = frame.copy()
    frame["revictimisation"] = _first_after(frame, harm, "revictimisation")
    frame["breach"] = _first_after(frame, _breaches(frame), "breach")
    frame["serious_harm"] = _first_after(frame, harm[harm["injury"].isin(SERIOUS)], "serious_harm")
    frame["death"] = _first_after(frame, harm[harm["injury"] == c.InjurySeverity.DEATH], "death")
    return frame


def data_end() -> dt.date | None:
    """The last day the registry holds data for: its newest incident or register record."""
    newest = Incident.objects.order_by().aggregate(last=Max("occurred_at"))["last"]
    seen = RegisterRecord.objects.order_by().aggregate(last=Max("seen_on"))["last"]
    days = [day for day in (newest and newest.astimezone(_zone()).date(), seen) if day]
    return max(days) if days else None


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def window_outcomes(frame: pd.DataFrame, months: int, end: dt.date) -> tuple[pd.DataFrame, int]:
    """The assessments whose ``months`` window is complete by ``end``, with a yes/no column
    per outcome (and ``any``), and how many were censored."""
    last_day = frame["day"] + pd.DateOffset(months=months)
    complete = last_day <= pd.Timestamp(end)
    kept = frame[complete].copy()
    window_end = last_day[complete] + pd.Timedelta(days=1)
    for outcome in OUTCOMES:
        kept[outcome] = kept[outcome].notna() & (kept[outcome] < window_end)
    kept["any"] = kept[list(OUTCOMES)].any(axis=1)
    return kept, int((~complete).sum())


def registry_fingerprint() -> str:
    """Counts and newest keys of what the report reads: a new or removed record changes it."""
    parts = []
    for model in (RiskAssessment, Incident, RegisterRecord, OrderViolation, RequirementViolation):
        figures = model.objects.order_by().aggregate(n=Count("pk"), last=Max("pk"))
        parts.append(f"{figures['n']}-{figures['last']}")
    return ".".join(parts)
