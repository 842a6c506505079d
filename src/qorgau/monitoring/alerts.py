"""Alerts: figures that are unusual against their own history or against their peers.

Method (documented in docs/monitoring.md):

* **Own history.** For a territory, indicator and quarter, the expected count is the mean of the
  same territory's counts in the previous eight quarters. The observed count is tested against a
  Poisson distribution with that mean; a two-sided p-value below 0.01 makes a *sharp rise* or a
  *sharp fall*. Quarters are used because months are too noisy in districts.
* **Under-registration.** A sharp fall in registered incidents while the hard-to-hide outcomes
  (deaths and grave or medium harm) did not fall is the signature of reports being turned away.
* **Peers.** The territory's count is compared with what the national rate would give for its
  population (a funnel plot with Poisson limits); p < 0.001 flags it far above or below its peers.

Only ended quarters are tested: a quarter still running has counted only part of its days, so
beside whole quarters it would always look like a sharp fall.

Like is compared with like across a change of the law (``data/series_breaks.yaml``): an
indicator's history holds only the quarters on the same side of each of its breaks, and a quarter
that straddles a break is not tested against its history (the peers, in the same quarter under
the same law, still are). The 2024 re-criminalisation is therefore no "sharp rise".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from scipy.stats import poisson

from qorgau.monitoring.breaks import breaks_of, comparable, straddles
from qorgau.monitoring.models import Alert, AlertKind, IndicatorValue
from qorgau.monitoring.periods import PeriodKind, period_parse
from qorgau.territory.models import Level

HISTORY = 8
HISTORY_P = 0.01
PEER_P = 0.001
WATCHED = (
    "incidents_rate",
    "victims_rate",
    "orders_rate",
    "domestic_homicide_rate",
    "grave_harm_rate",
    "repeat_victimisation",
    "criminal_offences_rate",
)
HARD_OUTCOMES = ("domestic_homicide_rate", "grave_harm_rate")


def two_sided_p(observed: float, expected: float) -> tuple[float, bool]:
    """Poisson two-sided p-value and whether the observation is above expectation."""
    if expected <= 0:
        return 1.0, observed > 0
    above = observed >= expected
    tail = poisson.sf(observed - 1, expected) if above else poisson.cdf(observed, expected)
    return min(1.0, 2 * float(tail)), above


def alerts_compute(*, quarter: str | None = None, today: dt.date | None = None) -> int:
    """Recompute the alerts of the latest ended (or the given) quarter; returns how many were
    raised.

    Regions are compared with regions and districts with districts. Alerts left from an
    earlier run on a quarter that has not ended are withdrawn.
    """
    today = today or timezone.localdate()
    first_open = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if quarter is not None and period_parse(quarter).end >= today:
        raise ValueError(f"{quarter} has not ended: its alerts would compare a part of a quarter.")
    values = IndicatorValue.objects.filter(
        indicator__in=WATCHED, breakdown="", period_kind=PeriodKind.QUARTER
    )
    ended = values.filter(period_start__lt=first_open).order_by("-period_start")
    target = quarter or ended.values_list("period", flat=True).first()
    if target is None:
        return 0
    raised = _level_alerts(values.filter(territory__level=Level.REGION), target)
    raised += _level_alerts(values.filter(territory__level=Level.DISTRICT), target)
    with transaction.atomic():
        Alert.objects.filter(period__in=[target, *_open_periods(today)]).delete()
        Alert.objects.bulk_create(raised)
    return len(raised)


def _open_periods(today: dt.date) -> list[str]:
    """The codes of stored alerts whose quarter has not ended."""
    codes = Alert.objects.values_list("period", flat=True).distinct()
    return [code for code in codes if period_parse(code).end >= today]


def _level_alerts(values: QuerySet[IndicatorValue], target: str) -> list[Alert]:
    series: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    population: dict[tuple[int, str], float] = {}
    order: dict[str, dt.date] = {}
    for territory, indicator, period, start, numerator, denominator in values.values_list(
        "territory_id", "indicator", "period", "period_start", "numerator", "denominator"
    ):
        series[(territory, indicator)][period] = numerator
        order[period] = start
        if period == target and denominator:
            population[(territory, indicator)] = denominator
    periods = sorted(order, key=order.__getitem__)
    if target not in periods:
        return []
    before = periods[: periods.index(target)]
    histories = {code: _history(before, target, code) for code in {i for _t, i in series}}
    now = timezone.now()
    raised: list[Alert] = []
    falls: dict[int, Alert] = {}
    for (territory, indicator), by_period in series.items():
        observed = by_period.get(target, 0.0)
        past = [by_period.get(p, 0.0) for p in histories[indicator]]
        if len(past) >= 4:
            expected = sum(past) / len(past)
            p_value, above = two_sided_p(observed, expected)
            if p_value < HISTORY_P:
                kind = AlertKind.SPIKE if above else AlertKind.DROP
                alert = Alert(
                    territory_id=territory,
                    indicator=indicator,
                    period=target,
                    kind=kind,
                    observed=observed,
                    expected=expected,
                    p_value=p_value,
                    computed_at=now,
                )
                raised.append(alert)
                if indicator == "incidents_rate" and not above:
                    falls[territory] = alert
        raised.extend(_peer_alerts(territory, indicator, target, observed, series, population, now))
    for territory, fall in falls.items():
        if _hard_outcomes_held(territory, target, histories["incidents_rate"], series):
            raised.append(
                Alert(
                    territory_id=territory,
                    indicator="incidents_rate",
                    period=target,
                    kind=AlertKind.UNDER_REGISTRATION,
                    observed=fall.observed,
                    expected=fall.expected,
                    p_value=fall.p_value,
                    computed_at=now,
                )
            )
    return raised


def _history(before: list[str], target: str, indicator: str) -> list[str]:
    """The last ``HISTORY`` quarters before ``target`` that count what it counts: none across a
    break of the indicator, none at all when ``target`` straddles one."""
    breaks = breaks_of(indicator)
    if not breaks:
        return before[-HISTORY:]
    if straddles(target, breaks):
        return []
    return [p for p in before if comparable(p, target, breaks)][-HISTORY:]


def _hard_outcomes_held(
    territory: int, target: str, history: list[str], series: dict[tuple[int, str], dict[str, float]]
) -> bool:
    observed = sum(series.get((territory, code), {}).get(target, 0.0) for code in HARD_OUTCOMES)
    past = [
        sum(series.get((territory, code), {}).get(p, 0.0) for code in HARD_OUTCOMES)
        for p in history
    ]
    return bool(past) and observed >= sum(past) / len(past)


def _peer_alerts(
    territory: int,
    indicator: str,
    target: str,
    observed: float,
    series: dict[tuple[int, str], dict[str, float]],
    population: dict[tuple[int, str], float],
    now: dt.datetime,
) -> list[Alert]:
    own = population.get((territory, indicator))
    if not own:
        return []
    total_count = sum(
        s.get(target, 0.0)
        for (t, i), s in series.items()
        if i == indicator and (t, i) in population
    )
    total_population = sum(p for (t, i), p in population.items() if i == indicator)
    if not total_population:
        return []
    expected = total_count / total_population * own
    p_value, above = two_sided_p(observed, expected)
    if p_value >= PEER_P:
        return []
    kind = AlertKind.PEER_HIGH if above else AlertKind.PEER_LOW
    return [
        Alert(
            territory_id=territory,
            indicator=indicator,
            period=target,
            kind=kind,
            observed=observed,
            expected=expected,
            p_value=p_value,
            computed_at=now,
        )
    ]
