"""The measures indicators are built from: each turns records into rows.

The registry's measures are defined here; the parts above monitoring (coordination,
programmes, budget, citizens) add theirs to ``MEASURES`` from their ``AppConfig.ready()``, so
that monitoring never imports them.

A row is ``(day, district_id, key, weight, fields)``: the day it counts on (Almaty time), the
district version it happened in (or a region version, for figures kept per region only, such as
budget allocations: the engine rolls a row up through the ancestors of whatever version it is
on, so such a row counts for its region and the country and for no district), a person key
when the measure counts distinct persons (``None`` otherwise), a weight (1, or e.g. weeks in
force), and the fields an indicator may filter or break down by. The catalogue may only use
the fields listed in ``MEASURE_FIELDS``.

The parts: ``session`` (the row, the local day, the reading session and its context
variables), ``persons``, ``orders`` and ``reports`` (the readers of the registry and of the
aggregate reports), and ``register`` (the names, kinds and providers of every measure). Every
name is re-exported here: ``qorgau.monitoring.measures`` stays the place to import from.
"""

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
    PersonHistory,
    incidents,
    offenders,
    repeat_offenders,
    repeat_victims,
    victims,
)
from qorgau.monitoring.measures.register import (
    ADDITIVE_MEASURES,
    DAY_ROWS,
    DISTINCT_PERSONS,
    ESTIMATE_PROVIDERS,
    EXACT_MEASURES,
    MEASURE_FIELDS,
    MEASURES,
    MONTHLY_MEASURES,
    POPULATION_MEASURES,
    STOCK_MEASURES,
    WHOLE_POPULATION,
    EstimateCell,
    EstimateProvider,
    counted_records_register,
    estimate_provider_register,
    measure_is_daily,
    measure_quantum,
    measure_register,
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
from qorgau.monitoring.measures.session import (
    QuerySetT,
    Row,
    age_group,
    local_start,
    read_days,
    read_moments,
    read_until,
    reading_session,
)

__all__ = [
    "ADDITIVE_MEASURES",
    "DAY_ROWS",
    "DISTINCT_PERSONS",
    "ESTIMATE_PROVIDERS",
    "EXACT_MEASURES",
    "EstimateCell",
    "EstimateProvider",
    "INCIDENT_FACTS",
    "MEASURES",
    "MEASURE_FIELDS",
    "MONTHLY_MEASURES",
    "PERSON_HISTORIES",
    "POPULATION_MEASURES",
    "PersonHistory",
    "QuerySetT",
    "Row",
    "STOCK_MEASURES",
    "WHOLE_POPULATION",
    "age_group",
    "calls_111_violence",
    "counted_records_register",
    "crisis_centre_clients",
    "dv_injuries_reported",
    "dv_injuries_treated",
    "estimate_provider_register",
    "measure_register",
    "incidents",
    "local_start",
    "measure_is_daily",
    "measure_quantum",
    "offences",
    "offenders",
    "order_checks",
    "order_violations",
    "order_weeks_by_day",
    "order_weeks_in_force",
    "orders",
    "orders_with_incident",
    "orders_within_one_day",
    "read_days",
    "read_moments",
    "read_until",
    "reading_session",
    "repeat_offenders",
    "repeat_victims",
    "reports_expected",
    "reports_on_time",
    "reports_received",
    "requirement_violations",
    "requirements",
    "risk_assessments",
    "shelter_beds",
    "victims",
]
