"""A region's own effects, and the days of a year weighted by the season and the week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from qorgau.synth import calibration as cal
from qorgau.synth.sampling.capture import DAY


@dataclass(frozen=True)
class Region:
    """A region of today's map with its districts and its run-level random effects."""

    code: str
    districts: np.ndarray  # indices into the district frame
    weights: np.ndarray  # population shares of the districts within the region
    population: int  # in POPULATION_YEAR
    multiplier: float  # reporting multiplier, 0.6-1.6
    requirement_factor: float
    register_targets: dict[str, float]
    police_target: float


def region_effects(
    rng: np.random.Generator, codes: list[str], populations: np.ndarray
) -> dict[str, tuple[float, float, dict[str, float], float]]:
    """Reporting multiplier, requirement factor, register targets and police capture per region.

    The police capture share is proportional to the reporting multiplier, normalised so that
    the population-weighted national share is ``POLICE_CAPTURE_MEAN``.
    """
    multipliers = rng.uniform(*cal.REPORTING_MULTIPLIER, size=len(codes))
    factors = rng.uniform(*cal.REQUIREMENT_REGION_FACTOR, size=len(codes))
    mean = float((multipliers * populations).sum() / populations.sum())
    police = np.clip(cal.POLICE_CAPTURE_MEAN * multipliers / mean, *cal.POLICE_CAPTURE_RANGE)
    effects = {}
    for i, code in enumerate(codes):
        targets = {
            register: float(
                share
                * np.exp(rng.normal(0, cal.REGISTER_REGION_SD) - cal.REGISTER_REGION_SD**2 / 2)
            )
            for register, share in cal.REGISTER_CAPTURE.items()
        }
        effects[code] = (float(multipliers[i]), float(factors[i]), targets, float(police[i]))
    return effects


# --- Dates -------------------------------------------------------------------------------------


def day_weights(days: np.ndarray) -> np.ndarray:
    """Seasonal weight of each day: a summer peak and spikes on holidays."""
    months = days.astype("datetime64[M]").astype(int) % 12
    weights = np.asarray(cal.MONTH_WEIGHTS)[months]
    month_day = (days - days.astype("datetime64[M]")).astype(int) + 1
    for month, day in cal.HOLIDAYS:
        weights = np.where(
            (months == month - 1) & (month_day == day), weights * cal.HOLIDAY_WEIGHT, weights
        )
    result: np.ndarray = weights / weights.sum()
    return result


def year_days(year: int, last_day: dt.date) -> np.ndarray:
    start = np.datetime64(f"{year}-01-01")
    end = min(np.datetime64(f"{year}-12-31"), np.datetime64(last_day))
    return np.arange(start, end + DAY, DAY)


def choice(rng: np.random.Generator, options: dict[str, float], size: int) -> np.ndarray:
    keys = list(options)
    p = np.asarray([options[k] for k in keys], dtype=float)
    return np.asarray(keys, dtype=object)[rng.choice(len(keys), size=size, p=p / p.sum())]


# --- The block ---------------------------------------------------------------------------------
