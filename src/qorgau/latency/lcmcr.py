"""Bayesian non-parametric latent-class capture–recapture (Manrique-Vallier 2016): pure NumPy.

Why this model: a log-linear model with a few interactions assumes that, within each cell of
its interactions, everybody has the same chance of reaching a list. Victims are not like that
— a gravely injured woman who seeks help is far more likely to reach *every* register than a
woman who hides — and that unobserved heterogeneity makes every list positively dependent on
every other, which log-linear selection reads as a smaller dark figure. The latent-class model
lets the population be a mixture of up to ``K`` classes, each with its own capture probability
on each list (lists independent *within* a class), the number of classes in use learnt from the
data through a truncated Dirichlet-process (stick-breaking) prior. HRDAG uses it (R ``LCMCR``)
for exactly this: casualty lists with five or more overlapping sources.

The Gibbs sampler works on the table of pattern counts rather than on people, as LCMCR's
``NPLCM_CR_Basic_Freq`` does, so its cost does not grow with the number of victims; and it runs
many tables and chains at once along a leading batch axis, so a national run of every region and
year costs about as much as one table. Each sweep:

1. allocates each observed pattern's count to the classes (multinomial);
2. draws each class's capture probabilities, ``Beta(1 + seen, 1 + not seen)``;
3. draws the stick-breaking weights and the concentration ``α ~ Gamma(a, b)``;
4. draws the number never seen, ``n0 ~ NegBin(n, 1 − p0)`` (the prior ``p(N) ∝ 1/N``), where
   ``p0`` is the probability of a person being on no list, and allocates them to classes.

The posterior of ``N = n + n0`` is summarised by its median and its 2.5% and 97.5% quantiles,
the way LCMCR's users report it. Convergence is checked, not assumed: every table runs several
chains from different starting points, and the split-chain potential scale reduction (R-hat)
and the effective sample size of ``N`` are returned so the caller can refuse a run that did not
mix (:func:`converged`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np

# LCMCR's defaults: K = 5 classes could under-fit five registers' heterogeneity; 10 is what
# Manrique-Vallier (2016) and HRDAG use for four to six lists. α ~ Gamma(0.25, 0.25).
CLASSES = 10
ALPHA_SHAPE = 0.25
ALPHA_RATE = 0.25
BURN_IN = 5_000
SAMPLES = 2_000
THIN = 5
CHAINS = 3
# A chain pair that has not mixed shows R-hat well above 1; 1.05 is the usual rule of thumb
# for publishing, and 400 effective draws keep the 95% quantiles within a few per cent.
MAX_RHAT = 1.05
MIN_EFFECTIVE = 400
TINY = 1e-300
MAX_MISSED_RATIO = 20


def patterns(lists: int) -> np.ndarray:
    """Every observable capture pattern of ``lists`` lists (no all-zero row), in a fixed order."""
    rows = [p for p in product((0, 1), repeat=lists) if any(p)]
    return np.asarray(rows, dtype=np.int64)


@dataclass
class Posterior:
    """The posterior of the population size of one table: draws and their summaries."""

    observed: int
    draws: np.ndarray  # (chains, samples) of N
    median: float
    ci_low: float
    ci_high: float
    mean: float
    rhat: float
    effective: float
    classes_used: float  # posterior mean of the number of classes with anybody in them
    notes: list[str] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        return converged(self.rhat, self.effective)


def converged(rhat: float, effective: float) -> bool:
    """True when the chains mixed well enough for the quantiles to be published."""
    return bool(np.isfinite(rhat) and rhat <= MAX_RHAT and effective >= MIN_EFFECTIVE)


def estimate_many(
    counts: np.ndarray,
    *,
    cells: np.ndarray | None = None,
    classes: int = CLASSES,
    burn_in: int = BURN_IN,
    samples: int = SAMPLES,
    thin: int = THIN,
    chains: int = CHAINS,
    seed: int = 0,
    alpha_shape: float = ALPHA_SHAPE,
    alpha_rate: float = ALPHA_RATE,
) -> list[Posterior]:
    """Posteriors of ``N`` for a batch of tables over the same lists.

    ``counts`` is ``(tables, 2**J - 1)`` in the order of ``cells`` (the patterns, one row
    each; :func:`patterns` when not given). Every table runs
    ``chains`` chains side by side; the draws kept are ``samples`` after ``burn_in`` sweeps,
    one every ``thin`` sweeps.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 2:
        raise ValueError("counts must be (tables, patterns)")
    lists = int(round(np.log2(counts.shape[1] + 1)))
    if 2**lists - 1 != counts.shape[1]:
        raise ValueError("counts must have one column per observable pattern (2**J - 1)")
    if np.any(counts < 0):
        raise ValueError("counts must not be negative")
    observed = counts.sum(axis=1)
    if np.any(observed == 0):
        raise ValueError("every table must have somebody on it")
    cells = patterns(lists) if cells is None else np.asarray(cells, dtype=np.int64)
    if cells.shape != (counts.shape[1], lists) or np.any(cells.sum(axis=1) == 0):
        raise ValueError("cells must be the observable patterns, one row per count column")
    sampler = _Sampler(
        np.repeat(counts, chains, axis=0),
        cells,
        classes=classes,
        rng=np.random.default_rng(seed),
        alpha_shape=alpha_shape,
        alpha_rate=alpha_rate,
    )
    for _ in range(burn_in):
        sampler.sweep()
    draws = np.empty((samples, counts.shape[0] * chains), dtype=np.float64)
    used = np.zeros(counts.shape[0] * chains)
    for s in range(samples):
        for _ in range(thin):
            sampler.sweep()
        draws[s] = observed.repeat(chains) + sampler.n0
        used += (sampler.class_totals() > 0).sum(axis=1)
    by_table = draws.T.reshape(counts.shape[0], chains, samples)
    used_by_table = (used / samples).reshape(counts.shape[0], chains).mean(axis=1)
    return [
        _summarise(int(observed[t]), by_table[t], float(used_by_table[t]))
        for t in range(counts.shape[0])
    ]


def estimate_table(counts: np.ndarray, **options: int | float) -> Posterior:
    """The posterior of one table (see :func:`estimate_many`)."""
    return estimate_many(np.asarray(counts)[None, :], **options)[0]  # type: ignore[arg-type]


class _Sampler:
    """The state of every chain of a batch, updated in place one Gibbs sweep at a time."""

    def __init__(
        self,
        counts: np.ndarray,
        cells: np.ndarray,
        *,
        classes: int,
        rng: np.random.Generator,
        alpha_shape: float,
        alpha_rate: float,
    ) -> None:
        self.counts, self.cells, self.rng = counts, cells, rng
        self.cells_float = cells.astype(np.float64)
        self.cells_t = np.ascontiguousarray(cells.T)
        self.alpha_shape, self.alpha_rate = alpha_shape, alpha_rate
        batch, lists = counts.shape[0], cells.shape[1]
        self.n = counts.sum(axis=1)
        # Start each chain from the lists' marginal rates, jittered so chains start apart.
        marginal = (counts @ cells) / self.n[:, None]
        jitter = rng.uniform(0.5, 1.5, size=(batch, lists, classes))
        self.capture = np.clip(marginal[:, :, None] * jitter, 1e-3, 1 - 1e-3)
        self.log_weight = np.log(self._sticks(rng.beta(1.0, 1.0, size=(batch, classes))))
        self.alpha = np.ones(batch)
        self.n0 = self.n.copy()
        self.missing = self.rng.multinomial(self.n0, np.full(classes, 1.0 / classes))
        self.totals = self.missing.copy()

    @staticmethod
    def _sticks(v: np.ndarray) -> np.ndarray:
        v = v.copy()
        v[:, -1] = 1.0
        rest = np.cumprod(np.concatenate([np.ones((v.shape[0], 1)), 1 - v[:, :-1]], axis=1), 1)
        sticks: np.ndarray = np.maximum(v * rest, TINY)
        return sticks

    def sweep(self) -> None:
        allocated = self._allocate_observed()
        seen = self.cells_t @ allocated
        totals = allocated.sum(axis=1) + self.missing
        self._draw_capture(seen, totals)
        self._draw_weights(totals)
        self._draw_missing()
        self._draw_alpha()
        self.totals = totals

    def class_totals(self) -> np.ndarray:
        """People (seen and unseen) in each class after the last sweep."""
        return self.totals

    def _log_miss(self) -> np.ndarray:
        missed: np.ndarray = np.log1p(-self.capture).sum(axis=1)  # (batch, classes)
        return missed

    def _allocate_observed(self) -> np.ndarray:
        log_on, log_off = np.log(self.capture), np.log1p(-self.capture)
        # log P(pattern | class) = Σ_j x_j log λ + (1 − x_j) log(1 − λ), as one product.
        log_p = self.cells_float @ (log_on - log_off) + log_off.sum(axis=1)[:, None, :]
        log_p += self.log_weight[:, None, :]
        log_p -= log_p.max(axis=2, keepdims=True)
        prob = np.exp(log_p)
        prob /= prob.sum(axis=2, keepdims=True)
        return self.rng.multinomial(self.counts, prob)

    def _draw_capture(self, seen: np.ndarray, totals: np.ndarray) -> None:
        on = self.rng.gamma(1.0 + seen)
        off = self.rng.gamma(1.0 + totals[:, None, :] - seen)
        self.capture = np.clip(on / np.maximum(on + off, TINY), 1e-12, 1 - 1e-12)

    def _draw_weights(self, totals: np.ndarray) -> None:
        after = np.cumsum(totals[:, ::-1], axis=1)[:, ::-1] - totals  # Σ_{l>k} n_l
        v = self.rng.beta(1.0 + totals, self.alpha[:, None] + after)
        self.log_weight = np.log(self._sticks(v))
        self._v = np.clip(v[:, :-1], 0.0, 1 - 1e-12)

    def _draw_missing(self) -> None:
        log_miss = self._log_miss() + self.log_weight
        top = log_miss.max(axis=1, keepdims=True)
        p0 = np.exp(top[:, 0]) * np.exp(log_miss - top).sum(axis=1)
        p0 = np.clip(p0, 0.0, 1 - 1e-12)
        self.n0 = self.rng.negative_binomial(self.n, 1.0 - p0)
        # As LCMCR: the number missed is truncated at MAX_MISSED_RATIO × n (redrawn above it),
        # so that a chain passing through p0 ≈ 1 early on cannot run off to astronomic sizes.
        for _ in range(100):
            over = self.n0 > MAX_MISSED_RATIO * self.n
            if not over.any():
                break
            self.n0[over] = self.rng.negative_binomial(self.n[over], 1.0 - p0[over])
        self.n0 = np.minimum(self.n0, MAX_MISSED_RATIO * self.n)
        prob = np.exp(log_miss - top)
        prob /= prob.sum(axis=1, keepdims=True)
        self.missing = self.rng.multinomial(self.n0, prob)

    def _draw_alpha(self) -> None:
        classes = self.log_weight.shape[1]
        rate = self.alpha_rate - np.log1p(-self._v).sum(axis=1)
        self.alpha = self.rng.gamma(self.alpha_shape + classes - 1, 1.0 / rate)


def _summarise(observed: int, draws: np.ndarray, classes_used: float) -> Posterior:
    flat = draws.ravel()
    low, median, high = np.quantile(flat, [0.025, 0.5, 0.975])
    return Posterior(
        observed=observed,
        draws=draws,
        median=float(median),
        ci_low=float(low),
        ci_high=float(high),
        mean=float(flat.mean()),
        rhat=split_rhat(draws),
        effective=effective_size(draws),
        classes_used=classes_used,
    )


def split_rhat(draws: np.ndarray) -> float:
    """Gelman–Rubin potential scale reduction over split chains (Gelman et al., BDA3 §11.4)."""
    half = draws.shape[1] // 2
    split = np.concatenate([draws[:, :half], draws[:, half : 2 * half]], axis=0)
    n = split.shape[1]
    within = split.var(axis=1, ddof=1).mean()
    between = n * split.mean(axis=1).var(ddof=1)
    if within <= 0:
        return 1.0 if between <= 0 else float("inf")
    pooled = (n - 1) / n * within + between / n
    return float(np.sqrt(pooled / within))


def effective_size(draws: np.ndarray) -> float:
    """Effective number of independent draws over all chains (Geyer's initial positive
    sequence on the averaged autocorrelation, as BDA3 §11.5 and Stan compute it)."""
    chains, n = draws.shape
    centred = draws - draws.mean(axis=1, keepdims=True)
    variance = centred.var(axis=1).mean()
    if variance <= 0:
        return float(chains * n)
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(centred, size, axis=1)
    acov = np.fft.irfft(spectrum * np.conjugate(spectrum), size, axis=1)[:, :n] / n
    rho = acov.mean(axis=0) / variance
    total = 0.0
    for lag in range(0, n - 1, 2):
        pair = rho[lag] + rho[lag + 1]
        if pair < 0:
            break
        total += pair
    tau = -1.0 + 2.0 * total
    return float(chains * n / max(tau, 1.0 / np.log10(max(chains * n, 10))))
