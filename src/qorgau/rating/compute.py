"""The composite index as pure computation over arrays: no Django, no database.

Follows the OECD/JRC Handbook (2008) and the conventions of COINr (Becker et al.), so that the
ASEM example of COINr is reproduced exactly (see ``tests/test_asem.py``):

1. imputation of missing cells (every imputed cell is flagged, never silent);
2. outlier treatment: an indicator with |skew| > 2 **and** kurtosis > 3.5 is winsorised one
   point at a time (up to 5 points); if still flagged, the original values are log-transformed
   instead (COINr ``Treat`` defaults: ``winsorise`` then ``log_CT``);
3. normalisation: min–max, z-score, rank or distance to a target, after multiplying by the
   direction so that higher is always better (:mod:`qorgau.rating.normalisation`: values
   within 1e-9 of each other, relative to the indicator's scale, are equal, and an indicator
   the same for every unit is left out, since it cannot tell them apart);
4. weighting: the method's weights, equal weights, or weights from the first principal
   component of each group's children;
5. aggregation level by level up the hierarchy (indicators → dimensions → … → index), weighted
   arithmetic or geometric mean of the children available for the unit.

Every function takes an optional leading "draws" axis so that a Monte Carlo of 10,000 draws
is one vectorised pass (``uncertainty``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qorgau.rating.normalisation import (
    Array,
    constant_columns,
    merge_near_ties,
    nanmean,
    nanmedian,
    nanstat,
    normalise,
    ranks_of,
)

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
                means = nanmean(x[..., rows, :], axis=-2)
            fill = np.broadcast_to(means[..., None, :], out[..., rows, :].shape)
            block = out[..., rows, :]
            block[np.isnan(block)] = fill[np.isnan(block)]
            out[..., rows, :] = block
    else:
        if method == "mean":
            fill = nanmean(x, axis=-2)
        elif method == "median":
            fill = nanmedian(x)
        elif method == "worst":
            worst_high = nanstat(np.nanmin, x)
            worst_low = nanstat(np.nanmax, x)
            fill = np.where(directions > 0, worst_high, worst_low)
        else:
            raise ValueError(f"unknown imputation {method!r}")
        full = np.broadcast_to(np.expand_dims(fill, -2), x.shape)
        out[missing] = full[missing]
    return out, missing & ~np.isnan(out)


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
    constant: dict[str, float] = field(default_factory=dict)  # code → the value every unit has
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
    flagged (or, under ``none``, the unit is aggregated over what it has). Values within the
    tie tolerance are merged first (:mod:`qorgau.rating.normalisation`), and an indicator that
    is then the same for every unit is left out too, listed in ``constant`` with its value:
    it cannot tell the units apart, and scaling it would turn rounding noise into 0 and 100.
    """
    data = merge_near_ties(np.asarray(data, dtype=np.float64))
    empty = [c for j, c in enumerate(method.codes) if np.all(np.isnan(data[:, j]))]
    data, method = _leave_out(data, method, empty)
    directions = directions_of(method)
    filled, imputed = impute(data, method.imputation, directions, unit_groups)
    treated, log = (
        treat(filled, method.treatment)
        if treat_data
        else (filled, [ColumnTreatment("none")] * data.shape[1])
    )
    treated = merge_near_ties(treated)
    flat = constant_columns(treated)
    constant = {c: float(np.nanmin(treated[:, j])) for j, c in enumerate(method.codes) if flat[j]}
    if constant:
        keep = ~flat
        imputed, treated, log = imputed[:, keep], treated[:, keep], _kept(log, keep)
        data, method = _leave_out(data, method, list(constant))
        directions = directions_of(method)
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
        constant=constant,
        unit_groups=list(unit_groups) if unit_groups is not None else None,
    )


def _leave_out(data: Array, method: Method, codes: list[str]) -> tuple[Array, Method]:
    """The table and the method without the indicators ``codes``; refused if none is left."""
    if not codes:
        return data, method
    if len(codes) == len(method.codes):
        raise ValueError(
            "no indicator tells the units apart: each one is missing for every unit or "
            f"the same for every unit ({', '.join(codes)})"
        )
    keep = [j for j, c in enumerate(method.codes) if c not in codes]
    return data[:, keep], method.without(set(codes))


def _kept(log: list[ColumnTreatment], keep: NDArray[np.bool_]) -> list[ColumnTreatment]:
    return [t for t, kept in zip(log, keep, strict=True) if kept]


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
