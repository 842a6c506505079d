"""A Poisson log-linear fit by Newton's method, small and fast enough to run thousands of times.

The exhaustive model search (1,024 models for five lists), the profile likelihood (a fit per
trial value of N) and the bootstrap (a selection per replicate) each fit many tiny tables
(at most 2^k cells); a general GLM library spends most of its time on set-up there. The
log-likelihood is concave, so Newton steps with step halving reach the MLE from any start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy.linalg import lapack

MAX_ITERATIONS = 100
# Newton decrement (the predicted gain in log-likelihood) below which the fit has converged.
TOLERANCE = 1e-12
MAX_LINEAR_PREDICTOR = 700.0  # exp() overflows past 709


@dataclass(frozen=True)
class PoissonFit:
    params: np.ndarray
    fitted: np.ndarray
    covariance: np.ndarray  # inverse Fisher information
    loglik: float  # including −log(y!), as statsmodels and R report it
    deviance: float
    converged: bool


def _start(matrix: np.ndarray, counts: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """R's glm start (μ = y + 0.1), turned into parameters by weighted least squares."""
    mu = counts + 0.1
    weighted = matrix.T * mu
    return _solve(weighted @ matrix, weighted @ (np.log(mu) - offset))


def _solve(information: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Solve with a positive definite matrix through LAPACK directly: numpy's solve costs
    more in set-up than in arithmetic on matrices this small."""
    _factor, solution, info = lapack.dposv(information, vector)
    if info != 0:
        raise np.linalg.LinAlgError("the information matrix is singular")
    return np.asarray(solution, dtype=float)


def _loglik(counts: np.ndarray, eta: np.ndarray) -> float:
    return float((special.xlogy(counts, np.exp(eta)) - np.exp(eta)).sum())


def fit_poisson(
    matrix: np.ndarray,
    counts: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    start: np.ndarray | None = None,
) -> PoissonFit:
    """Maximum-likelihood fit of ``log μ = matrix @ β + offset``; ``start`` warm-starts it.

    Raises ``np.linalg.LinAlgError`` when the information matrix is singular (callers check
    the rank first).
    """
    counts = np.asarray(counts, dtype=float)
    off = np.zeros(len(counts)) if offset is None else np.asarray(offset, dtype=float)
    beta = _start(matrix, counts, off) if start is None else np.array(start, dtype=float)
    eta = np.minimum(matrix @ beta + off, MAX_LINEAR_PREDICTOR)
    current = _loglik(counts, eta)
    converged = False
    for _iteration in range(MAX_ITERATIONS):
        mu = np.exp(eta)
        gradient = matrix.T @ (counts - mu)
        step = _solve(matrix.T @ (matrix * mu[:, None]), gradient)
        beta, eta, current = _halving(matrix, counts, off, beta, step, current)
        if float(gradient @ step) < TOLERANCE:
            converged = True
            break
    mu = np.exp(eta)
    information = matrix.T @ (matrix * mu[:, None])
    deviance = 2 * float(
        (special.xlogy(counts, counts / np.where(mu > 0, mu, 1)) - counts + mu).sum()
    )
    return PoissonFit(
        params=beta,
        fitted=mu,
        covariance=np.linalg.inv(information),
        loglik=current - float(special.gammaln(counts + 1).sum()),
        deviance=deviance,
        converged=converged and bool(np.isfinite(beta).all()),
    )


def _halving(
    matrix: np.ndarray,
    counts: np.ndarray,
    offset: np.ndarray,
    beta: np.ndarray,
    step: np.ndarray,
    current: float,
) -> tuple[np.ndarray, np.ndarray, float]:
    """The Newton step, halved until the log-likelihood does not fall (concavity ensures one)."""
    scale = 1.0
    for _halving_step in range(40):
        trial = beta + scale * step
        eta = np.minimum(matrix @ trial + offset, MAX_LINEAR_PREDICTOR)
        value = _loglik(counts, eta)
        if value >= current - 1e-12 * (1 + abs(current)):
            return trial, eta, value
        scale /= 2
    return beta, np.minimum(matrix @ beta + offset, MAX_LINEAR_PREDICTOR), current
