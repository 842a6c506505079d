"""Log-linear models of a capture table: design, existence and identifiability, the fit.

A pairwise term whose two lists share nobody has an MLE of −∞; as in SparseMSE it is then
*fixed* at −∞ by deleting every cell that contains both lists (Chan, Silverman & Vincent
2019/2021).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _
from scipy import optimize

from qorgau.latency.mse_glm import fit_poisson
from qorgau.latency.mse_table import Z95, CaptureTable, EstimationRefused, Pair, all_pairs


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
    matrix: np.ndarray  # the model matrix over those cells (intercept first)
    params: np.ndarray  # the fitted parameters, in the order of the matrix's columns
    heterogeneity: str = ""  # the Mth model's shape (mse_heterogeneity), "" for pairwise terms

    @property
    def estimate(self) -> float:
        return self.observed + self.dark

    def interval(self, z: float = Z95) -> tuple[float, float]:
        """Log-normal Wald interval on the dark figure, ``n + exp(α̂0 ± z·se)`` (SparseMSE
        ``estimatepopulation.0``). It is an interval for the *expected* dark figure and leaves
        out the variation of the number actually missed: the profile interval is the default."""
        log_dark = math.log(self.dark) if self.dark > 0 else -math.inf
        return (
            self.observed + math.exp(log_dark - z * self.log_dark_se),
            self.observed + math.exp(log_dark + z * self.log_dark_se),
        )


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
    empty = tuple(p for p in terms if table.overlap(p) == 0)
    if _widest_model_ok(table, empty):
        return 0
    return _check(table, terms)


_WIDEST_CHECKS: dict[bytes, bool] = {}


def _widest_model_ok(table: CaptureTable, empty: tuple[Pair, ...]) -> bool:
    """Whether the model with these empty pairs and every overlapping pair passes both checks.

    The empty pairs fix which cells are kept; over the same cells both properties are
    inherited by sub-models (CSV 2019; SparseMSE ``checkallmodels``), so one linear program
    settles every model with these empty pairs (the exhaustive search has 1,024 of them).
    """
    key = (
        table.patterns.shape[1].to_bytes(1, "little")
        + table.counts.tobytes()
        + np.asarray(sorted(empty), dtype=np.int8).tobytes()
    )
    if key not in _WIDEST_CHECKS:
        if len(_WIDEST_CHECKS) > 10_000:
            _WIDEST_CHECKS.clear()
        overlapping = [p for p in all_pairs(len(table.lists)) if table.overlap(p) > 0]
        _WIDEST_CHECKS[key] = _check(table, [*overlapping, *empty]) == 0
    return _WIDEST_CHECKS[key]


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


def fit_model(
    table: CaptureTable,
    terms: Sequence[Pair] = (),
    *,
    check: bool = True,
    start: np.ndarray | None = None,
) -> Fit:
    """Fit the Poisson log-linear model with ``terms``; refuse what cannot be fitted.

    ``check`` first runs :func:`check_model` (SparseMSE ``modelfit(check=TRUE)``); selection
    loops that have already checked a model pass ``False``. ``start`` (parameters in the
    order of the model matrix's columns) warm-starts the fit.
    """
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
    try:
        result = fit_poisson(matrix, counts, start=start)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        raise EstimationRefused(_("The model did not converge."), code="not_converged") from exc
    se = math.sqrt(float(result.covariance[0, 0])) if result.covariance[0, 0] >= 0 else math.nan
    if not result.converged or not math.isfinite(se) or not math.isfinite(result.params[0]):
        raise EstimationRefused(_("The model did not converge."), code="not_converged")
    observed = table.observed
    n_params = matrix.shape[1] + len(empty)
    return Fit(
        terms=terms,
        empty=tuple(empty),
        observed=observed,
        dark=math.exp(float(result.params[0])),
        log_dark_se=se,
        aic=-2 * result.loglik + 2 * n_params,
        bic=-2 * result.loglik + n_params * math.log(max(observed, 1)),
        deviance=result.deviance,
        cells=cells,
        fitted=result.fitted,
        matrix=matrix,
        params=result.params,
    )


def fit_terms(table: CaptureTable, fit: Fit) -> list[str]:
    """The fitted interaction terms as ``A:B``; pairs fixed at −∞ are reported apart (as
    SparseMSE prints its model formula)."""
    terms = [table.pair_name(p) for p in fit.terms if p not in fit.empty]
    return [*terms, f"Mh {fit.heterogeneity}"] if fit.heterogeneity else terms
