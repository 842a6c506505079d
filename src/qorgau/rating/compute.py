"""The composite index as pure computation over arrays: no Django, no database.

Follows the OECD/JRC Handbook (2008) and the conventions of COINr (Becker et al.), so that the
ASEM example of COINr is reproduced exactly (see ``tests/test_asem.py``):

1. imputation of missing cells (every imputed cell is flagged, never silent);
2. outlier treatment: an indicator with |skew| > 2 **and** kurtosis > 3.5 is winsorised one
   point at a time (up to 5 points); if still flagged, the original values are log-transformed
   instead (COINr ``Treat`` defaults: ``winsorise`` then ``log_CT``);
3. normalisation: min–max, z-score, rank or distance to a target, after multiplying by the
   direction so that higher is always better;
4. weighting: the method's weights, equal weights, or weights from the first principal
   component of each group's children;
5. aggregation level by level up the hierarchy (indicators → dimensions → … → index), weighted
   arithmetic or geometric mean of the children available for the unit.

Every function takes an optional leading "draws" axis so that a Monte Carlo of 10,000 draws
is one vectorised pass (``uncertainty``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

NORMALISATIONS = ("minmax", "zscore", "rank", "target")
AGGREGATIONS = ("arithmetic", "geometric")
WEIGHTINGS = ("expert", "equal", "pca")
IMPUTATIONS = ("none", "mean", "median", "group_mean", "worst")
OUTLIER_TREATMENTS = ("none", "winsorise", "log")


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    direction: int
    weight: float
    parent: str
    target: float | None = None
    denominator: str | None = None


@dataclass(frozen=True)
class GroupSpec:
    code: str
    weight: float
    parent: str | None


@dataclass(frozen=True)
class Treatment:
    """Outlier rule: COINr ``Treat`` defaults."""

    method: str = "winsorise"  # none | winsorise (then log if still flagged) | log
    skew: float = 2.0
    kurtosis: float = 3.5
    winmax: int = 5
    then_log: bool = True


@dataclass(frozen=True)
class Uncertainty:
    draws: int = 1000
    seed: int = 20240101
    weight_range: float = 0.25
    sampling: bool = True
    normalisations: tuple[str, ...] = ("minmax",)
    aggregations: tuple[str, ...] = ("arithmetic",)
    imputations: tuple[str, ...] = ()
    real_difference: float = 0.9


@dataclass(frozen=True)
class Method:
    """Everything a method file says, checked (see :mod:`qorgau.rating.methods`)."""

    name: str
    version: int
    indicators: tuple[IndicatorSpec, ...]
    groups: tuple[GroupSpec, ...]
    normalisation: str = "minmax"
    scale: tuple[float, float] = (0.0, 100.0)
    aggregation: str = "arithmetic"
    weighting: str = "expert"
    imputation: str = "none"
    imputation_group: str | None = None
    treatment: Treatment = field(default_factory=Treatment)
    uncertainty: Uncertainty = field(default_factory=Uncertainty)
    flags: tuple[dict[str, Any], ...] = ()

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    @property
    def top(self) -> str:
        return next(g.code for g in self.groups if g.parent is None)

    def without(self, dropped: set[str]) -> Method:
        """The method with some indicators left out, and any group left without children."""
        indicators = tuple(i for i in self.indicators if i.code not in dropped)
        groups = list(self.groups)
        while True:
            parents = {i.parent for i in indicators} | {g.parent for g in groups if g.parent}
            kept = [g for g in groups if g.code in parents or g.parent is None]
            if len(kept) == len(groups):
                break
            groups = kept
        return _replace(self, indicators=indicators, groups=tuple(groups))


def _replace(method: Method, **changes: Any) -> Method:
    from dataclasses import replace

    return replace(method, **changes)


# --- descriptive statistics (COINr's definitions, i.e. e1071 type 2 = Excel) ----------------


def skewness(x: Array) -> float:
    x = x[~np.isnan(x)]
    n = len(x)
    if n < 3:
        return float("nan")
    d = x - x.mean()
    denominator = np.sum(d**2) ** 1.5
    if denominator == 0:
        return 0.0
    y = np.sqrt(n) * np.sum(d**3) / denominator
    return float(y * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: Array) -> float:
    x = x[~np.isnan(x)]
    n = len(x)
    if n < 4:
        return float("nan")
    d = x - x.mean()
    denominator = np.sum(d**2) ** 2
    if denominator == 0:
        return 0.0
    r = n * np.sum(d**4) / denominator
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def flagged(x: Array, treatment: Treatment) -> bool:
    """COINr ``check_SkewKurt``: fails only when |skew| and kurtosis are both high."""
    s, k = skewness(x), kurtosis(x)
    if np.isnan(s) or np.isnan(k):
        return False
    return bool(abs(s) >= treatment.skew and k >= treatment.kurtosis)


# --- 1. imputation ---------------------------------------------------------------------------


def impute(
    x: Array, method: str, directions: Array, groups: Sequence[str] | None = None
) -> tuple[Array, NDArray[np.bool_]]:
    """Fill missing cells column by column; returns the data and the mask of imputed cells.

    ``mean``/``median``: of the other units; ``group_mean``: of the units in the same group
    (COINr ``i_mean_grp``); ``worst``: the worst observed value, so that a unit never gains by
    not reporting; ``none``: leave missing (aggregation then uses the children available).
    Works on (units, indicators) or (draws, units, indicators).
    """
    missing = np.isnan(x)
    if method == "none" or not missing.any():
        return x, np.zeros_like(missing) if method == "none" else missing
    out = x.copy()
    if method == "group_mean":
        if groups is None:
            raise ValueError("group_mean imputation needs a group for every unit")
        labels = np.asarray(groups)
        for label in np.unique(labels):
            rows = labels == label
            with np.errstate(all="ignore"):
                means = _nanmean(x[..., rows, :], axis=-2)
            fill = np.broadcast_to(means[..., None, :], out[..., rows, :].shape)
            block = out[..., rows, :]
            block[np.isnan(block)] = fill[np.isnan(block)]
            out[..., rows, :] = block
    else:
        if method == "mean":
            fill = _nanmean(x, axis=-2)
        elif method == "median":
            fill = _nanmedian(x)
        elif method == "worst":
            worst_high = _nanstat(np.nanmin, x)
            worst_low = _nanstat(np.nanmax, x)
            fill = np.where(directions > 0, worst_high, worst_low)
        else:
            raise ValueError(f"unknown imputation {method!r}")
        full = np.broadcast_to(np.expand_dims(fill, -2), x.shape)
        out[missing] = full[missing]
    return out, missing & ~np.isnan(out)


def _nanmean(x: Array, axis: int) -> Array:
    count = np.sum(~np.isnan(x), axis=axis)
    total = np.nansum(x, axis=axis)
    with np.errstate(all="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _nanmedian(x: Array) -> Array:
    """Median over units ignoring NaN (NumPy's ``nanmedian`` goes through masked arrays)."""
    ordered = np.sort(x, axis=-2)  # NaN last
    count = np.sum(~np.isnan(x), axis=-2, keepdims=True)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0), axis=-2)
    high = np.take_along_axis(ordered, np.maximum(count // 2, 0), axis=-2)
    return np.where(count > 0, (low + high) / 2, np.nan)[..., 0, :]


def _nanstat(function: Callable[..., Array], x: Array) -> Array:
    """A nan-aware statistic over units that returns NaN (quietly) for an empty column."""
    if not np.isnan(x).any():
        return np.asarray(function(x, axis=-2), dtype=np.float64)
    empty = np.all(np.isnan(x), axis=-2)
    safe = np.where(np.broadcast_to(np.expand_dims(empty, -2), x.shape), 0.0, x)
    return np.where(empty, np.nan, function(safe, axis=-2))


# --- 2. outlier treatment ------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnTreatment:
    """What was done to one indicator, reusable on Monte Carlo draws of it."""

    kind: str  # none | winsorised | log
    low: float = -np.inf
    high: float = np.inf
    points: int = 0
    shift_min: float = 0.0
    shift_range: float = 0.0
    skew: float = 0.0
    kurtosis: float = 0.0

    def apply(self, x: Array) -> Array:
        if self.kind == "winsorised":
            return np.clip(x, self.low, self.high)
        if self.kind == "log":
            with np.errstate(all="ignore"):
                return np.log(np.maximum(x - self.shift_min + 0.01 * self.shift_range, 1e-12))
        return x


def winsorise(x: Array, treatment: Treatment) -> tuple[Array, int]:
    """COINr ``winsorise``: replace the extreme value(s) by the next one until the check passes.

    Whether the high or the low end is treated follows the sign of the skew at each step; the
    count of treated points is COINr's (the points tied at the extreme at the last step).
    """
    x = x.copy()
    count = 0
    last_high: NDArray[np.intp] = np.array([], dtype=np.intp)
    last_low: NDArray[np.intp] = np.array([], dtype=np.intp)
    while flagged(x, treatment) and count < treatment.winmax:
        valid = x[~np.isnan(x)]
        if skewness(x) >= 0:
            last_high = np.flatnonzero(x == valid.max())
            x[last_high] = np.nanmax(np.delete(x, last_high))
        else:
            last_low = np.flatnonzero(x == valid.min())
            x[last_low] = np.nanmin(np.delete(x, last_low))
        count = len(last_high) + len(last_low)
    return x, count


def treat_column(x: Array, treatment: Treatment) -> tuple[Array, ColumnTreatment]:
    s, k = skewness(x), kurtosis(x)
    if treatment.method == "none" or len(x[~np.isnan(x)]) < 4 or not flagged(x, treatment):
        return x, ColumnTreatment("none", skew=s, kurtosis=k)
    if treatment.method == "winsorise":
        treated, points = winsorise(x, treatment)
        if not flagged(treated, treatment) or not treatment.then_log:
            return treated, ColumnTreatment(
                "winsorised",
                low=float(np.nanmin(treated)),
                high=float(np.nanmax(treated)),
                points=points,
                skew=s,
                kurtosis=k,
            )
    low, high = float(np.nanmin(x)), float(np.nanmax(x))
    log = ColumnTreatment("log", shift_min=low, shift_range=high - low, skew=s, kurtosis=k)
    return log.apply(x), log


def treat(x: Array, treatment: Treatment) -> tuple[Array, list[ColumnTreatment]]:
    """Treat every column of a (units, indicators) table."""
    out = x.copy()
    log = []
    for j in range(x.shape[1]):
        out[:, j], done = treat_column(x[:, j], treatment)
        log.append(done)
    return out, log


# --- 3. normalisation ------------------------------------------------------------------------


def normalise(
    x: Array,
    directions: Array,
    method: str = "minmax",
    scale: tuple[float, float] = (0.0, 100.0),
    targets: Array | None = None,
) -> Array:
    """Normalise each indicator over the units (axis -2), higher always better afterwards.

    * ``minmax``: lo + (hi − lo)·(x − min)/(max − min); a constant column gets the middle;
    * ``zscore``: (x − mean)/sd (sample sd, as R's ``sd``);
    * ``rank``: the unit's rank among the units (average for ties), scaled to [lo, hi];
    * ``target``: distance to a target (COINr ``n_dist2targ``): (x − min)/(target − min)
      scaled to [lo, hi] and capped at hi, so reaching the target is full marks.
    """
    y = x * directions
    lo, hi = scale
    with np.errstate(all="ignore"):
        if method == "minmax":
            low = _nanstat(np.nanmin, y)[..., None, :]
            span = _nanstat(np.nanmax, y)[..., None, :] - low
            return np.where(span > 0, lo + (hi - lo) * (y - low) / span, (lo + hi) / 2)
        if method == "zscore":
            mean = _nanmean(y, axis=-2)[..., None, :]
            count = np.sum(~np.isnan(y), axis=-2)[..., None, :]
            sd = np.sqrt(np.nansum((y - mean) ** 2, axis=-2)[..., None, :] / (count - 1))
            return np.where(sd > 0, (y - mean) / sd, 0.0)
        if method == "rank":
            ranks = _average_ranks(y)
            count = np.sum(~np.isnan(y), axis=-2)[..., None, :]
            return np.where(count > 1, lo + (hi - lo) * (ranks - 1) / (count - 1), (lo + hi) / 2)
        if method == "target":
            if targets is None or np.isnan(targets).any():
                raise ValueError("distance-to-target normalisation needs a target per indicator")
            goal = targets * directions
            low = _nanstat(np.nanmin, y)[..., None, :]
            share = np.where(goal > low, (y - low) / (goal - low), 1.0)
            return lo + (hi - lo) * np.minimum(share, 1.0)
    raise ValueError(f"unknown normalisation {method!r}")


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
    times faster than ``rankdata`` along a strided axis.
    """
    lanes = np.ascontiguousarray(lanes)
    order = np.argsort(lanes, axis=-1)
    ordered = np.take_along_axis(lanes, order, axis=-1)
    n = lanes.shape[-1]
    position = np.arange(n, dtype=np.float64)
    starts = np.empty(ordered.shape, dtype=bool)
    starts[..., :1] = True
    np.not_equal(ordered[..., 1:], ordered[..., :-1], out=starts[..., 1:])
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


# --- 4. weights ------------------------------------------------------------------------------


def weights_for(method: Method, normalised: Array | None = None) -> dict[str, float]:
    """Weight of every indicator and group (relative to its siblings)."""
    weights = {i.code: i.weight for i in method.indicators}
    weights.update({g.code: g.weight for g in method.groups})
    if method.weighting == "equal":
        return dict.fromkeys(weights, 1.0)
    if method.weighting == "pca":
        if normalised is None:
            raise ValueError("PCA weights need the normalised data")
        for group in method.groups:
            children = [j for j, i in enumerate(method.indicators) if i.parent == group.code]
            for j, w in zip(children, pca_weights(normalised[:, children]), strict=True):
                weights[method.indicators[j].code] = w
    return weights


def pca_weights(x: Array) -> list[float]:
    """Squared loadings of the first principal component of the correlation matrix.

    The JRC practice (Nardo et al. 2008, §6.1): weights proportional to the share of the
    common variance each indicator carries. One or constant indicators → equal weights.
    """
    k = x.shape[1]
    rows = x[~np.isnan(x).any(axis=1)]
    if k < 2 or len(rows) < 3 or np.any(rows.std(axis=0) == 0):
        return [1.0 / k] * k
    correlation = np.corrcoef(rows, rowvar=False)
    values, vectors = np.linalg.eigh(correlation)
    loadings = vectors[:, -1] ** 2
    total = loadings.sum()
    return [float(v / total) for v in loadings] if total > 0 else [1.0 / k] * k


# --- 5. aggregation --------------------------------------------------------------------------


def aggregate(
    normalised: Array, method: Method, weights: dict[str, float] | Array, aggregation: str
) -> dict[str, Array]:
    """Values of every group, level by level (COINr ``Aggregate``), over the units axis.

    ``weights`` is a dict code → weight, or an array (…draws, codes) in the order of
    :func:`weight_codes` for Monte Carlo draws. A unit's missing child is skipped and the
    weights of the others renormalised (COINr ``a_amean``/``a_gmean`` with ``na.rm``).
    """
    codes = weight_codes(method)
    if isinstance(weights, dict):
        w = np.array([weights[c] for c in codes], dtype=np.float64)
    else:
        w = weights
    position = {c: n for n, c in enumerate(codes)}
    values: dict[str, Array] = {i.code: normalised[..., j] for j, i in enumerate(method.indicators)}
    for group in _bottom_up(method):
        children = [i.code for i in method.indicators if i.parent == group.code]
        children += [g.code for g in method.groups if g.parent == group.code]
        stack = np.stack([values[c] for c in children], axis=-1)
        cw = w[..., [position[c] for c in children]]
        if not np.isnan(stack).any():  # the usual case after imputation: no masking needed
            values[group.code] = _complete_mean(stack, cw, aggregation)
            continue
        cw = np.expand_dims(cw, -2) if cw.ndim == stack.ndim - 1 else cw
        cw = np.broadcast_to(cw, stack.shape)
        present = ~np.isnan(stack)
        total = np.sum(np.where(present, cw, 0.0), axis=-1)
        with np.errstate(all="ignore"):
            if aggregation == "arithmetic":
                combined = np.sum(np.where(present, cw * stack, 0.0), axis=-1) / total
            elif aggregation == "geometric":
                logs = np.log(np.where(present, np.maximum(stack, 1e-12), 1.0))
                combined = np.exp(np.sum(np.where(present, cw * logs, 0.0), axis=-1) / total)
            else:
                raise ValueError(f"unknown aggregation {aggregation!r}")
        values[group.code] = np.where(total > 0, combined, np.nan)
    return values


def _complete_mean(stack: Array, weights: Array, aggregation: str) -> Array:
    """Weighted arithmetic or geometric mean over the last axis of a table without gaps.

    ``weights`` is (children,) or (…draws, children); the same result as the masked path of
    :func:`aggregate`, as one matrix product per level instead of masked sums.
    """
    if aggregation not in ("arithmetic", "geometric"):
        raise ValueError(f"unknown aggregation {aggregation!r}")
    total = weights.sum(axis=-1)
    terms = stack if aggregation == "arithmetic" else np.log(np.maximum(stack, 1e-12))
    if weights.ndim == 1:
        combined = terms @ (weights / total) if total > 0 else np.full(terms.shape[:-1], np.nan)
    else:
        with np.errstate(all="ignore"):
            shares = weights / total[..., None]
        combined = np.einsum("...nc,...c->...n", terms, shares)
        combined = np.where(total[..., None] > 0, combined, np.nan)
    return combined if aggregation == "arithmetic" else np.exp(combined)


def weight_codes(method: Method) -> list[str]:
    return [i.code for i in method.indicators] + [g.code for g in method.groups]


def _bottom_up(method: Method) -> list[GroupSpec]:
    depth: dict[str, int] = {}

    def level(code: str | None) -> int:
        if code is None:
            return 0
        if code not in depth:
            parent = next(g.parent for g in method.groups if g.code == code)
            depth[code] = level(parent) + 1
        return depth[code]

    return sorted(method.groups, key=lambda g: -level(g.code))


def effective_weights(method: Method, weights: dict[str, float]) -> dict[str, float]:
    """Each indicator's share of the index: the product of normalised weights up the tree."""
    parents = {i.code: i.parent for i in method.indicators}
    parents.update({g.code: g.parent for g in method.groups if g.parent})
    siblings: dict[str | None, float] = {}
    for code, parent in parents.items():
        siblings[parent] = siblings.get(parent, 0.0) + weights[code]
    out = {}
    for i in method.indicators:
        share, code = 1.0, i.code
        while code in parents:
            share *= weights[code] / siblings[parents[code]]
            code = parents[code]
        out[i.code] = share
    return out


def ranks_of(scores: Array) -> Array:
    """Rank 1 = best (highest score); ties share the best rank; missing scores rank last."""
    filled = np.where(np.isnan(scores), -np.inf, scores)
    return lane_ranks(-filled, ties="min")


# --- the whole pipeline ----------------------------------------------------------------------


@dataclass
class IndexResult:
    """A deterministic run of a method over a units × indicators table."""

    units: list[str]
    method: Method
    raw: Array
    imputed: NDArray[np.bool_]
    treated: Array
    treatments: list[ColumnTreatment]
    normalised: Array
    weights: dict[str, float]
    groups: dict[str, Array]
    contributions: Array
    dropped: list[str]
    unit_groups: list[str] | None = None

    @property
    def score(self) -> Array:
        return self.groups[self.method.top]

    @property
    def rank(self) -> Array:
        return ranks_of(self.score)


def directions_of(method: Method) -> Array:
    return np.array([i.direction for i in method.indicators], dtype=np.float64)


def targets_of(method: Method) -> Array:
    return np.array(
        [np.nan if i.target is None else i.target for i in method.indicators], dtype=np.float64
    )


def compute_index(
    units: Sequence[str],
    data: Array,
    method: Method,
    *,
    unit_groups: Sequence[str] | None = None,
    treat_data: bool = True,
) -> IndexResult:
    """Run the method on ``data`` (units × the method's indicators, NaN = missing).

    An indicator with no value for any unit is left out (its weight goes to its siblings) and
    listed in ``dropped``; a cell missing for one unit is imputed by the method's rule and
    flagged (or, under ``none``, the unit is aggregated over what it has).
    """
    data = np.asarray(data, dtype=np.float64)
    empty = [c for j, c in enumerate(method.codes) if np.all(np.isnan(data[:, j]))]
    if empty:
        keep = [j for j, c in enumerate(method.codes) if c not in empty]
        data = data[:, keep]
        method = method.without(set(empty))
    directions = directions_of(method)
    filled, imputed = impute(data, method.imputation, directions, unit_groups)
    treated, log = (
        treat(filled, method.treatment)
        if treat_data
        else (filled, [ColumnTreatment("none")] * data.shape[1])
    )
    normalised = normalise(
        treated, directions, method.normalisation, method.scale, targets_of(method)
    )
    weights = weights_for(method, normalised)
    groups = aggregate(normalised, method, weights, method.aggregation)
    contributions = _contributions(method, normalised, weights, groups[method.top])
    return IndexResult(
        units=list(units),
        method=method,
        raw=data,
        imputed=imputed,
        treated=treated,
        treatments=log,
        normalised=normalised,
        weights=weights,
        groups=groups,
        contributions=contributions,
        dropped=empty,
        unit_groups=list(unit_groups) if unit_groups is not None else None,
    )


def _contributions(
    method: Method, normalised: Array, weights: dict[str, float], score: Array
) -> Array:
    """Points of the index each indicator brings (they add up to the score).

    Arithmetic: effective weight × normalised score, rescaled over the indicators the unit
    has. Geometric: the index split in proportion to each indicator's weighted log.
    """
    share = np.array([effective_weights(method, weights)[c] for c in method.codes])
    present = ~np.isnan(normalised)
    w = np.where(present, share, 0.0)
    with np.errstate(all="ignore"):
        if method.aggregation == "geometric":
            logs = np.where(present, w * np.log(np.maximum(normalised, 1e-12)), 0.0)
            total = logs.sum(axis=1, keepdims=True)
            parts = np.where(total != 0, logs / total, 0.0)
            return parts * score[:, None]
        parts = w * np.where(present, normalised, 0.0)
        raw = parts.sum(axis=1, keepdims=True)
        return np.where(raw != 0, parts * (score[:, None] / raw), 0.0)


def denominate(values: Array, denominators: Array) -> Array:
    """COINr ``Denominate``: divide an indicator by its denominator (e.g. GDP, population)."""
    with np.errstate(all="ignore"):
        return values / denominators
