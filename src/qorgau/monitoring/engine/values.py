"""The rows of ``IndicatorValue`` an indicator gets: from its terms' figures (month path),
from the moves of its day figures (day path), or at the cells an estimate covers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from qorgau.monitoring.catalogue import Indicator
from qorgau.monitoring.engine.context import _Context
from qorgau.monitoring.engine.counting import Cell
from qorgau.monitoring.engine.figures import _population_measure, _same, _snapped, _value_row
from qorgau.monitoring.engine.writing import StoredKey, _stored_cells
from qorgau.monitoring.measures import ESTIMATE_PROVIDERS, POPULATION_MEASURES
from qorgau.territory.models import Territory


def _daily_values(
    indicators: list[Indicator], context: _Context
) -> tuple[list[tuple[Any, ...]], dict[StoredKey, tuple[int, tuple[Any, ...]]]]:
    """The day path's values: each cell a day figure moved, its stored terms shifted by the
    moves; returns them with the stored cells read (a cell left with no figure is deleted)."""
    keys = [
        (indicator.code, *cell)
        for indicator in indicators
        for cell in set(context.deltas[indicator.code][0]) | set(context.deltas[indicator.code][1])
    ]
    stored = _stored_cells(keys)
    result: list[tuple[Any, ...]] = []
    for indicator in indicators:
        numerators, denominators = context.deltas[indicator.code]
        on_population = indicator.denominator.measure in POPULATION_MEASURES
        for cell in set(numerators) | set(denominators):
            territory, period_code, breakdown = cell
            old = stored.get((indicator.code, *cell))
            figures = old[1] if old else (0.0, None)
            numerator = _snapped(
                (figures[0] or 0.0) + numerators.get(cell, 0.0), indicator.numerator.measure
            )
            denominator: float | None
            if on_population:
                if not numerator:
                    continue
                population = _population_measure(indicator.denominator.measure, breakdown)
                denominator = context.populations[population](territory, int(period_code[:4]))
            else:
                denominator = _snapped(
                    (figures[1] or 0.0) + denominators.get(cell, 0.0),
                    indicator.denominator.measure,
                )
                if not denominator:
                    denominator = None
                if not numerator and denominator is None:
                    continue
            result.append(_value_row(indicator, cell, numerator, denominator, on_population))
    return result, stored


def _indicator_values(indicator: Indicator, context: _Context) -> list[tuple[Any, ...]]:
    num_term, den_term = indicator.numerator, indicator.denominator
    if {num_term.measure, den_term.measure} & set(ESTIMATE_PROVIDERS):
        return _estimate_values(indicator, context)
    numerators = context.term_figures(indicator, num_term, 0, indicator.disaggregations)
    on_population = den_term.measure in POPULATION_MEASURES
    denominators: dict[Cell, float] = {}
    if not on_population:
        denominators = context.term_figures(indicator, den_term, 1, indicator.disaggregations)
    periods = context.incremental.periods if context.incremental else None
    stored = context.incremental.figures.get(indicator.code, {}) if context.incremental else {}
    result = []
    for cell in set(numerators) | set(denominators):
        territory, period_code, breakdown = cell
        if periods is not None and period_code not in periods:
            continue
        numerator = numerators.get(cell, 0.0)
        if on_population:
            denominator = context.populations[_population_measure(den_term.measure, breakdown)](
                territory, int(period_code[:4])
            )
        else:
            denominator = denominators.get(cell)
        old = stored.get(cell)
        if old is not None and _same(old[:2], (numerator, denominator)):
            # the value and its interval follow from the two terms: the stored ones stand
            context.unchanged.add((indicator.code, *cell))
            continue
        result.append(_value_row(indicator, cell, numerator, denominator, on_population))
    return result


def _lifetimes() -> dict[int, tuple[dt.date | None, dt.date | None]]:
    return {
        pk: (start, end)
        for pk, start, end in Territory.objects.values_list("pk", "valid_from", "valid_to")
    }


def _estimate_values(indicator: Indicator, context: _Context) -> list[tuple[Any, ...]]:
    """Yearly values of an indicator with an estimated term, at the cells the estimate covers.

    The estimate's own interval carries through (the registered or population term is taken
    as exact): a rate on an estimate scales its bounds; a ratio over an estimate divides by
    them. A territory version that did not exist for the whole year gets no value, since its
    registered figure would cover part of the year only.
    """
    num_term, den_term = indicator.numerator, indicator.denominator
    estimated = num_term if num_term.measure in ESTIMATE_PROVIDERS else den_term
    other = den_term if estimated is num_term else num_term
    lifetimes = _lifetimes()
    start = context.start
    counted: dict[Cell, float] = {}
    if other.measure not in POPULATION_MEASURES:
        position = 0 if other is num_term else 1
        counted = context.term_figures(indicator, other, position, (), shift=False)
    result = []
    for cell in ESTIMATE_PROVIDERS[estimated.measure]():
        first, last = dt.date(cell.year, 1, 1), dt.date(cell.year, 12, 31)
        if (start and first < start) or cell.territory_id not in lifetimes:
            continue
        valid_from, valid_to = lifetimes[cell.territory_id]
        if (valid_from and valid_from > first) or (valid_to and valid_to < last):
            continue
        if other.measure in POPULATION_MEASURES:
            known = context.populations[other.measure](cell.territory_id, cell.year)
        else:
            known = counted.get((cell.territory_id, str(cell.year), ""), 0.0)
        if known is None:
            continue
        if estimated is num_term:
            numerator, denominator = cell.value, known
            scale = indicator.multiplier / known if known else None
            bounds = (cell.low, cell.high)
        else:
            numerator, denominator = known, cell.value
            scale = indicator.multiplier * known
            bounds = (
                1 / cell.high if cell.high else None,
                1 / cell.low if cell.low else None,
            )
        if not scale or not cell.value:
            continue
        value = numerator * scale if estimated is num_term else scale / cell.value
        low, high = (b * scale if b is not None else None for b in bounds)
        result.append(
            (
                indicator.code,
                cell.territory_id,
                str(cell.year),
                "year",
                first,
                "",
                numerator,
                denominator,
                value,
                low,
                high,
            )
        )
    return result
