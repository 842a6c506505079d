"""Monte Carlo uncertainty, sensitivity and counterfactuals of an index (pure NumPy).

Each draw changes the uncertain inputs at once (JRC/COINr practice, Saisana et al. 2005):

* ``sampling``: every indicator value drawn from its 95% interval (a split normal: the lower
  and upper half-widths give the two standard deviations, so Poisson intervals stay skewed);
* ``weights``: every weight multiplied by U(1 − r, 1 + r) and renormalised among its siblings;
* ``normalisation``, ``aggregation``, ``imputation``: an alternative chosen uniformly from
  those the method lists (geometric aggregation works on the scores rescaled to [1, 100]).

Draws are made in fixed chunks, each from its own generator spawned from the run's seed
(``numpy.random.SeedSequence.spawn``), so the same seed gives the same draws on any machine and
with any number of threads. Within a chunk the draws axis is vectorised (no Python loop per
draw); the chunks run on a thread per core, since NumPy's array operations, sorts and random
generation release the GIL.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qorgau.rating.compute import (
    IndexResult,
    aggregate,
    directions_of,
    impute,
    targets_of,
    weight_codes,
)
from qorgau.rating.normalisation import Array, normalise, ranks_of

FACTORS = ("sampling", "weights", "normalisation", "aggregation", "imputation")
CELLS_PER_CHUNK = 500_000  # draws are made this many cells at a time (memory ~ 4 MB/array)
Z95 = 1.959963984540054


@dataclass
class UncertaintyResult:
    draws: int
    seed: int
    factors: tuple[str, ...]
    score_low: Array
    score_median: Array
    score_high: Array
    rank_low: Array
    rank_median: Array
    rank_high: Array
    above_next: Array  # P(unit scores above the unit ranked just below it)
    pairwise: Array | None  # P(row scores above column), for small tables
    sensitivity: dict[str, float]  # mean absolute rank shift when only that factor varies


def active_factors(result: IndexResult, low: Array, high: Array) -> tuple[str, ...]:
    u = result.method.uncertainty
    factors = []
    if u.sampling and np.any(np.nan_to_num(high - low) > 0):
        factors.append("sampling")
    if u.weight_range > 0:
        factors.append("weights")
    if len(set(u.normalisations) | {result.method.normalisation}) > 1:
        factors.append("normalisation")
    if len(set(u.aggregations) | {result.method.aggregation}) > 1:
        factors.append("aggregation")
    if len(set(u.imputations) | {result.method.imputation}) > 1 and result.imputed.any():
        factors.append("imputation")
    return tuple(factors)


def draw_scores(
    result: IndexResult,
    low: Array,
    high: Array,
    rng: np.random.Generator,
    count: int,
    factors: tuple[str, ...] | set[str],
) -> Array:
    """Scores of ``count`` draws (count × units) with the given factors varying."""
    method = result.method
    u = method.uncertainty
    n, k = result.raw.shape
    if "sampling" in factors:
        below = np.nan_to_num((result.raw - low) / Z95)
        above = np.nan_to_num((high - result.raw) / Z95)
        x = rng.standard_normal((count, n, k))
        x *= np.where(x < 0, below, above)
        x += result.raw
        np.maximum(x, 0.0, out=x, where=np.broadcast_to(result.raw >= 0, x.shape))
    else:
        x = np.broadcast_to(result.raw, (count, n, k)).copy()
    directions = directions_of(method)
    imputations = _options(u.imputations, method.imputation, "imputation" in factors)
    choice = rng.integers(len(imputations), size=count)
    filled = x
    if np.isnan(result.raw).any():
        for m, name in enumerate(imputations):
            rows = choice == m
            if rows.any():
                filled[rows] = impute(x[rows], name, directions, result.unit_groups)[0]
    treated = filled  # the reference's treatment (winsor limits or log), column by column
    for j, treatment in enumerate(result.treatments):
        if treatment.kind != "none":
            treated[..., j] = treatment.apply(filled[..., j])
    norms = _options(u.normalisations, method.normalisation, "normalisation" in factors)
    choice = rng.integers(len(norms), size=count)
    normalised = np.empty_like(treated)
    for m, name in enumerate(norms):
        rows = choice == m
        if rows.any():
            normalised[rows] = normalise(
                treated[rows], directions, name, method.scale, targets_of(method)
            )
    codes = weight_codes(method)
    weights = np.array([result.weights[c] for c in codes], dtype=np.float64)
    weights = np.broadcast_to(weights, (count, len(codes))).copy()
    if "weights" in factors:
        r = u.weight_range
        weights *= rng.uniform(1 - r, 1 + r, size=weights.shape)
    aggregations = _options(u.aggregations, method.aggregation, "aggregation" in factors)
    choice = rng.integers(len(aggregations), size=count)
    scores = np.empty((count, n))
    for m, name in enumerate(aggregations):
        rows = choice == m
        if not rows.any():
            continue
        values = normalised[rows]
        if name == "geometric" and method.aggregation != "geometric":
            values = 1 + 99 * normalise(values, np.ones(k), "minmax", (0.0, 1.0))
        scores[rows] = aggregate(values, method, weights[rows], name)[method.top]
    return scores


def _options(alternatives: tuple[str, ...], reference: str, varying: bool) -> list[str]:
    if not varying:
        return [reference]
    return [reference, *[a for a in alternatives if a != reference]]


def monte_carlo(
    result: IndexResult,
    low: Array,
    high: Array,
    *,
    draws: int | None = None,
    seed: int | None = None,
    sensitivity_draws: int = 300,
    progress: Callable[[int, int], None] | None = None,
) -> UncertaintyResult:
    """Score and rank intervals (5th–95th percentile: a 90% interval) over ``draws`` draws."""
    u = result.method.uncertainty
    draws = u.draws if draws is None else draws
    seed = u.seed if seed is None else seed
    factors = active_factors(result, low, high)
    n = len(result.units)
    reference = result.rank
    if draws <= 0 or n == 0:
        return _degenerate(result, seed, factors)
    draws_rng, sensitivity_rng = np.random.SeedSequence(seed).spawn(2)
    scores = draw_many(result, low, high, draws, draws_rng, factors, progress)
    ranks = ranks_of(scores)
    order = np.argsort(reference, kind="stable")
    above_next = np.full(n, np.nan)
    for position in range(n - 1):
        a, b = order[position], order[position + 1]
        above_next[a] = float(np.mean(scores[:, a] > scores[:, b]))
    pairwise = None
    if n <= 60:
        pairwise = np.mean(scores[:, :, None] > scores[:, None, :], axis=0)
    sensitivity = {}
    for factor, factor_seed in zip(factors, sensitivity_rng.spawn(len(factors)), strict=True):
        rng = np.random.default_rng(factor_seed)
        shifted = ranks_of(draw_scores(result, low, high, rng, sensitivity_draws, {factor}))
        sensitivity[factor] = float(np.mean(np.abs(shifted - reference)))
    sensitivity["all"] = float(np.mean(np.abs(ranks - reference)))
    s_low, s_mid, s_high = np.nanpercentile(scores, [5, 50, 95], axis=0)
    r_low, r_mid, r_high = np.percentile(ranks, [5, 50, 95], axis=0)
    return UncertaintyResult(
        draws=draws,
        seed=seed,
        factors=factors,
        score_low=s_low,
        score_median=s_mid,
        score_high=s_high,
        rank_low=np.floor(r_low),
        rank_median=r_mid,
        rank_high=np.ceil(r_high),
        above_next=above_next,
        pairwise=pairwise,
        sensitivity=sensitivity,
    )


def draw_many(
    result: IndexResult,
    low: Array,
    high: Array,
    draws: int,
    seed: np.random.SeedSequence,
    factors: tuple[str, ...],
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> Array:
    """Scores of ``draws`` draws (draws × units), chunk by chunk on ``workers`` threads.

    Chunk ``i`` always uses the ``i``-th generator spawned from ``seed`` and writes its own
    rows, so the result does not depend on the number of threads or their timing. ``progress``
    is called from the calling thread (it may write to the database).
    """
    scores = np.empty((draws, len(result.units)))
    chunk = chunk_size(result)
    starts = range(0, draws, chunk)

    def one(start: int, chunk_seed: np.random.SeedSequence) -> int:
        size = min(chunk, draws - start)
        rng = np.random.default_rng(chunk_seed)
        scores[start : start + size] = draw_scores(result, low, high, rng, size, factors)
        return size

    jobs = list(zip(starts, seed.spawn(len(starts)), strict=True))
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    done = 0
    if workers <= 1:
        for job in jobs:
            done += one(*job)
            if progress:
                progress(done, draws)
        return scores
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in as_completed([pool.submit(one, *job) for job in jobs]):
            done += future.result()
            if progress:
                progress(done, draws)
    return scores


def chunk_size(result: IndexResult) -> int:
    """Draws per vectorised pass; fixed by the table's shape, so a seed gives the same draws."""
    return max(100, CELLS_PER_CHUNK // max(result.raw.size, 1))


def _degenerate(result: IndexResult, seed: int, factors: tuple[str, ...]) -> UncertaintyResult:
    score, rank = result.score, result.rank
    return UncertaintyResult(
        draws=0,
        seed=seed,
        factors=factors,
        score_low=score,
        score_median=score,
        score_high=score,
        rank_low=rank,
        rank_median=rank,
        rank_high=rank,
        above_next=np.full(len(score), np.nan),
        pairwise=None,
        sensitivity={},
    )


def improvements(result: IndexResult, step: float = 10.0) -> tuple[Array, Array]:
    """What would move each unit most: for every unit and indicator, the score gain and the new
    rank if that indicator's normalised score rose by ``step`` points (capped at the top of the
    scale), everything else unchanged. Returns (gain, rank) arrays of units × indicators."""
    n, k = result.normalised.shape
    top = result.method.scale[1] if result.method.normalisation != "zscore" else np.inf
    batch = np.broadcast_to(result.normalised, (n * k, n, k)).copy()
    units = np.repeat(np.arange(n), k)
    columns = np.tile(np.arange(k), n)
    batch[np.arange(n * k), units, columns] = np.minimum(
        batch[np.arange(n * k), units, columns] + step, top
    )
    scores = aggregate(batch, result.method, result.weights, result.method.aggregation)[
        result.method.top
    ]
    own = scores[np.arange(n * k), units]
    ranks = ranks_of(scores)[np.arange(n * k), units]
    gain = (own - result.score[units]).reshape(n, k)
    rank = ranks.reshape(n, k)
    missing: NDArray[np.bool_] = np.isnan(result.normalised)
    return np.where(missing, np.nan, gain), np.where(missing, np.nan, rank)
