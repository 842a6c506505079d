"""95% intervals for the two kinds of indicator: rates of counts and proportions.

* A count ``k`` of events in a population is treated as Poisson; the exact (Garwood) interval
  comes from the chi-squared distribution: ``[χ²(α/2; 2k)/2, χ²(1-α/2; 2k+2)/2]``.
* A proportion ``k/n`` gets the Wilson score interval, which behaves at 0 and 1 and for small n.
"""

from __future__ import annotations

import math
from functools import lru_cache

from scipy.stats import chi2, norm

_Z = {0.95: float(norm.ppf(0.975))}


@lru_cache(maxsize=200_000)
def poisson_interval(count: float, confidence: float = 0.95) -> tuple[float, float]:
    """Cached: the same counts recur across territories, periods and indicators."""
    alpha = 1 - confidence
    low = 0.0 if count <= 0 else float(chi2.ppf(alpha / 2, 2 * count) / 2)
    high = float(chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2)
    return low, high


def wilson_interval(
    successes: float, trials: float, confidence: float = 0.95
) -> tuple[float, float]:
    if trials <= 0:
        return math.nan, math.nan
    z = _Z.get(confidence) or float(norm.ppf(1 - (1 - confidence) / 2))
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z
        * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
        / (1 + z * z / trials)
    )
    return max(0.0, centre - half), min(1.0, centre + half)
