"""Re-offending read from the registry: the cohort frame the evaluation works on.

Every obliged offender is one row. A re-offence is the first registry event after the time
origin in which he is the offender: an incident, a protective order against him, or an
offence. Only pseudonymous keys leave this module; the frame holds no identity.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pandas as pd
from django.db.models import QuerySet
from django.utils import timezone

from qorgau.programs.evaluation import months_between
from qorgau.programs.models import Enrolment, EnrolmentStatus, Provider
from qorgau.programs.selectors import obliged_requirements
from qorgau.registry import choices as c
from qorgau.registry.models import (
    BehaviourRequirement,
    IncidentParticipant,
    Offence,
    ProtectiveOrder,
    RiskAssessment,
)
from qorgau.territory.models import Territory

RISK_SCORE: dict[str, int] = {str(level): i for i, level in enumerate(c.RISK_ORDER)}
UNKNOWN_RISK = 1  # a missing assessment is treated as medium, the most common level


def offender_events(offender_ids: Any) -> dict[int, list[dt.date]]:
    """Every registry date on which each offender was recorded as offending, sorted."""
    events: dict[int, list[dt.date]] = defaultdict(list)
    # no ordering (sorted below): a model's would make the database walk its whole table
    for person, moment in (
        IncidentParticipant.objects.filter(person_id__in=offender_ids, role="offender")
        .order_by()
        .values_list("person_id", "incident__occurred_at")
    ):
        events[person].append(timezone.localdate(moment))
    for person, day in (
        ProtectiveOrder.objects.filter(offender_id__in=offender_ids)
        .order_by()
        .values_list("offender_id", "issued_on")
    ):
        events[person].append(day)
    for person, day in (
        Offence.objects.filter(offender_id__in=offender_ids)
        .order_by()
        .values_list("offender_id", "committed_on")
    ):
        events[person].append(day)
    for days in events.values():
        days.sort()
    return events


def first_after(days: list[dt.date], origin: dt.date) -> dt.date | None:
    return next((d for d in days if d > origin), None)


def risk_levels(requirements: QuerySet[BehaviourRequirement]) -> dict[int, int]:
    """The highest risk level assessed on the index incident (else on the offender)."""
    by_incident: dict[int, int] = {}
    by_offender: dict[int, int] = {}
    assessments = RiskAssessment.objects.filter(
        incident_id__in=requirements.values("incident_id")
    ).values_list("incident_id", "offender_id", "level")
    for incident, offender, level in assessments:
        score = RISK_SCORE.get(level, UNKNOWN_RISK)
        by_incident[incident] = max(score, by_incident.get(incident, 0))
        if offender:
            by_offender[offender] = max(score, by_offender.get(offender, 0))
    return {
        pk: by_incident.get(incident, by_offender.get(offender, UNKNOWN_RISK))
        for pk, incident, offender in requirements.values_list("pk", "incident_id", "offender_id")
    }


def cohort_frame(
    *,
    as_of: dt.date | None = None,
    providers: QuerySet[Provider] | None = None,
    region: Territory | None = None,
    landmark: bool = True,
) -> pd.DataFrame:
    """One row per obliged offender with his group, follow-up and covariates.

    With ``providers`` only their participants are kept (a provider sees its own results;
    the comparison group of non-attenders is then that of the providers' regions).

    Attenders are followed from the programme's end. Non-attenders are followed from the
    requirement's start, or — with ``landmark`` (the default) — from the same point in the
    requirement's term at which attenders typically finish (the median time from requirement
    start to programme end). Without it, the weeks in which attenders sit in the programme
    (and re-offences soon after the court decision are most frequent) count only against the
    non-attenders, and the programme looks better than it is (immortal time).
    """
    as_of = as_of or timezone.localdate()
    requirements = obliged_requirements(region=region).filter(starts_on__lte=as_of)
    ended = {
        e.requirement_id: e
        for e in Enrolment.objects.filter(
            requirement__in=requirements.values("pk"),
            status__in=(EnrolmentStatus.COMPLETED, EnrolmentStatus.DROPPED_OUT),
        )
        .select_related("programme__provider__organisation")
        .order_by("ended_on")
    }
    ongoing = set(
        Enrolment.objects.filter(
            requirement__in=requirements.values("pk"), status=EnrolmentStatus.ENROLLED
        ).values_list("requirement_id", flat=True)
    )
    provider_ids = set(providers.values_list("pk", flat=True)) if providers is not None else None
    region_ids = _region_ids(providers)
    risk = risk_levels(requirements)
    events = offender_events(requirements.values("offender_id"))
    priors = prior_counts(requirements)
    region_names = _region_names()
    lag = _landmark_lag(ended.values(), requirements) if landmark else dt.timedelta(0)
    rows = []
    for req in requirements.values(
        "pk", "offender_id", "starts_on", "decided_on", "district_id", "district__parent_id"
    ):
        enrolment = ended.get(req["pk"])
        if enrolment is None and req["pk"] in ongoing:
            continue  # still on the programme: no outcome yet
        if enrolment is not None:
            group, origin = str(enrolment.status), enrolment.ended_on or req["starts_on"]
            provider = enrolment.programme.provider
            if provider_ids is not None and provider.pk not in provider_ids:
                continue
            provider_name = provider.organisation.display_name
        else:
            group, origin, provider_name = "not_attended", req["starts_on"] + lag, ""
            if region_ids is not None and req["district__parent_id"] not in region_ids:
                continue
        if origin > as_of:
            continue
        hit = first_after(events.get(req["offender_id"], []), origin)
        end = hit if hit and hit <= as_of else as_of
        rows.append(
            {
                "requirement": req["pk"],
                "group": group,
                "origin": origin,
                "months": max(months_between(origin, end), 1 / 30),
                "event": int(hit is not None and hit <= as_of),
                "risk": float(risk.get(req["pk"], UNKNOWN_RISK)),
                "prior_offences": float(priors.get(req["pk"], 0)),
                "provider": provider_name,
                "region": region_names.get(req["district__parent_id"] or 0, ""),
            }
        )
    columns = ["requirement", "group", "origin", "months", "event", "risk", "prior_offences"]
    return pd.DataFrame(rows, columns=[*columns, "provider", "region"])


def _landmark_lag(ended: Any, requirements: QuerySet[BehaviourRequirement]) -> dt.timedelta:
    """Median time from the requirement's start to the programme's end among attenders."""
    starts = dict(requirements.values_list("pk", "starts_on"))
    lags = sorted(
        (e.ended_on - starts[e.requirement_id]).days
        for e in ended
        if e.ended_on and e.requirement_id in starts
    )
    return dt.timedelta(days=lags[len(lags) // 2] if lags else 0)


def _region_ids(providers: QuerySet[Provider] | None) -> set[int] | None:
    if providers is None:
        return None
    return set(providers.values_list("region_id", flat=True))


def _region_names() -> dict[int, str]:
    return {t.pk: t.name for t in Territory.objects.filter(level=1)}


def prior_counts(requirements: QuerySet[BehaviourRequirement]) -> dict[int, int]:
    """Offences committed before the court decision (the index offence included)."""
    counts: dict[int, int] = defaultdict(int)
    offences = Offence.objects.filter(offender_id__in=requirements.values("offender_id"))
    by_offender: dict[int, list[dt.date]] = defaultdict(list)
    for offender, day in offences.values_list("offender_id", "committed_on"):
        by_offender[offender].append(day)
    for pk, offender, decided_on in requirements.values_list("pk", "offender_id", "decided_on"):
        counts[pk] = sum(1 for d in by_offender.get(offender, []) if d < decided_on)
    return counts
