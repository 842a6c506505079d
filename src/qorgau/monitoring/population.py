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

from collections.abc import Callable

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
