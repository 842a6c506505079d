"""The stress test of a rating method: does hiding registered violence pay?

For each region in turn, a share of its registered police incidents of the rated year is
hidden — at random, or "carefully", keeping every grave case (grave or medium harm, deaths),
which is what an akimat that wants to look better without being caught would do — and the
region's score and rank are computed again with everything else unchanged. Nothing in the
database changes: the inputs the rating reads are copied (:class:`StressInputs`, built by
:func:`qorgau.rating.stress_inputs.stress_inputs_read`) and changed in memory.

What hiding changes, and how it is carried through:

* the police register's counts: incidents, grave incidents, homicides, victims, repeat victims
  (a victim disappears when all her incidents are hidden; a repeat victim who keeps one
  incident becomes a single victim). Victims are modelled as having one incident, or two for
  repeat victims;
* the hidden-violence estimate: hidden victims lose their police capture in the linked capture
  histories (a person seen only by the police disappears; one also seen by a hospital stays,
  seen by the hospital only), and the estimate is made again with latency's multiple-systems
  estimator (:func:`qorgau.latency.mse.estimate`, read only). The reporting ratio becomes
  ``published ratio × (victims kept / victims) × (estimate before / estimate after)``, so that
  only the change the hiding causes moves it. A refused estimate is a missing value (counted as
  the worst). Without capture histories the estimate is held fixed (the registers outside the
  police still see the victims); the result says so (note ``estimate_held_fixed``);
* every indicator computed from them: the reporting ratio, registered victims per 100 people
  the other registers saw, the discordance of the police register with the others (whose peers
  are all units, so every unit's value is recomputed), homicide, grave-harm and repeat
  victimisation rates of the police register (for methods that still score them);
* indicators of the registers outside the police, and the protection and service shares, do
  not change: hiding incidents at random leaves a share of them unchanged in expectation.

Pure NumPy apart from the estimator; no Django models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from qorgau.rating.compute import Method, compute_index
from qorgau.rating.concealment import INDICATOR as DISCORDANCE
from qorgau.rating.concealment import discordance
from qorgau.rating.normalisation import Array

MODES = ("random", "careful")
SHARES = (0.3, 0.5, 0.7, 0.9)
GAIN = 0.5  # a gain above half a point counts as a reward for hiding
MAX_REWARDED = 0.05  # at most this share of draws may gain more than GAIN
Progress = Callable[[int, int], None]


@dataclass
class PoliceCounts:
    """The police register's counts of the rated year, one entry per unit."""

    incidents: Array
    grave: Array  # incidents with grave or medium harm, or a death
    homicides: Array
    victims: Array
    repeat_victims: Array


@dataclass
class StressInputs:
    """A copy of what a run reads (units × the method's indicators) and the counts behind it."""

    units: list[str]
    method: Method
    values: Array
    police: PoliceCounts
    police_history: Array  # units × years: police incidents, the rated year last
    independent_history: Array  # units × years: health injuries + crisis centre + 111
    tables: list[Any | None]  # each unit's capture table (latency's CaptureTable) or None
    notes: list[str] = field(default_factory=list)


@dataclass
class Hidden:
    """One draw of hiding in one unit: the counts that remain."""

    incidents: float
    grave: float
    homicides: float
    victims: float
    repeat_victims: float


def hide(police: PoliceCounts, u: int, share: float, mode: str, rng: np.random.Generator) -> Hidden:
    """Hide ``share`` of unit ``u``'s registered incidents (``careful``: never a grave one)."""
    total, grave = int(police.incidents[u]), int(police.grave[u])
    homicides = int(police.homicides[u])
    victims, repeats = int(police.victims[u]), int(police.repeat_victims[u])
    grave, homicides = min(grave, total), min(homicides, grave, total)
    repeats = min(repeats, victims)
    if mode == "random":
        hidden = int(rng.binomial(total, share))
        hidden_grave = int(rng.hypergeometric(grave, total - grave, hidden)) if hidden else 0
        hidden_dead = (
            int(rng.hypergeometric(homicides, grave - homicides, hidden_grave))
            if hidden_grave
            else 0
        )
        q = hidden / total if total else 0.0
        protected = 0
    elif mode == "careful":
        hidden = min(int(round(share * total)), total - grave)
        hidden_grave = hidden_dead = 0
        q = hidden / (total - grave) if total > grave else 0.0
        protected = min(grave, victims)  # the victims of grave cases stay registered
    else:
        raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
    exposed = victims - protected
    exposed_repeats = int(round(repeats * exposed / victims)) if victims else 0
    singles = exposed - exposed_repeats
    kept_singles = int(rng.binomial(singles, 1 - q)) if singles > 0 else 0
    stay, single, _gone = (
        rng.multinomial(exposed_repeats, [(1 - q) ** 2, 2 * q * (1 - q), q**2])
        if exposed_repeats > 0
        else (0, 0, 0)
    )
    protected_repeats = repeats - exposed_repeats
    return Hidden(
        incidents=total - hidden,
        grave=grave - hidden_grave,
        homicides=homicides - hidden_dead,
        victims=protected + kept_singles + int(stay) + int(single),
        repeat_victims=protected_repeats + int(stay),
    )


def thin_table(table: Any, police_index: int, removed: float, rng: np.random.Generator) -> Any:
    """The capture table with each person seen by the police losing that capture with
    probability ``removed`` (a person seen by nobody else drops out)."""
    counts = np.array(table.counts, dtype=np.int64)
    patterns = np.asarray(table.patterns)
    index = {tuple(int(v) for v in p): i for i, p in enumerate(patterns)}
    for i, pattern in enumerate(patterns):
        if pattern[police_index] and counts[i] > 0:
            moved = int(rng.binomial(int(table.counts[i]), removed))
            counts[i] -= moved
            rest = list(int(v) for v in pattern)
            rest[police_index] = 0
            if any(rest):
                counts[index[tuple(rest)]] += moved
    return table.with_counts(counts)


def estimate_of(table: Any) -> float | None:
    """Latency's multiple-systems estimate of the table, or None when it is refused."""
    from qorgau.latency import mse

    try:
        return float(mse.estimate(table, spread=False).estimate)
    except (mse.EstimationRefused, ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None


def _ratio(a: float, b: float) -> float:
    return a / b if b else 1.0


class Simulator:
    """Recomputes the indicator values of a copy of the inputs after a unit hid incidents."""

    def __init__(self, inputs: StressInputs) -> None:
        self.inputs = inputs
        self.codes = inputs.method.codes
        self.base_estimates: list[float | None] = [
            estimate_of(t) if t is not None and "reporting_ratio" in self.codes else None
            for t in inputs.tables
        ]

    def values_after(self, u: int, hidden: Hidden, rng: np.random.Generator) -> Array:
        inputs, police = self.inputs, self.inputs.police
        values = inputs.values.copy()
        row = values[u]
        kept_victims = _ratio(hidden.victims, float(police.victims[u]))

        def scale(code: str, factor: float) -> None:
            if code in self.codes:
                row[self.codes.index(code)] *= factor

        scale("police_share_of_independent", kept_victims)
        scale("victims_rate", kept_victims)
        scale("incidents_rate", _ratio(hidden.incidents, float(police.incidents[u])))
        scale("grave_harm_rate", _ratio(hidden.grave, float(police.grave[u])))
        scale("domestic_homicide_rate", _ratio(hidden.homicides, float(police.homicides[u])))
        if "repeat_victimisation" in self.codes:
            j = self.codes.index("repeat_victimisation")
            row[j] = 100.0 * hidden.repeat_victims / hidden.victims if hidden.victims else np.nan
        if "reporting_ratio" in self.codes:
            row[self.codes.index("reporting_ratio")] *= kept_victims * self._estimate_change(
                u, 1.0 - kept_victims, rng
            )
        if DISCORDANCE in self.codes:
            history = inputs.police_history.copy()
            history[u, -1] = hidden.incidents
            values[:, self.codes.index(DISCORDANCE)] = discordance(
                history, inputs.independent_history
            ).value
        return values

    def _estimate_change(self, u: int, removed: float, rng: np.random.Generator) -> float:
        """Estimate before ÷ estimate after the hiding (NaN when the estimate is refused)."""
        table, before = self.inputs.tables[u], self.base_estimates[u]
        if table is None or before is None or removed <= 0:
            return 1.0
        if "police" not in table.lists:
            return 1.0
        after = estimate_of(thin_table(table, table.lists.index("police"), removed, rng))
        return before / after if after else float("nan")


@dataclass
class ScenarioResult:
    unit: str
    share: float
    mode: str
    score: float
    rank: int
    changes: list[float]
    ranks: list[int]

    def as_dict(self) -> dict[str, Any]:
        changes = np.asarray(self.changes)
        return {
            "unit": self.unit,
            "share": self.share,
            "mode": self.mode,
            "score": round(self.score, 4),
            "rank": self.rank,
            "draws": len(self.changes),
            "mean_change": round(float(changes.mean()), 4),
            "se_change": round(float(changes.std(ddof=1) / np.sqrt(len(changes))), 4)
            if len(changes) > 1
            else 0.0,
            "max_change": round(float(changes.max()), 4),
            "rewarded_draws": int(np.sum(changes > GAIN)),
            "mean_rank": round(float(np.mean(self.ranks)), 2),
            "best_rank": int(min(self.ranks)),
        }


def stress_run(
    inputs: StressInputs,
    *,
    units: Sequence[str] | None = None,
    shares: Sequence[float] = SHARES,
    modes: Sequence[str] = MODES,
    draws: int = 20,
    seed: int = 20240101,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the stress test; the result is plain JSON (stored and shown as it is)."""
    for mode in modes:
        if mode not in MODES:
            raise ValueError(
                _("Unknown way of hiding %(mode)s; one of %(modes)s.")
                % {"mode": mode, "modes": ", ".join(MODES)}
            )
    for share in shares:
        if not 0 < share < 1:
            raise ValueError(
                _("A share to hide is between 0 and 1, not %(share)s.") % {"share": share}
            )
    base = compute_index(inputs.units, inputs.values, inputs.method)
    simulator = Simulator(inputs)
    chosen = [inputs.units.index(u) for u in units] if units else range(len(inputs.units))
    scenarios = [(u, s, m) for u in chosen for s in shares for m in modes]
    results = []
    for n, (u, share, mode) in enumerate(scenarios):
        rng = np.random.default_rng([seed, u, int(round(share * 1000)), MODES.index(mode)])
        changes, ranks = [], []
        for _draw in range(draws):
            hidden = hide(inputs.police, u, share, mode, rng)
            after = compute_index(
                inputs.units, simulator.values_after(u, hidden, rng), inputs.method
            )
            changes.append(float(after.score[u] - base.score[u]))
            ranks.append(int(after.rank[u]))
        results.append(
            ScenarioResult(
                inputs.units[u],
                share,
                mode,
                float(base.score[u]),
                int(base.rank[u]),
                changes,
                ranks,
            )
        )
        if progress:
            progress(n + 1, len(scenarios))
    return stress_summary(results, inputs, shares, modes, draws, seed)


def stress_summary(
    results: list[ScenarioResult],
    inputs: StressInputs,
    shares: Sequence[float],
    modes: Sequence[str],
    draws: int,
    seed: int,
) -> dict[str, Any]:
    """Rows per scenario and the verdict of the issue's criterion."""
    rows = [r.as_dict() for r in results]
    total = sum(r["draws"] for r in rows)
    rewarded = sum(r["rewarded_draws"] for r in rows)
    raised = [r for r in rows if r["mean_change"] > max(1e-9, 2 * r["se_change"])]
    return {
        "method": f"{inputs.method.name}-v{inputs.method.version}",
        "units": len(inputs.units),
        "shares": list(shares),
        "modes": list(modes),
        "draws": draws,
        "seed": seed,
        "rows": rows,
        "draws_total": total,
        "rewarded_share": round(rewarded / total, 4) if total else 0.0,
        "raised_expected": [(r["unit"], r["share"], r["mode"]) for r in raised],
        "largest_gain": max((r["max_change"] for r in rows), default=0.0),
        "passes": not raised and (rewarded <= MAX_REWARDED * total),
        "notes": list(inputs.notes),
    }
