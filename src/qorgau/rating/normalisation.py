"""Normalisation and ranking over the units axis, numerically stable (pure NumPy).

Floating point makes equal figures unequal: a share of 100% computed as 7/7·100 in one region
and 13/13·100 in another can read 100 and 100.00000000000001. Min–max scaling would then give
the second 100 and the first 0, a swing of the whole indicator's weight on noise. So values of
an indicator within :data:`RELATIVE_TIE` of each other, relative to the indicator's largest
absolute value, are one value here: they are merged before normalisation
(:func:`merge_near_ties`), an indicator whose values all lie within it is *constant*
(:func:`constant_columns`; :func:`qorgau.rating.compute.compute_index` gives it no weight),
and ranks treat such values as ties (:func:`lane_ranks`). Near-ties chain: values each within
the tolerance of the next form one tie.

Every function takes an optional leading "draws" axis (units are axis -2, indicators -1).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

NORMALISATIONS = ("minmax", "zscore", "rank", "target")
RELATIVE_TIE = 1e-9


# --- nan-aware statistics over the units axis ------------------------------------------------


def nanmean(x: Array, axis: int) -> Array:
    """Mean ignoring NaN, NaN (quietly) where nothing is left."""
    count = np.sum(~np.isnan(x), axis=axis)
    total = np.nansum(x, axis=axis)
    with np.errstate(all="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def nanmedian(x: Array) -> Array:
    """Median over units ignoring NaN (NumPy's ``nanmedian`` goes through masked arrays)."""
    ordered = np.sort(x, axis=-2)  # NaN last
    count = np.sum(~np.isnan(x), axis=-2, keepdims=True)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0), axis=-2)
    high = np.take_along_axis(ordered, np.maximum(count // 2, 0), axis=-2)
    return np.where(count > 0, (low + high) / 2, np.nan)[..., 0, :]


def nanstat(function: Callable[..., Array], x: Array) -> Array:
    """A nan-aware statistic over units that returns NaN (quietly) for an empty column."""
    if not np.isnan(x).any():
        return np.asarray(function(x, axis=-2), dtype=np.float64)
    empty = np.all(np.isnan(x), axis=-2)
    safe = np.where(np.broadcast_to(np.expand_dims(empty, -2), x.shape), 0.0, x)
    return np.where(empty, np.nan, function(safe, axis=-2))


# --- near-ties -------------------------------------------------------------------------------


def tie_tolerance(lanes: Array) -> Array:
    """The tolerance of each lane (last axis): RELATIVE_TIE × its largest finite |value|.

    Relative to the lane's scale rather than to each pair, so that floating-point noise around
    zero (5.5e-17 for 0.1 + 0.2 − 0.3) is a tie with 0 in an indicator that reaches 100.
    """
    finite = np.isfinite(lanes)
    magnitude = np.max(np.where(finite, np.abs(lanes), 0.0), axis=-1, initial=0.0)
    return np.asarray(RELATIVE_TIE * magnitude, dtype=np.float64)


def merge_near_ties(x: Array) -> Array:
    """Each indicator's near-tied values (see the module) replaced by the smallest of them.

    Exact values are left alone, so data without near-ties come back unchanged (the COINr
    reproduction depends on it); NaN stays NaN.
    """
    lanes = np.moveaxis(x, -2, -1)
    order = np.argsort(lanes, axis=-1, kind="stable")  # NaN last
    ordered = np.take_along_axis(lanes, order, axis=-1)
    starts = np.ones(ordered.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        gaps = ordered[..., 1:] - ordered[..., :-1]
        starts[..., 1:] = ~(gaps <= tie_tolerance(lanes)[..., None])  # NaN gap: a new value
    position = np.arange(ordered.shape[-1])
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
    merged = np.empty_like(lanes)
    np.put_along_axis(merged, order, np.take_along_axis(ordered, first, axis=-1), axis=-1)
    return np.moveaxis(merged, -1, -2)


def constant_columns(x: Array) -> NDArray[np.bool_]:
    """Indicators (last axis) whose known values all lie within the tolerance of each other.

    Such an indicator cannot tell the units apart: min–max has no range to scale to, and any
    value given to it would only be noise or a constant offset.
    """
    return _flat(nanstat(np.nanmin, x), nanstat(np.nanmax, x))


def _flat(low: Array, high: Array) -> NDArray[np.bool_]:
    """Constant from the column's extremes: its largest |value| is max(|min|, |max|)."""
    magnitude = np.nan_to_num(np.maximum(np.abs(low), np.abs(high)))
    return np.asarray(np.nan_to_num(high - low) <= RELATIVE_TIE * magnitude, dtype=bool)


def _steady(out: Array, y: Array, flat: NDArray[np.bool_], value: float) -> Array:
    """``out`` with the known cells of constant columns set to ``value`` (NaN stays NaN)."""
    if not flat.any():
        return out
    return np.where(flat & ~np.isnan(y), value, out)


# --- normalisation ---------------------------------------------------------------------------


def normalise(
    x: Array,
    directions: Array,
    method: str = "minmax",
    scale: tuple[float, float] = (0.0, 100.0),
    targets: Array | None = None,
) -> Array:
    """Normalise each indicator over the units (axis -2), higher always better afterwards.

    * ``minmax``: lo + (hi − lo)·(x − min)/(max − min);
    * ``zscore``: (x − mean)/sd (sample sd, as R's ``sd``);
    * ``rank``: the unit's rank among the units (average for ties), scaled to [lo, hi];
    * ``target``: distance to a target (COINr ``n_dist2targ``): (x − min)/(target − min)
      scaled to [lo, hi] and capped at hi, so reaching the target is full marks.

    A constant indicator (within the tolerance) gets the middle of the scale (0 for z-scores)
    in every unit, never 0 for some and 100 for others; :func:`compute_index` leaves such an
    indicator out before it gets here, so this only guards a Monte Carlo draw.
    """
    y = x * directions
    lo, hi = scale
    low, high = nanstat(np.nanmin, y)[..., None, :], nanstat(np.nanmax, y)[..., None, :]
    flat = _flat(low, high)
    with np.errstate(all="ignore"):
        if method == "minmax":
            return _steady(lo + (hi - lo) * (y - low) / (high - low), y, flat, (lo + hi) / 2)
        if method == "zscore":
            mean = nanmean(y, axis=-2)[..., None, :]
            count = np.sum(~np.isnan(y), axis=-2)[..., None, :]
            sd = np.sqrt(np.nansum((y - mean) ** 2, axis=-2)[..., None, :] / (count - 1))
            return _steady((y - mean) / sd, y, flat, 0.0)
        if method == "rank":
            ranks = _average_ranks(y)
            count = np.sum(~np.isnan(y), axis=-2)[..., None, :]
            return _steady(lo + (hi - lo) * (ranks - 1) / (count - 1), y, flat, (lo + hi) / 2)
        if method == "target":
            if targets is None or np.isnan(targets).any():
                raise ValueError("distance-to-target normalisation needs a target per indicator")
            goal = targets * directions
            share = np.where(goal > low, (y - low) / (goal - low), 1.0)
            return lo + (hi - lo) * np.minimum(share, 1.0)
    raise ValueError(f"unknown normalisation {method!r}")


# --- ranks -----------------------------------------------------------------------------------


def _average_ranks(y: Array) -> Array:
    """Ranks along axis -2 (1 = lowest), ties averaged, NaN kept."""
    missing = np.isnan(y)
    lanes = np.moveaxis(np.where(missing, np.inf, y), -2, -1)
    ranks = lane_ranks(lanes, ties="average")
    return np.where(missing, np.nan, np.moveaxis(ranks, -1, -2))


def lane_ranks(lanes: Array, ties: str) -> Array:
    """Ranks along the last axis (1 = lowest); a tie gets its ``"average"`` or ``"min"`` rank.

    SciPy's ``rankdata`` computed with one sort per lane after laying the lanes out
    contiguously: for Monte Carlo draws (each indicator of each draw is a lane) this is several
    times faster than ``rankdata`` along a strided axis. Unlike ``rankdata``, values within the
    lane's tolerance (:func:`tie_tolerance`) are a tie.
    """
    lanes = np.ascontiguousarray(lanes)
    order = np.argsort(lanes, axis=-1)
    ordered = np.take_along_axis(lanes, order, axis=-1)
    n = lanes.shape[-1]
    position = np.arange(n, dtype=np.float64)
    starts = np.empty(ordered.shape, dtype=bool)
    starts[..., :1] = True
    with np.errstate(invalid="ignore"):  # inf − inf and NaN gaps: compared exactly
        near = ordered[..., 1:] - ordered[..., :-1] <= tie_tolerance(lanes)[..., None]
        np.not_equal(ordered[..., 1:], ordered[..., :-1], out=starts[..., 1:])
        starts[..., 1:] &= ~near
    if starts.all():
        by_order = np.broadcast_to(position + 1, ordered.shape)
    else:
        first = np.maximum.accumulate(np.where(starts, position, 0.0), axis=-1)
        if ties == "min":
            by_order = first + 1
        else:  # a tie's members share the mean of its first and last positions
            ends = np.empty_like(starts)
            ends[..., -1:] = True
            ends[..., :-1] = starts[..., 1:]
            reversed_last = np.where(ends, position, n - 1.0)[..., ::-1]
            last = np.minimum.accumulate(reversed_last, axis=-1)[..., ::-1]
            by_order = (first + last) / 2 + 1
    ranks = np.empty(lanes.shape)
    np.put_along_axis(ranks, order, by_order, axis=-1)
    return ranks


def ranks_of(scores: Array) -> Array:
    """Rank 1 = best (highest score); ties (and near-ties) share the best rank; missing last."""
    filled = np.where(np.isnan(scores), -np.inf, scores)
    return lane_ranks(-filled, ties="min")
