"""Reading the budget: execution rates, unit costs, spending per capita, spending and results.

Every figure is computed from stored allocations and execution (a year's figures are small:
regions × sub-programmes × months), so nothing here is cached. Monitoring indicator values are
only read.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from qorgau.budget.models import OUTPUT_FIELDS, Allocation, Execution, SubProgramme
from qorgau.monitoring.models import IndicatorValue
from qorgau.monitoring.population import population_nearest
from qorgau.territory.models import Territory

# The unit cost named after each output: spending divided by that output.
UNIT_COSTS = {
    "people_served": "cost_per_person",
    "bed_nights": "cost_per_bed_night",
    "sessions": "cost_per_session",
    "trainings": "cost_per_specialist_trained",
    "completed": "cost_per_completed_programme",
}
# Indicators shown beside spending (the first is the default); read-only from monitoring.
RESULT_INDICATORS = (
    "crisis_centre_clients_rate",
    "victims_rate",
    "orders_rate",
    "repeat_victimisation",
    "reporting_ratio",
    "programme_completion",
    "domestic_homicide_rate",
)


def ratio(numerator: Decimal | int | None, denominator: Decimal | int | None) -> Decimal | None:
    """``numerator / denominator`` to two decimals, or None when there is nothing to divide by."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def execution_rate(executed: Decimal, revised: Decimal) -> Decimal | None:
    """Executed as a percentage of the revised allocation."""
    return ratio(executed * 100, revised)


def unit_costs(executed: Decimal, outputs: dict[str, int], reported: list[str]) -> dict[str, Any]:
    """The unit costs of the outputs a sub-programme reports (None where the output is 0)."""
    return {UNIT_COSTS[name]: ratio(executed, outputs.get(name, 0)) for name in reported}


def years_with_data() -> list[int]:
    return sorted(set(Allocation.objects.values_list("year", flat=True).distinct()), reverse=True)


def allocations(
    *, year: int | None = None, region: Territory | None = None
) -> QuerySet[Allocation]:
    queryset = Allocation.objects.select_related("sub_programme", "region")
    if year:
        queryset = queryset.filter(year=year)
    if region is not None:
        queryset = queryset.filter(region=region)
    return queryset


def executions(*, year: int | None = None, region: Territory | None = None) -> QuerySet[Execution]:
    queryset = Execution.objects.select_related("sub_programme", "region")
    if year:
        queryset = queryset.filter(year=year)
    if region is not None:
        queryset = queryset.filter(region=region)
    return queryset


def _cents(value: Decimal | None) -> Decimal:
    """A database sum to whole tiyn (SQLite returns sums with spurious decimals)."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _sums(
    year: int, region: Territory | None, by: tuple[str, ...], through_month: int | None = None
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Allocations (annual) and execution (up to ``through_month`` when given) per ``by``."""
    filters = Q(year=year) & (Q(region=region) if region is not None else Q())
    spent = filters & (Q(month__lte=through_month) if through_month else Q())
    money: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(
        lambda: {
            "approved": Decimal("0"),
            "revised": Decimal("0"),
            "executed": Decimal("0"),
            **dict.fromkeys(OUTPUT_FIELDS, 0),
        }
    )
    for row in (
        Allocation.objects.filter(filters)
        .values(*by)
        .annotate(approved_sum=Sum("approved"), revised_sum=Sum("revised"))
    ):
        cell = money[tuple(row[k] for k in by)]
        cell["approved"] += _cents(row["approved_sum"])
        cell["revised"] += _cents(row["revised_sum"])
    for row in (
        Execution.objects.filter(spent)
        .values(*by)
        .annotate(executed_sum=Sum("executed"), **{f"{k}_sum": Sum(k) for k in OUTPUT_FIELDS})
    ):
        cell = money[tuple(row[k] for k in by)]
        cell["executed"] += _cents(row["executed_sum"])
        for name in OUTPUT_FIELDS:
            cell[name] += row[f"{name}_sum"] or 0
    return money


def by_sub_programme(
    year: int, region: Territory | None = None, *, through_month: int | None = None
) -> list[dict[str, Any]]:
    """Per sub-programme: allocation, execution, rate, outputs and unit costs.

    With ``through_month`` execution counts from January to that month (a report for a quarter
    shows the year to date against the annual allocation)."""
    cells = _sums(year, region, ("sub_programme_id",), through_month)
    rows = []
    for sub in SubProgramme.objects.all():
        if (sub.pk,) not in cells:
            continue
        cell = cells[(sub.pk,)]
        rows.append(
            {
                "sub_programme": sub.code,
                "classification": sub.classification,
                "name": sub.name,
                **cell,
                "rate": execution_rate(cell["executed"], cell["revised"]),
                **unit_costs(cell["executed"], cell, list(sub.outputs)),
                "outputs": list(sub.outputs),
            }
        )
    return rows


def population_of(territory_ids: list[int], year: int) -> dict[int, int]:
    """Population of each territory version in ``year`` (the nearest year published): every
    resident, for money is never a sample (``monitoring.population``)."""
    people = population_nearest(territory_ids, year, sampled=False)
    return {pk: round(total) for pk, total in people.items()}


def by_region(year: int, *, through_month: int | None = None) -> list[dict[str, Any]]:
    """Per region: allocation, execution, rate, population and spending per capita
    (execution from January to ``through_month`` when given)."""
    cells = _sums(year, None, ("region_id",), through_month)
    regions = Territory.objects.filter(pk__in=[k[0] for k in cells]).order_by("kato_code")
    populations = population_of([r.pk for r in regions], year)
    rows = []
    for region in regions:
        cell = cells[(region.pk,)]
        population = populations.get(region.pk)
        rows.append(
            {
                "region": region.kato_code,
                "region_id": region.pk,
                "name": region.name,
                "approved": cell["approved"],
                "revised": cell["revised"],
                "executed": cell["executed"],
                "rate": execution_rate(cell["executed"], cell["revised"]),
                "population": population,
                "per_capita": ratio(cell["executed"], population),
                "people_served": cell["people_served"],
                "cost_per_person": ratio(cell["executed"], cell["people_served"]),
            }
        )
    return rows


def by_month(year: int, region: Territory | None = None) -> list[dict[str, Any]]:
    """Monthly execution and its running share of the revised allocation (year-end rushes)."""
    cells = _sums(year, region, ())
    revised = cells[()]["revised"] if () in cells else Decimal("0")
    filters = Q(year=year) & (Q(region=region) if region is not None else Q())
    monthly = dict(
        Execution.objects.filter(filters)
        .values("month")
        .annotate(total=Sum("executed"))
        .values_list("month", "total")
    )
    rows, running = [], Decimal("0")
    for month in range(1, 13):
        executed = _cents(monthly.get(month))
        running += executed
        rows.append(
            {
                "month": month,
                "executed": executed,
                "cumulative": running,
                "cumulative_rate": execution_rate(running, revised),
            }
        )
    return rows


def spending_and_results(year: int, indicator: str) -> list[dict[str, Any]]:
    """Each region's spending per capita beside a monitoring indicator for the same year."""
    regions = by_region(year)
    values = dict(
        IndicatorValue.objects.filter(
            indicator=indicator,
            period=str(year),
            breakdown="",
            territory_id__in=[r["region_id"] for r in regions],
        ).values_list("territory_id", "value")
    )
    return [
        {
            "region": row["region"],
            "name": row["name"],
            "per_capita": row["per_capita"],
            "rate": row["rate"],
            "cost_per_person": row["cost_per_person"],
            "indicator": indicator,
            "indicator_value": values.get(row["region_id"]),
        }
        for row in regions
    ]
