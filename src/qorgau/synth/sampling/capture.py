"""How likely each register is to capture a victim: the logistic intercepts that meet the
calibrated capture rates (``calibration.REGISTER_CAPTURE``) on a standard sample of victims.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from qorgau.synth import calibration as cal

REGISTERS = tuple(cal.REGISTER_CAPTURE)
DAY = np.timedelta64(1, "D")


def expit(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return result


@lru_cache(maxsize=1)
def _standard_sample() -> tuple[np.ndarray, np.ndarray]:
    """A fixed sample of (severity, help-seeking) used to calibrate the intercepts."""
    rng = np.random.default_rng(20240616)
    return rng.standard_normal(4000), rng.standard_normal(4000)


def _bisect(mean_of: object, target: float) -> float:
    low, high = -15.0, 10.0
    for _step in range(50):
        mid = (low + high) / 2
        if mean_of(mid) < target:  # type: ignore[operator]
            low = mid
        else:
            high = mid
    return (low + high) / 2


@dataclass(frozen=True)
class Capture:
    """Intercepts of the capture model of one region (and crisis-centre availability)."""

    registers: dict[str, float]
    police: float


@lru_cache(maxsize=256)
def capture_intercepts(targets: tuple[tuple[str, float], ...], police_target: float) -> Capture:
    """Intercepts giving each register its target share of true victims, police included.

    The police share is the expectation over every combination of the other registers, since
    they refer victims on.
    """
    z, u = _standard_sample()
    alphas: dict[str, float] = {}
    probs: dict[str, np.ndarray] = {}
    for code, target in targets:
        slope = cal.REGISTER_SEVERITY[code] * z + cal.REGISTER_HELP_SEEKING[code] * u
        if target <= 0:
            alphas[code], probs[code] = -50.0, np.zeros_like(z)
            continue
        alphas[code] = _bisect(lambda a, s=slope: float(expit(a + s).mean()), target)
        probs[code] = expit(alphas[code] + slope)
    base = cal.POLICE_SEVERITY * z + cal.POLICE_HELP_SEEKING * u
    combos = []
    for mask in range(2 ** len(targets)):
        weight = np.ones_like(z)
        shift = 0.0
        for bit, (code, _t) in enumerate(targets):
            seen = bool(mask >> bit & 1)
            weight = weight * (probs[code] if seen else 1 - probs[code])
            shift += cal.POLICE_REFERRAL[code] if seen else 0.0
        combos.append((weight, shift))

    def police_mean(a: float) -> float:
        return float(sum((w * expit(a + base + s)).mean() for w, s in combos))

    return Capture(registers=alphas, police=_bisect(police_mean, police_target))


# --- Regions -----------------------------------------------------------------------------------
