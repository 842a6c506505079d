"""A cell's figures from its two terms: populations, the value and its interval, and which
indicators can be computed and how (daily, on an estimate, awaiting their source).

Kept apart from the counting and the storing so that the release and the export compute a
value exactly as the engine stores it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from qorgau.monitoring.catalogue import Catalogue, Indicator, catalogue_load
from qorgau.monitoring.engine.counting import Cell
from qorgau.monitoring.intervals import poisson_interval, wilson_interval
from qorgau.monitoring.measures import (
    ESTIMATE_PROVIDERS,
    EXACT_MEASURES,
    MEASURES,
    POPULATION_MEASURES,
    measure_is_daily,
    measure_quantum,
)
from qorgau.monitoring.periods import Period, period_parse
from qorgau.monitoring.population import population_scale
from qorgau.territory.models import TerritoryPopulation


def _population(sex: str | None, *, sampled: bool = True) -> Callable[[int, int], float | None]:
    """Population of a territory version in a year: the nearest year published, or the sum of
    its successors' for a version that ended before any figure (the 2022 reform).

    Scaled by ``population_scale()`` (1 but for a synthetic sample), so that a rate compares
    the records with the population they stand for.
    """
    scale = population_scale() if sampled else 1.0
    table: dict[int, dict[int, float]] = defaultdict(dict)
    for territory, year_, total, females in TerritoryPopulation.objects.values_list(
        "territory_id", "year", "total", "females"
    ):
        value = {None: total, "F": females, "M": total - females if females is not None else None}[
            sex
        ]
        if value is not None:
            table[territory][year_] = float(value) * scale
    successors: dict[int, list[int]] = defaultdict(list)
    from qorgau.territory.models import TerritorySuccession

    for predecessor, successor in TerritorySuccession.objects.values_list(
        "predecessor_id", "successor_id"
    ):
        successors[predecessor].append(successor)

    def lookup(territory: int, year_: int) -> float | None:
        figures = table.get(territory)
        if figures:
            nearest = min(figures, key=lambda y: (abs(y - year_), -y))
            return figures[nearest]
        parts = [lookup(s, year_) for s in successors.get(territory, [])]
        return sum(p for p in parts if p is not None) if parts and None not in parts else None

    return lookup


def _value(
    indicator: Indicator, numerator: float, denominator: float | None, rate_on_population: bool
) -> tuple[float | None, float | None, float | None]:
    if not denominator:
        return None, None, None
    scale = indicator.multiplier / denominator
    if indicator.numerator.measure in EXACT_MEASURES:
        return numerator * scale, None, None  # money, not a count: no sampling interval
    if rate_on_population or numerator > denominator:
        low, high = poisson_interval(numerator)
        return numerator * scale, low * scale, high * scale
    low, high = wilson_interval(numerator, denominator)
    return numerator * scale, low * indicator.multiplier, high * indicator.multiplier


def rate_with_interval(
    indicator: Indicator, numerator: float, denominator: float | None
) -> tuple[float | None, float | None, float | None]:
    """The value of an indicator from its two terms, with the interval its kind calls for."""
    on_population = indicator.denominator.measure in POPULATION_MEASURES
    return _value(indicator, round(numerator, 6), denominator, on_population)


def _is_daily(indicator: Indicator) -> bool:
    """Whether the indicator's counted terms can be shifted day by day (``measure_is_daily``):
    every term that is not a population or an estimate (the reporting ratio's registered
    victims beside their estimate) is such a measure."""
    if indicator.numerator.measure in POPULATION_MEASURES:
        return False
    counted = [
        term
        for term in (indicator.numerator, indicator.denominator)
        if term.measure not in POPULATION_MEASURES and term.measure not in ESTIMATE_PROVIDERS
    ]
    return bool(counted) and all(measure_is_daily(term.measure) for term in counted)


def _is_estimate(indicator: Indicator) -> bool:
    measures = {indicator.numerator.measure, indicator.denominator.measure}
    return bool(measures & ESTIMATE_PROVIDERS.keys())


def _value_row(
    indicator: Indicator,
    cell: Cell,
    numerator: float,
    denominator: float | None,
    on_population: bool,
) -> tuple[Any, ...]:
    """A cell's row of ``IndicatorValue`` (``_COLUMNS``), with its value and interval."""
    territory, period_code, breakdown = cell
    value, low, high = _value(indicator, numerator, denominator, on_population)
    period = _period_from_code(period_code)
    return (
        indicator.code,
        territory,
        period_code,
        period.kind.value,
        period.start,
        breakdown,
        numerator,
        denominator,
        value,
        low,
        high,
    )


def _snapped(figure: float, measure: str) -> float:
    """A shifted figure as a full computation gives it: a whole number of the measure's steps
    (``measure_quantum``), rounded as ``tally`` rounds."""
    quantum = measure_quantum(measure)
    if quantum is not None:
        figure = round(figure / quantum) * quantum
    figure = round(figure, 9)
    return 0.0 if abs(figure) <= 1e-9 else figure


def _same(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    return all(
        a == b or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9))
        for a, b in zip(old, new, strict=True)
    )


def _awaits(indicator: Indicator, catalogue: Catalogue) -> bool:
    """A measure awaits its source until the part that makes it registers a provider.

    The parts above monitoring register their measures when Django starts; a measure listed in
    the catalogue whose part is absent (or not installed) is reported as awaiting, not an error.
    """
    return any(
        term.measure not in MEASURES
        and term.measure not in ESTIMATE_PROVIDERS
        and term.measure not in POPULATION_MEASURES
        for term in (indicator.numerator, indicator.denominator)
    )


def indicators_fed_by(measure: str, catalogue: Catalogue | None = None) -> list[str]:
    """Codes of the indicators with ``measure`` as numerator or denominator."""
    catalogue = catalogue or catalogue_load()
    return [
        i.code
        for i in catalogue.indicators
        if measure in (i.numerator.measure, i.denominator.measure)
    ]


def _population_measure(measure: str, breakdown: str) -> str:
    return {"sex=F": "population_female", "sex=M": "population_male"}.get(breakdown, measure)


@lru_cache(maxsize=4096)
def _period_from_code(code: str) -> Period:
    return period_parse(code)
