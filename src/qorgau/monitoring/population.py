"""How many of the people in the population figures the records stand for.

A real deployment counts every incident of a real population: the scale is 1. A synthetic
demo generates a sample (``qorgau synth --scale 0.02`` writes 2% of the national volumes)
but loads the real populations of the territory register; rates on those populations would
come out fifty times too low (9 incidents per 100,000 instead of about 500). The synthetic
part registers the scale of its latest run here, and the population denominators of the
indicators are multiplied by it, so that a demo's rates look like Kazakhstan's. Monitoring
never imports the synthetic part: with nothing registered (or no synthetic run recorded) the
scale is exactly 1 and real figures are untouched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

_providers: list[Callable[[], float | None]] = []


def population_scale_register(provider: Callable[[], float | None]) -> None:
    """Let a part say which share of the population its records stand for (None: no say)."""
    if provider not in _providers:
        _providers.append(provider)


def population_scale() -> float:
    """The factor population denominators are multiplied by: 1.0 unless data are a sample."""
    for provider in _providers:
        scale = provider()
        if scale is not None and scale > 0:
            return float(scale)
    return 1.0


def population_nearest(
    territory_ids: Iterable[int], year: int, *, sampled: bool = True
) -> dict[int, float]:
    """Each territory version's population in the published year nearest ``year`` (the later
    of two equally near), times :func:`population_scale` for rates of sampled records: the
    indicators and the rating's own rates then divide by the same people, so a demo's sample
    reads like the country and a real deployment is untouched. Money is never a sample
    (``sampled=False``): spending per head divides by every resident."""
    from qorgau.territory.models import TerritoryPopulation

    scale = population_scale() if sampled else 1.0
    table: dict[int, dict[int, int]] = defaultdict(dict)
    for territory, year_, total in TerritoryPopulation.objects.filter(
        territory_id__in=list(territory_ids)
    ).values_list("territory_id", "year", "total"):
        table[territory][year_] = total
    return {
        pk: float(figures[min(figures, key=lambda y: (abs(y - year), -y))]) * scale
        for pk, figures in table.items()
    }
