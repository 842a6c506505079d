"""The incidents of the registered victims, and which of them ended in a homicide."""

from __future__ import annotations

import datetime as dt

import numpy as np

from qorgau.synth import calibration as cal
from qorgau.synth.sampling.capture import DAY
from qorgau.synth.sampling.region import day_weights
from qorgau.synth.sampling.spec import Block, BlockSpec


def _sample_incidents(
    rng: np.random.Generator, spec: BlockSpec, block: Block, days: np.ndarray
) -> None:
    """Incidents of each police victim: a first one, then repeats within the year."""
    n = len(block.pv)
    z = block.z[block.pv]
    extra = rng.poisson(cal.REPEAT_RATE * np.exp(0.4 * z - 0.08))
    extra = np.minimum(extra, 5)
    first = days[rng.choice(len(days), n, p=day_weights(days))] if n else days[:0]
    forced = np.zeros(n, dtype=bool)
    if spec.forced:
        k = len(spec.forced)
        forced[-k:] = True
        extra[-k:] = 0
        back = rng.integers(1, 27, k)
        back[:3] = rng.integers(16, 27, min(3, k))  # these will have their checks abandoned
        first[-k:] = np.datetime64(spec.today) - back * DAY
    room = (days[-1] - first).astype(int)
    extra = np.minimum(extra, room)
    owner = np.repeat(np.arange(n), 1 + extra)
    order_in_victim = np.arange(len(owner)) - np.repeat(
        np.cumsum(1 + extra) - (1 + extra), 1 + extra
    )
    later = (rng.random(len(owner)) * room[owner]).astype(int) + 1
    day = first[owner] + np.where(order_in_victim == 0, 0, later) * DAY
    # Sort each victim's incidents by day, keeping the first first.
    sort = np.lexsort((day, owner))
    owner, day = owner[sort], day[sort]
    order_in_victim = np.arange(len(owner)) - np.repeat(
        np.cumsum(1 + extra) - (1 + extra), 1 + extra
    )
    hour = rng.choice(24, len(owner), p=np.asarray(cal.HOUR_WEIGHTS) / sum(cal.HOUR_WEIGHTS))
    seconds = hour * 3600 + rng.integers(0, 3600, len(owner))
    delay = np.where(
        rng.random(len(owner)) < 0.7,
        rng.exponential(3600, len(owner)),
        np.where(
            rng.random(len(owner)) < 0.85,
            rng.uniform(3 * 3600, 3 * 86400, len(owner)),
            rng.uniform(3 * 86400, 30 * 86400, len(owner)),
        ),
    ).astype(int)
    severity = z[owner] + 0.3 * order_in_victim + rng.normal(0, 0.6, len(owner))
    block.inc.update(
        owner=owner,
        day=day,
        seconds=seconds,
        delay=np.where(forced[owner], 600, delay),
        severity=severity,
        forced=forced[owner],
        district=block.true_district[block.pv][owner],
        last=np.r_[owner[1:] != owner[:-1], True] if len(owner) else np.empty(0, bool),
    )


def _pick_homicides(
    rng: np.random.Generator, spec: BlockSpec, block: Block, fraction: float
) -> np.ndarray:
    inc = block.inc
    n = len(inc["owner"])
    expected = cal.HOMICIDES_PER_YEAR * spec.scale * spec.share * fraction
    candidates = np.flatnonzero(inc["last"] & ~inc["forced"])
    homicide = np.zeros(n, dtype=bool)
    count = min(int(rng.poisson(expected)), len(candidates))
    if count:
        weight = np.exp(1.5 * inc["severity"][candidates])
        picked = rng.choice(candidates, count, replace=False, p=weight / weight.sum())
        homicide[picked] = True
    return homicide


def _clip_today(days: np.ndarray, today: dt.date) -> np.ndarray:
    result: np.ndarray = np.minimum(days, np.datetime64(today))
    return result
