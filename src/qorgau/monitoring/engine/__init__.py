"""Computing every indicator for every territory and period into ``IndicatorValue``.

Rows of each measure are counted once per (district, month, breakdown) and rolled up in memory
to the region and the country (along the parents of the territory version the record was
made on) and to quarters and years. Distinct-person measures keep the set of persons, so a
victim counted in two months is one victim in the year. Rates on populations carry the exact
Poisson interval; shares carry the Wilson interval.

Recomputation from a date (``since``) computes only the periods holding a day from ``since``
on, which is exactly the set of stored values new records on or after that date can change,
and writes only the cells whose figures differ from the stored ones. For an additive measure
(``ADDITIVE_MEASURES``: a period's figure is the sum of its months') it reads only the records
of the recomputed months and shifts each stored quarter and year by the change in its
recomputed months; a measure of distinct persons reads the records from the start of the year
(a year's distinct victims need all of them).

The parts, in the order a run uses them:

- ``counting``: a measure's rows counted into cells (``tally``, ``first_months``, ``day_figures``);
- ``figures``: a cell's value and interval from its terms, populations, kinds of indicator;
- ``incremental`` and ``context``: what one run recomputes and each term's figures (the month
  path and the day path);
- ``values``: the rows of ``IndicatorValue`` an indicator gets;
- ``writing``: reading and writing the stored values, day figures and first counts;
- ``compute``: the entry point, ``indicators_compute``.

The names other modules use are re-exported here, so ``qorgau.monitoring.engine`` stays the one
place to import them from. A test that replaces a part patches it where it is looked up (e.g.
``qorgau.monitoring.engine.compute._compute``).
"""

from qorgau.monitoring.engine.compute import ComputeSummary, affected_periods, indicators_compute
from qorgau.monitoring.engine.counting import (
    Cell,
    DayKey,
    FirstCell,
    Progress,
    _TerritoryTree,
    day_figures,
    first_months,
    tally,
)
from qorgau.monitoring.engine.figures import (
    _is_daily,
    _is_estimate,
    _population,
    _population_measure,
    indicators_fed_by,
    rate_with_interval,
)

__all__ = [
    "Cell",
    "ComputeSummary",
    "DayKey",
    "FirstCell",
    "Progress",
    "_TerritoryTree",
    "_is_daily",
    "_is_estimate",
    "_population",
    "_population_measure",
    "affected_periods",
    "day_figures",
    "first_months",
    "indicators_compute",
    "indicators_fed_by",
    "rate_with_interval",
    "tally",
]
