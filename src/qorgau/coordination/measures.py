"""Rows for the monitoring indicators (registered from ``CoordinationConfig.ready``).

* ``high_risk_cases``: a victim's high-risk episode, counted on the day of the first high or
  critical assessment; a later assessment starts a new episode only twelve months on.
* ``high_risk_cases_reviewed_in_time``: the same episodes, when the victim was discussed at a
  case conference within the review window (``QORGAU_CONFERENCE_REVIEW_DAYS``, 30 days).
* ``referrals_made`` / ``referrals_completed``: referrals on the day they were sent, the second
  only those whose outcome was reported.
* ``decisions_due`` / ``decisions_on_time``: decisions and safety actions on their deadline
  day, the second only those done by it (indicator ``decisions_executed_on_time``).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from qorgau.coordination.models import (
    ConferenceCase,
    Decision,
    ItemStatus,
    Referral,
    ReferralStatus,
    SafetyAction,
)
from qorgau.coordination.selectors import (
    HIGH_LEVELS,
    WINDOW_MONTHS,
    months_after,
    review_within_days,
)
from qorgau.monitoring.measures import Row, read_days, read_moments
from qorgau.monitoring.reading import plain_rows
from qorgau.monitoring.recount import counted_record_register
from qorgau.registry.models import RiskAssessment


def _episodes(since: dt.date | None) -> Iterator[tuple[int, dt.date, int]]:
    """(victim, first day, district) of every high-risk episode."""
    zone = ZoneInfo(settings.TIME_ZONE)
    high = read_moments(RiskAssessment.objects.filter(level__in=HIGH_LEVELS), "assessed_at", None)
    if since is not None:
        # An episode from ``since`` on belongs to a victim assessed high since then; where it
        # starts depends on that victim's whole history, which is read for those victims only.
        recent = read_moments(high, "assessed_at", since).values("victim_id")
        high = high.filter(victim_id__in=recent)
    rows = plain_rows(
        high.order_by("victim_id", "assessed_at"), "victim_id", "assessed_at", "district_id"
    )
    current: tuple[int, dt.date] | None = None
    for victim, moment, district in rows:
        day = moment.astimezone(zone).date()
        if current and current[0] == victim and day < months_after(current[1], WINDOW_MONTHS):
            continue
        current = (victim, day)
        if since is None or day >= since:
            yield victim, day, district


def high_risk_cases(since: dt.date | None) -> Iterator[Row]:
    for victim, day, district in _episodes(since):
        yield Row(day, district, victim, 1.0, {})


def high_risk_cases_reviewed_in_time(since: dt.date | None) -> Iterator[Row]:
    window = dt.timedelta(days=review_within_days())
    discussed: dict[int, list[dt.date]] = {}
    cases = ConferenceCase.objects.order_by("discussed_on")
    if since is not None:  # a review in time follows its episode, which is from ``since`` on
        cases = cases.filter(discussed_on__gte=since)
    for victim, day in plain_rows(cases, "victim_id", "discussed_on"):
        discussed.setdefault(victim, []).append(day)
    for victim, day, district in _episodes(since):
        days = discussed.get(victim, [])
        at = bisect.bisect_left(days, day)
        if at < len(days) and days[at] <= day + window:
            yield Row(day, district, victim, 1.0, {})


def _referrals(since: dt.date | None, *, completed_only: bool) -> Iterator[Row]:
    zone = ZoneInfo(settings.TIME_ZONE)
    referrals = Referral.objects.exclude(status=ReferralStatus.WITHDRAWN)
    if completed_only:
        referrals = referrals.filter(status=ReferralStatus.COMPLETED)
    referrals = read_moments(referrals, "sent_at", since)
    for moment, district in plain_rows(referrals, "sent_at", "district_id"):
        day = moment.astimezone(zone).date()
        if since is None or day >= since:
            yield Row(day, district, None, 1.0, {})


def referrals_made(since: dt.date | None) -> Iterator[Row]:
    return _referrals(since, completed_only=False)


def referrals_completed(since: dt.date | None) -> Iterator[Row]:
    return _referrals(since, completed_only=True)


def _tracked(since: dt.date | None, *, on_time_only: bool) -> Iterator[Row]:
    """Decisions (placed in the body's territory) and actions (in the case's district)."""
    sources: tuple[tuple[Any, str], ...] = (
        (Decision.objects.all(), "meeting__body__territory_id"),
        (SafetyAction.objects.all(), "case__district_id"),
    )
    for rows, territory_field in sources:
        rows = read_days(rows, "deadline", since).exclude(status=ItemStatus.CANCELLED)
        for deadline, territory, status, completed in plain_rows(
            rows, "deadline", territory_field, "status", "completed_on"
        ):
            done = status == ItemStatus.DONE and completed is not None and completed <= deadline
            if done or not on_time_only:
                yield Row(deadline, territory, None, 1.0, {})


def decisions_due(since: dt.date | None) -> Iterator[Row]:
    return _tracked(since, on_time_only=False)


def decisions_on_time(since: dt.date | None) -> Iterator[Row]:
    return _tracked(since, on_time_only=True)


COORDINATION_MEASURES = {
    "high_risk_cases": high_risk_cases,
    "high_risk_cases_reviewed_in_time": high_risk_cases_reviewed_in_time,
    "referrals_made": referrals_made,
    "referrals_completed": referrals_completed,
    "decisions_due": decisions_due,
    "decisions_on_time": decisions_on_time,
}


def register() -> None:
    from qorgau.monitoring import measures

    for name, function in COORDINATION_MEASURES.items():
        measures.measure_register(name, function)
    # Completions, reviews and decisions done count on an earlier day: the referral's sending,
    # the episode's start (up to the review window before the conference), the deadline.
    counted_record_register(
        Referral, ("sent_at", "status", "district_id"), lambda rs: (r.sent_at for r in rs)
    )
    for tracked in (Decision, SafetyAction):
        counted_record_register(
            tracked, ("deadline", "status", "completed_on"), lambda rs: (r.deadline for r in rs)
        )
    counted_record_register(
        ConferenceCase,
        ("discussed_on", "victim_id"),
        lambda rs: (r.discussed_on - dt.timedelta(days=review_within_days()) for r in rs),
        measures=("high_risk_cases_reviewed_in_time",),
    )
