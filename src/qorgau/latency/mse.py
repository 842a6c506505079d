"""Multiple-systems estimation (capture–recapture over several lists): pure functions.

Numbers in, numbers out: no Django models, no database. ``methods.md`` §1 is the reference:

* two lists: Lincoln–Petersen and Chapman, with Seber's variance and a log-normal interval
  on the dark figure (Chao 1987);
* three or more lists: Poisson log-linear models over all ``2^k − 1`` observable capture
  patterns (unobserved patterns are zero cells), fitted with statsmodels' GLM. A pairwise term
  whose two lists share nobody has an MLE of −∞; as in SparseMSE it is then *fixed* at −∞ by
  deleting every cell that contains both lists (Chan, Silverman & Vincent 2019/2021);
* model selection: ``stepwise`` (CSV 2021: forward, one-sided Poisson p-value of the pair's
  overlap under the current model, threshold 0.02, candidates whose extended MLE would not
  exist or not be identifiable discarded by the Fienberg–Rinaldo linear program and a rank
  check), ``aic``, ``bic`` (forward by the criterion, exhaustive for up to four lists) and
  ``independence`` (main effects only);
* the interval of a fitted model is log-normal on the dark figure, ``n + exp(α̂0 ± z·se)``
  (SparseMSE ``estimatepopulation.0``); a bootstrap repeats the selection in every replicate,
  the only interval here that carries model uncertainty;
* the Chao lower bound as a check, and the estimates of every selection rule side by side.

A data set the method cannot support raises :class:`EstimationRefused` with a translatable
reason instead of returning a number.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from scipy import optimize, special, stats

SELECTIONS = ("stepwise", "bic", "aic", "independence")
P_THRESHOLD = 0.02
Z95 = float(stats.norm.ppf(0.975))
# Above this standard error of log(dark figure) the interval spans orders of magnitude and
# the number says nothing; the data are refused rather than published.
MAX_LOG_SE = 3.0

Pair = tuple[int, int]


class EstimationRefused(Exception):
    """The data cannot support an estimate; ``reason`` says why (translatable)."""

    def __init__(self, reason: str | Promise, *, code: str) -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class CaptureTable:
    """Counts of every observable capture pattern of ``lists`` (the all-zero one excluded)."""

    lists: tuple[str, ...]
    patterns: np.ndarray  # (2^k − 1, k) of 0/1, ordered by number of lists, then binary
    counts: np.ndarray  # (2^k − 1,) of non-negative integers

    @classmethod
    def from_counts(
        cls, lists: Sequence[str], counts: Mapping[tuple[int, ...], int]
    ) -> CaptureTable:
        k = len(lists)
        if k < 2:
            raise EstimationRefused(_("At least two lists are needed."), code="too_few_lists")
        patterns = [p for p in itertools.product((0, 1), repeat=k) if any(p)]
        patterns.sort(key=lambda p: (sum(p), tuple(-v for v in p)))
        index = {p: i for i, p in enumerate(patterns)}
        values = np.zeros(len(patterns), dtype=np.int64)
        for pattern, count in counts.items():
            key = tuple(int(v) for v in pattern)
            if len(key) != k or key not in index:
                if len(key) == k and not any(key):
                    continue  # the dark figure is never observed
                raise ValueError(f"pattern {pattern} does not fit {k} lists")
            if count < 0:
                raise ValueError(f"negative count for pattern {pattern}")
            values[index[key]] += int(count)
        return cls(tuple(lists), np.asarray(patterns, dtype=np.int64), values)

    @property
    def observed(self) -> int:
        return int(self.counts.sum())

    def list_totals(self) -> dict[str, int]:
        totals = self.patterns.T @ self.counts
        return {name: int(t) for name, t in zip(self.lists, totals, strict=True)}

    def overlap(self, pair: Pair) -> int:
        i, j = pair
        return int((self.patterns[:, i] * self.patterns[:, j] * self.counts).sum())

    def frequencies(self) -> dict[int, int]:
        """f_k: individuals seen on exactly k lists."""
        seen_on = self.patterns.sum(axis=1)
        return {int(k): int(self.counts[seen_on == k].sum()) for k in range(1, len(self.lists) + 1)}

    def pair_name(self, pair: Pair) -> str:
        return f"{self.lists[pair[0]]}:{self.lists[pair[1]]}"

    def with_counts(self, counts: np.ndarray) -> CaptureTable:
        return CaptureTable(self.lists, self.patterns, np.asarray(counts, dtype=np.int64))


@dataclass(frozen=True)
class Fit:
    """One fitted log-linear model."""

    terms: tuple[Pair, ...]  # pairwise terms in the model, in order of addition
    empty: tuple[Pair, ...]  # those fixed at −∞ (no overlap)
    observed: int
    dark: float
    log_dark_se: float
    aic: float
    bic: float
    deviance: float
    cells: np.ndarray  # indices of the cells kept in the fit
    fitted: np.ndarray  # fitted means of those cells

    @property
    def estimate(self) -> float:
        return self.observed + self.dark

    def interval(self, z: float = Z95) -> tuple[float, float]:
        log_dark = math.log(self.dark) if self.dark > 0 else -math.inf
        return (
            self.observed + math.exp(log_dark - z * self.log_dark_se),
            self.observed + math.exp(log_dark + z * self.log_dark_se),
        )


@dataclass
class Estimate:
    """What an estimation returns: the number, its interval and what it rests on."""

    method: str
    selection: str
    lists: tuple[str, ...]
    observed: int
    estimate: float
    ci_low: float
    ci_high: float
    interval: str
    model: list[str]
    registered: dict[str, int]
    chao: float | None = None
    lincoln_petersen: float | None = None
    bootstrap: dict[str, Any] | None = None
    spread: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    exclusive: list[str] = field(default_factory=list)  # pairs fixed at −∞ (no overlap)

    @property
    def dark(self) -> float:
        return self.estimate - self.observed

    def as_dict(self) -> dict[str, Any]:
        return {
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "interval": self.interval,
            "observed": self.observed,
            "dark_figure": self.dark,
            "method": self.method,
            "selection": self.selection,
            "model": list(self.model),
            "exclusive_pairs": list(self.exclusive),
            "lists": list(self.lists),
            "registered": dict(self.registered),
            "chao_lower_bound": self.chao,
            "lincoln_petersen": self.lincoln_petersen,
            "bootstrap": self.bootstrap,
            "spread": self.spread,
            "warnings": list(self.warnings),
        }


# --- two lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TwoListEstimate:
    lincoln_petersen: float
    chapman: float
    chapman_se: float
    ci_low: float
    ci_high: float


def two_list(n1: int, n2: int, m: int, z: float = Z95) -> TwoListEstimate:
    """Lincoln–Petersen and Chapman, Seber's variance, log-normal interval on the dark figure."""
    if m <= 0:
        raise EstimationRefused(
            _("The two lists share nobody, so the number missed by both cannot be estimated."),
            code="no_overlap",
        )
    if m > min(n1, n2):
        raise ValueError("the overlap cannot exceed either list")
    lp = n1 * n2 / m
    chapman = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    variance = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    observed = n1 + n2 - m
    dark = chapman - observed
    if dark <= 0 or variance <= 0:
        return TwoListEstimate(lp, chapman, math.sqrt(max(variance, 0.0)), chapman, chapman)
    factor = math.exp(z * math.sqrt(math.log(1 + variance / dark**2)))
    return TwoListEstimate(
        lp, chapman, math.sqrt(variance), observed + dark / factor, observed + dark * factor
    )


# --- Chao lower bound -----------------------------------------------------------------------


def chao_lower_bound(observed: int, f1: int, f2: int) -> float:
    """Chao (1987): n + f1²/(2 f2); the bias-corrected n + f1(f1−1)/2 when f2 is 0."""
    if f2 > 0:
        return observed + f1 * f1 / (2 * f2)
    return observed + f1 * (f1 - 1) / 2


def chao_of(table: CaptureTable) -> float:
    f = table.frequencies()
    return chao_lower_bound(table.observed, f.get(1, 0), f.get(2, 0))


# --- log-linear models ----------------------------------------------------------------------


def _kept_cells(table: CaptureTable, terms: Sequence[Pair]) -> tuple[np.ndarray, list[Pair]]:
    """Cells left after fixing the empty-overlap terms at −∞, and those terms."""
    keep = np.ones(len(table.counts), dtype=bool)
    empty = []
    for pair in terms:
        if table.overlap(pair) == 0:
            empty.append(pair)
            keep &= ~((table.patterns[:, pair[0]] == 1) & (table.patterns[:, pair[1]] == 1))
    return np.flatnonzero(keep), empty


def design(table: CaptureTable, terms: Sequence[Pair]) -> tuple[np.ndarray, np.ndarray, list[Pair]]:
    """Model matrix (intercept, main effects, overlapping pairs) over the kept cells."""
    cells, empty = _kept_cells(table, terms)
    patterns = table.patterns[cells]
    columns = [np.ones(len(cells)), *patterns.T.astype(float)]
    for pair in terms:
        if pair not in empty:
            columns.append((patterns[:, pair[0]] * patterns[:, pair[1]]).astype(float))
    return np.column_stack(columns), cells, empty


def check_model(table: CaptureTable, terms: Sequence[Pair]) -> int:
    """SparseMSE ``checkident``: 0 fine, 1 the extended MLE does not exist, 2 not identifiable,
    3 both.

    Existence (Fienberg & Rinaldo 2012, as CSV implement it): maximise ``s`` subject to
    ``Aᵀx = Aᵀn`` (the sufficient statistics), ``x ≥ s``, ``x ≥ 0``; the MLE exists iff the
    optimum is positive. Identifiability: the model matrix has full column rank.
    """
    if all(table.overlap(p) > 0 for p in terms) and _overlapping_model_ok(table):
        return 0
    return _check(table, terms)


_FULL_CHECKS: dict[bytes, bool] = {}


def _overlapping_model_ok(table: CaptureTable) -> bool:
    """Whether the model with every overlapping pair passes both checks. Both properties are
    inherited by its sub-models over the same cells (CSV 2019; SparseMSE ``checkallmodels``),
    so one linear program then settles every model made of overlapping pairs."""
    key = table.patterns.shape[1].to_bytes(1, "little") + table.counts.tobytes()
    if key not in _FULL_CHECKS:
        if len(_FULL_CHECKS) > 10_000:
            _FULL_CHECKS.clear()
        pairs = [p for p in all_pairs(len(table.lists)) if table.overlap(p) > 0]
        _FULL_CHECKS[key] = _check(table, pairs) == 0
    return _FULL_CHECKS[key]


def _check(table: CaptureTable, terms: Sequence[Pair]) -> int:
    matrix, cells, _empty = design(table, terms)
    counts = table.counts[cells].astype(float)
    n_cells, n_par = matrix.shape
    rank_deficient = n_par - np.linalg.matrix_rank(matrix) > 0
    if counts.min(initial=0.0) > 0 or len(counts) == 0:
        return 2 * int(rank_deficient)  # x = n itself is strictly positive: the MLE exists
    amat = matrix.T
    a_eq = np.hstack([amat, np.zeros((n_par, 1))])
    b_eq = amat @ counts
    a_ub = np.hstack([-np.eye(n_cells), np.ones((n_cells, 1))])  # s − x_i ≤ 0
    objective = np.zeros(n_cells + 1)
    objective[-1] = -1.0
    result = optimize.linprog(
        objective,
        A_ub=a_ub,
        b_ub=np.zeros(n_cells),
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=[(0, None)] * (n_cells + 1),
        method="highs",
    )
    no_mle = (not result.success) or (-result.fun) <= 1e-9 * max(1.0, counts.sum())
    return int(no_mle) + 2 * int(rank_deficient)


def fit_model(table: CaptureTable, terms: Sequence[Pair] = (), *, check: bool = True) -> Fit:
    """Fit the Poisson log-linear model with ``terms``; refuse what cannot be fitted.

    ``check`` first runs :func:`check_model` (SparseMSE ``modelfit(check=TRUE)``); selection
    loops that have already checked a model pass ``False``.
    """
    import statsmodels.api as sm  # type: ignore[import-untyped]

    terms = tuple(tuple(sorted(p)) for p in terms)  # type: ignore[misc]
    if check and check_model(table, terms) & 1:
        raise EstimationRefused(
            _(
                "The model has no finite estimate for these data: the overlaps between "
                "lists are too sparse."
            ),
            code="too_sparse",
        )
    matrix, cells, empty = design(table, terms)
    counts = table.counts[cells].astype(float)
    if np.linalg.matrix_rank(matrix) < matrix.shape[1]:
        raise EstimationRefused(
            _("The model cannot be identified from these data (too few overlaps between lists)."),
            code="not_identifiable",
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = sm.GLM(counts, matrix, family=sm.families.Poisson()).fit()
        except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
            raise EstimationRefused(_("The model did not converge."), code="not_converged") from exc
    converged = bool(getattr(result, "converged", True))
    se = float(np.sqrt(result.cov_params()[0, 0]))
    if not converged or not math.isfinite(se) or not math.isfinite(float(result.params[0])):
        raise EstimationRefused(_("The model did not converge."), code="not_converged")
    observed = table.observed
    n_params = matrix.shape[1] + len(empty)
    llf = float(result.llf)
    return Fit(
        terms=terms,
        empty=tuple(empty),
        observed=observed,
        dark=math.exp(float(result.params[0])),
        log_dark_se=se,
        aic=-2 * llf + 2 * n_params,
        bic=-2 * llf + n_params * math.log(max(observed, 1)),
        deviance=float(result.deviance),
        cells=cells,
        fitted=np.asarray(result.fittedvalues, dtype=float),
    )


def fit_terms(table: CaptureTable, fit: Fit) -> list[str]:
    """The fitted interaction terms as ``A:B``; pairs fixed at −∞ are reported apart (as
    SparseMSE prints its model formula)."""
    return [table.pair_name(p) for p in fit.terms if p not in fit.empty]


def all_pairs(k: int) -> list[Pair]:
    return [(i, j) for i in range(k - 1) for j in range(i + 1, k)]


def _overlap_p_value(table: CaptureTable, fit: Fit, pair: Pair) -> float:
    """One-sided Poisson p-value of the pair's overlap under the current model (CSV 2021)."""
    patterns = table.patterns[fit.cells]
    expected = float((fit.fitted * patterns[:, pair[0]] * patterns[:, pair[1]]).sum())
    observed = table.overlap(pair)
    if expected <= 0:
        return 1.0
    # P(X ≤ n*) and P(X ≥ n*) through scipy.special: scipy.stats is 100 times slower here.
    below = float(special.pdtr(observed, expected))
    above = 1.0 if observed <= 0 else float(special.pdtrc(observed - 1, expected))
    return min(below, above)


def select_stepwise(table: CaptureTable, p_threshold: float = P_THRESHOLD) -> Fit:
    """CSV 2021 forward selection (SparseMSE ``stepwisefit``)."""
    fit = fit_model(table, (), check=False)  # checked by select()
    candidates = all_pairs(len(table.lists))
    chosen: list[Pair] = []
    while len(chosen) < len(candidates):
        # The smallest p-value among admissible candidates, ties to the first pair: checking
        # candidates in increasing order of p, only below the threshold, finds it with the
        # fewest linear programs.
        ranked = sorted(
            (_overlap_p_value(table, fit, pair), n)
            for n, pair in enumerate(candidates)
            if pair not in chosen
        )
        best = next(
            (
                candidates[n]
                for p, n in ranked
                if p < p_threshold and check_model(table, [*chosen, candidates[n]]) == 0
            ),
            None,
        )
        if best is None:
            return fit
        chosen.append(best)
        fit = fit_model(table, chosen, check=False)
    return fit


def select_by_criterion(table: CaptureTable, criterion: str) -> Fit:
    """Lowest AIC or BIC among models whose extended MLE exists and is identifiable.

    Up to four lists every set of pairwise terms is tried; beyond, forward selection by the
    criterion (the number of models grows as 2^(k(k−1)/2)).
    """
    score: Callable[[Fit], float] = (lambda f: f.aic) if criterion == "aic" else (lambda f: f.bic)
    pairs = all_pairs(len(table.lists))
    best = fit_model(table, (), check=False)  # checked by select()
    if len(table.lists) <= 4:
        for size in range(1, len(pairs) + 1):
            for subset in itertools.combinations(pairs, size):
                if check_model(table, subset) != 0:
                    continue
                try:
                    candidate = fit_model(table, subset, check=False)
                except EstimationRefused:
                    continue
                if score(candidate) < score(best) - 1e-9:
                    best = candidate
        return best
    chosen: list[Pair] = []
    while True:
        step = None
        for pair in pairs:
            if pair in chosen or check_model(table, [*chosen, pair]) != 0:
                continue
            try:
                candidate = fit_model(table, [*chosen, pair], check=False)
            except EstimationRefused:
                continue
            if score(candidate) < score(step or best) - 1e-9:
                step = candidate
        if step is None:
            return best
        best, chosen = step, list(step.terms)


def select(table: CaptureTable, selection: str) -> Fit:
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r}; one of {', '.join(SELECTIONS)}")
    _check_table(table)
    if selection == "stepwise":
        return select_stepwise(table)
    if selection == "independence":
        return fit_model(table, (), check=False)
    return select_by_criterion(table, selection)


def _check_table(table: CaptureTable) -> None:
    if table.observed == 0:
        raise EstimationRefused(_("Nobody was observed on any list."), code="empty")
    totals = table.list_totals()
    empty_lists = [name for name, total in totals.items() if total == 0]
    if empty_lists:
        raise EstimationRefused(
            _("A list has nobody on it: %(lists)s.") % {"lists": ", ".join(empty_lists)},
            code="empty_list",
        )
    pairs = all_pairs(len(table.lists))
    if all(table.overlap(pair) == 0 for pair in pairs):
        raise EstimationRefused(
            _("No two lists share anybody, so the number missed by all cannot be estimated."),
            code="no_overlap",
        )
    if check_model(table, ()) != 0:
        raise EstimationRefused(
            _(
                "Even the model of independent lists has no finite estimate: the overlaps "
                "between lists are too sparse."
            ),
            code="too_sparse",
        )


# --- bootstrap ------------------------------------------------------------------------------


def bootstrap(
    table: CaptureTable,
    fit: Fit,
    selection: str,
    replicates: int,
    seed: int,
    scheme: str = "parametric",
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Percentile interval over ``replicates`` re-estimates, the selection repeated each time.

    ``parametric`` draws every kept cell as Poisson around the chosen model's fitted mean;
    ``multinomial`` resamples the observed individuals (SparseMSE ``estimatepopulation``).
    Replicates the method refuses are counted and left out.
    """
    rng = np.random.default_rng(seed)
    estimates = []
    refused = 0
    for _replicate in range(replicates):
        counts = np.zeros_like(table.counts)
        if scheme == "parametric":
            counts[fit.cells] = rng.poisson(fit.fitted)
        else:
            counts = rng.multinomial(table.observed, table.counts / table.observed)
        try:
            estimates.append(select(table.with_counts(counts), selection).estimate)
        except EstimationRefused:
            refused += 1
    if not estimates:
        raise EstimationRefused(
            _("Every bootstrap replicate was refused; no bootstrap interval."),
            code="bootstrap_failed",
        )
    alpha = (1 - confidence) / 2
    values = np.asarray(estimates)
    return {
        "ci_low": float(np.quantile(values, alpha)),
        "ci_high": float(np.quantile(values, 1 - alpha)),
        "replicates": replicates,
        "refused": refused,
        "seed": seed,
        "scheme": scheme,
        "median": float(np.median(values)),
    }


# --- the whole estimation -------------------------------------------------------------------


def estimate(
    table: CaptureTable,
    *,
    selection: str = "stepwise",
    replicates: int = 0,
    seed: int = 0,
    spread: bool = True,
) -> Estimate:
    """Estimate the total (observed + dark figure) with the interval the options call for."""
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r}; one of {', '.join(SELECTIONS)}")
    registered = table.list_totals()
    if len(table.lists) == 2:
        return _estimate_two(table, registered)
    fit = select(table, selection)
    result = _from_fit(fit, table, selection, registered)
    if replicates > 0:
        boot = bootstrap(table, fit, selection, replicates, seed)
        result.bootstrap = boot
        result.ci_low, result.ci_high = boot["ci_low"], boot["ci_high"]
        result.interval = "bootstrap percentile 95% (selection repeated)"
        if boot["refused"] > replicates / 10:
            result.warnings.append(
                str(
                    _("%(n)s of %(b)s bootstrap replicates could not be estimated.")
                    % {"n": boot["refused"], "b": replicates}
                )
            )
    else:
        result.warnings.append(
            str(_("The interval is conditional on the chosen model: it ignores model choice."))
        )
    if spread:
        result.spread = selection_spread(table, chosen=selection, chosen_fit=fit)
    return result


def _from_fit(
    fit: Fit, table: CaptureTable, selection: str, registered: dict[str, int]
) -> Estimate:
    low, high = fit.interval()
    result = Estimate(
        method="loglinear",
        selection=selection,
        lists=table.lists,
        observed=fit.observed,
        estimate=fit.estimate,
        ci_low=low,
        ci_high=high,
        interval="log-normal 95% on the dark figure",
        model=fit_terms(table, fit),
        registered=registered,
        chao=chao_of(table),
        exclusive=[table.pair_name(p) for p in fit.empty],
    )
    if fit.log_dark_se > MAX_LOG_SE:
        raise EstimationRefused(
            _("The estimate is too uncertain to publish: the interval spans orders of magnitude."),
            code="too_uncertain",
        )
    if fit.empty:
        result.warnings.append(
            str(
                _("Lists that share nobody were modelled as mutually exclusive: %(pairs)s.")
                % {"pairs": ", ".join(table.pair_name(p) for p in fit.empty)}
            )
        )
    return result


def _estimate_two(table: CaptureTable, registered: dict[str, int]) -> Estimate:
    n1, n2 = registered.values()
    two = two_list(n1, n2, table.overlap((0, 1)))
    result = Estimate(
        method="chapman",
        selection="independence",
        lists=table.lists,
        observed=table.observed,
        estimate=two.chapman,
        ci_low=two.ci_low,
        ci_high=two.ci_high,
        interval="log-normal 95% on the dark figure (Chapman, Seber variance)",
        model=[],
        registered=registered,
        chao=chao_of(table),
        lincoln_petersen=two.lincoln_petersen,
    )
    result.warnings.append(
        str(_("Two lists: independence between them is assumed and cannot be checked."))
    )
    return result


def selection_spread(
    table: CaptureTable, *, chosen: str = "", chosen_fit: Fit | None = None
) -> dict[str, Any]:
    """Every selection rule's estimate beside each other (model choice often dominates)."""
    rules: dict[str, Any] = {}
    for rule in SELECTIONS:
        try:
            fit = chosen_fit if rule == chosen and chosen_fit else select(table, rule)
            low, high = fit.interval()
            rules[rule] = {
                "estimate": fit.estimate,
                "ci_low": low,
                "ci_high": high,
                "model": fit_terms(table, fit),
            }
        except EstimationRefused as exc:
            rules[rule] = {"refused": str(exc.reason)}
    values = [r["estimate"] for r in rules.values() if "estimate" in r]
    return {
        "rules": rules,
        "min": min(values) if values else None,
        "max": max(values) if values else None,
    }
