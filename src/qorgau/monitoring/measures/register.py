"""The register of measures: each name's reader, the kinds a measure belongs to (additive,
stock, distinct persons, exact, daily, population), estimate providers, the fields the
catalogue may use, and the records a recount watches.

The parts above monitoring add to these dicts and sets from their ``AppConfig.ready()``;
they are the same objects whichever module they are imported from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from django.db.models import Min

from qorgau.monitoring.measures.orders import (
    offences,
    order_checks,
    order_violations,
    order_weeks_by_day,
    order_weeks_in_force,
    orders,
    orders_with_incident,
    orders_within_one_day,
    requirement_violations,
    requirements,
    risk_assessments,
)
from qorgau.monitoring.measures.persons import (
    INCIDENT_FACTS,
    PERSON_HISTORIES,
    incidents,
    offenders,
    repeat_offenders,
    repeat_victims,
    victims,
)
from qorgau.monitoring.measures.reports import (
    calls_111_violence,
    crisis_centre_clients,
    dv_injuries_reported,
    dv_injuries_treated,
    reports_expected,
    reports_on_time,
    reports_received,
    shelter_beds,
)
from qorgau.monitoring.measures.session import Row
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


MeasureReader = Callable[[dt.date | None], Iterator[Row]]


def measure_register(
    name: str,
    reader: MeasureReader,
    *,
    exact: bool = False,
    fields: Iterable[str] = (),
) -> None:
    """Supply the measure ``name`` from ``reader`` (rows since a day, or all).

    The one way a part above monitoring hands it a measure, from its ``AppConfig.ready()``:
    each row weighs 1 and counts on its own day (additive), unless ``exact`` — an amount known
    exactly (money), whose indicators carry no interval. ``fields`` are the breakdowns its rows
    carry beyond territory and day. Registering a name again replaces it.
    """
    MEASURES[name] = reader
    MEASURE_FIELDS.setdefault(name, set()).update(fields)
    if exact:
        EXACT_MEASURES.add(name)
        ADDITIVE_MEASURES.discard(name)
    else:
        ADDITIVE_MEASURES.add(name)
        EXACT_MEASURES.discard(name)


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
