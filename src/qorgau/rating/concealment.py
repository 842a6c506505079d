"""Concealment detection: police registrations that fall while the independent registers do not.

An akimat controls what the police register records, not what a hospital, a crisis centre or
the 111 line records. When violence is hidden from the police register, the police count falls
and the independent count does not, so the two drift apart. Registers also drift apart for
innocent reasons (a new crisis centre, a campaign for 111), so a drift is judged against what
the region's *own history* and its *peers* this year predict, and against the noise of small
counts. Pure NumPy, no Django: the stress test (:mod:`qorgau.rating.stress`) re-runs it on
changed counts.

For unit ``u`` and year ``t``, with police registrations ``P`` and independent records ``O``:

* discordance ``d_t = log((P_t + ½)/(P_{t−1} + ½)) − log((O_t + ½)/(O_{t−1} + ½))``: 0 when the
  police count moved as the independent one did, negative when it fell relative to it;
* predicted ``p = ½·(mean of the unit's own earlier d) + ½·(median of the other units' d_t)``
  (the peer median alone when the unit has no earlier year);
* residual ``r = d_t − p``; the indicator ``registration_discordance = 100·min(0, r)``: 0 when
  registrations kept pace with the independent registers, lower the more they fell behind.
  It never rewards: it is at most 0 and only falls when the police count falls;
* **flagged** when ``r`` is below ``−max(0.1, 2·s)`` with ``s`` the noise of ``d`` (Poisson
  counts, plus the spread of the peers), i.e. a fall of the police count relative to the others
  that neither chance nor the common trend explains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qorgau.rating.normalisation import Array

FLAG = "concealment"
INDICATOR = "registration_discordance"
MIN_FALL = 0.1  # a relative fall of about 10% is the least that is flagged


@dataclass
class Discordance:
    """Per unit: the residual, the indicator value, whether flagged and the evidence."""

    residual: Array
    value: Array
    flagged: list[bool]
    evidence: list[dict[str, Any]] = field(default_factory=list)


def _log_change(now: Array, before: Array) -> Array:
    return np.asarray(np.log((now + 0.5) / (before + 0.5)), dtype=np.float64)


def discordance(police: Array, independent: Array) -> Discordance:
    """``police`` and ``independent``: units × years, oldest year first, the rated year last.

    A unit with a missing count (NaN) in the rated or the year before gets NaN (counted as the
    worst observed by the rating), never 0.
    """
    police = np.asarray(police, dtype=np.float64)
    independent = np.asarray(independent, dtype=np.float64)
    units, years = police.shape
    if years < 2:
        nan = np.full(units, np.nan)
        return Discordance(nan, nan.copy(), [False] * units, [{} for _ in range(units)])
    d = _log_change(police[:, 1:], police[:, :-1]) - _log_change(
        independent[:, 1:], independent[:, :-1]
    )
    now = d[:, -1]
    own = d[:, :-1]
    residual = np.full(units, np.nan)
    value = np.full(units, np.nan)
    flagged = [False] * units
    evidence: list[dict[str, Any]] = []
    for u in range(units):
        peers = np.delete(now, u)
        peers = peers[~np.isnan(peers)]
        history = own[u][~np.isnan(own[u])] if own.shape[1] else np.array([])
        peer = float(np.median(peers)) if peers.size else 0.0
        predicted = 0.5 * float(history.mean()) + 0.5 * peer if history.size else peer
        spread = 1.4826 * float(np.median(np.abs(peers - peer))) if peers.size > 2 else 0.0
        counts = np.array([police[u, -1], police[u, -2], independent[u, -1], independent[u, -2]])
        noise = float(np.sqrt(np.sum(1.0 / (counts + 0.5)) + spread**2))
        if np.isnan(now[u]):
            evidence.append({})
            continue
        residual[u] = now[u] - predicted
        value[u] = 100.0 * min(0.0, residual[u])
        threshold = max(MIN_FALL, 2.0 * noise)
        flagged[u] = bool(residual[u] < -threshold)
        evidence.append(
            {
                "police_now": _int(police[u, -1]),
                "police_before": _int(police[u, -2]),
                "independent_now": _int(independent[u, -1]),
                "independent_before": _int(independent[u, -2]),
                "police_change": round(float(np.expm1(_log_change(counts[:1], counts[1:2])[0])), 4),
                "independent_change": round(
                    float(np.expm1(_log_change(counts[2:3], counts[3:4])[0])), 4
                ),
                "own_history": round(float(history.mean()), 4) if history.size else None,
                "peers": round(peer, 4),
                "residual": round(float(residual[u]), 4),
                "threshold": round(threshold, 4),
            }
        )
    return Discordance(residual, value, flagged, evidence)


def _int(x: float) -> int | None:
    return None if np.isnan(x) else int(round(float(x)))
