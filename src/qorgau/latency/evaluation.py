"""How well each estimator finds a known truth: simulated countries, bias, coverage, width.

``qorgau latency evaluate`` runs this; ``make bench`` records it. The populations are drawn
here, by rules of their own — not by the synthetic country (``qorgau.synth``), whose generator
shares assumptions with what it would be testing — in four designs that span what capture–
recapture meets in practice:

* ``homogeneous``: everybody has the same chance of reaching each register (the textbook case
  every method should get right);
* ``covariates``: the chance depends on what every register records — sex, age band, injury —
  strongly (health sees the injured, crisis centres see women); stratifying by them should
  remove the bias;
* ``latent_classes``: a quarter of victims seek help and reach every register far more often,
  a trait no register records (the latent-class model's home ground);
* ``frailty``: a continuous, unobserved propensity (logit-normal, sd 1) shared by all
  registers on top of the covariates — the case no method can fully correct, because the
  victims least likely to be seen leave no trace in the capture histories (Link 2003).

Each replication is a country of several regions; an estimate is made per region and the
country is their sum, as the published figures are. A method's figure counts as *covering*
when its 95% interval contains the truth; a refused region makes the country a lower bound.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qorgau.latency import mse
from qorgau.latency.lcmcr import Posterior
from qorgau.latency.mse_strata import WITHIN_GROUPS, StratifiedTable, stratified_estimate
from qorgau.latency.publication import publication_failures

LISTS = ("police", "health", "crisis_centre", "line_111", "social")
DESIGNS = ("homogeneous", "covariates", "latent_classes", "frailty")
EVALUATED = (
    "stepwise",
    "bic",
    "heterogeneity",
    "latent_class",
    "stratified",
    "stratified_mh",
)
# Base capture logits of the five registers (about 20%, 8%, 4%, 6%, 5%).
BASE = np.array([-1.4, -2.4, -3.2, -2.8, -2.9])
INJURY = np.array([0.9, 1.8, 0.7, 0.4, 0.3])  # the injured reach health above all
FEMALE = np.array([0.3, 0.0, 1.2, 0.5, 0.2])  # crisis centres serve women
AGE = np.array(
    [[0.0, 0.0, 0.0, 0.0, 0.0], [0.2, 0.3, -0.3, 0.0, 0.6], [-0.4, 0.6, -1.0, -0.5, 0.9]]
)
REGION_SIZES = (900, 1_400, 2_200, 3_000, 4_500)


@dataclass
class People:
    """Who the registers saw in one region: capture patterns and recorded covariates."""

    seen: np.ndarray  # (n, 5) of 0/1, everybody seen at least once
    covariates: np.ndarray  # (n, 3): sex, injury, age band (what every register records)
    truth: int


def simulate_region(rng: np.random.Generator, design: str, size: int) -> People:
    """One region's true victims and what each register saw of them."""
    truth = int(rng.poisson(size))
    female = rng.random(truth) < 0.8
    injured = rng.random(truth) < 0.3
    age = rng.choice(3, truth, p=[0.2, 0.6, 0.2])
    logit = np.broadcast_to(BASE, (truth, len(LISTS))).copy()
    if design != "homogeneous":
        logit += injured[:, None] * INJURY + female[:, None] * FEMALE + AGE[age]
        logit -= 0.6  # keep the overall capture rates comparable across designs
    if design == "latent_classes":
        logit += (rng.random(truth) < 0.25)[:, None] * 1.8 - 0.5
    if design == "frailty":
        logit += rng.normal(0.0, 1.0, truth)[:, None]
    seen = (rng.random(logit.shape) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    keep = seen.any(axis=1)
    covariates = np.column_stack([female, injured, age]).astype(np.int64)
    return People(seen=seen[keep], covariates=covariates[keep], truth=truth)


def table_of(seen: np.ndarray) -> mse.CaptureTable:
    counts: dict[tuple[int, ...], int] = {}
    for row in map(tuple, seen):
        counts[row] = counts.get(row, 0) + 1
    return mse.CaptureTable.from_counts(LISTS, counts)


@dataclass
class Figure:
    """One estimate of one region (or of the country, as a sum)."""

    estimate: float
    low: float
    high: float
    published: bool  # an estimate that passed its checks, not a lower bound


def region_figure(
    people: People, method: str, seed: int, posterior: Posterior | None = None
) -> Figure:
    """The figure ``method`` publishes for one region (a lower bound when it cannot)."""
    observed = len(people.seen)
    table = table_of(people.seen)
    try:
        if method in WITHIN_GROUPS:
            strata = StratifiedTable.of(LISTS, people.seen, people.covariates)
            found = stratified_estimate(strata, selection=WITHIN_GROUPS[method])
        else:
            found = mse.estimate(
                table, selection=method, seed=seed, posterior=posterior, spread=False
            )
        if publication_failures(found, table.on_several_lists()):
            return Figure(observed, observed, np.inf, False)
        return Figure(found.estimate, found.ci_low, found.ci_high, True)
    except mse.EstimationRefused:
        return Figure(observed, observed, np.inf, False)


def country_figure(figures: Sequence[Figure]) -> Figure:
    """The country as the sum of its regions; the interval by summed variances."""
    total = sum(f.estimate for f in figures)
    sd = np.sqrt(sum(((f.high - f.low) / (2 * mse.Z95)) ** 2 for f in figures))
    published = all(f.published for f in figures)
    return Figure(total, max(total - mse.Z95 * sd, 0.0), total + mse.Z95 * sd, published)


@dataclass
class Summary:
    """How one method did on one design over all replications."""

    design: str
    method: str
    replications: int
    median_ratio: float  # estimate ÷ truth, national, published countries
    coverage: float  # share of published national 95% intervals containing the truth
    region_coverage: float  # the same over published regions
    median_width: float  # interval width ÷ truth, national, published countries
    published: float  # share of regions published as estimates (the rest: lower bounds)

    def row(self) -> dict[str, object]:
        return {
            "design": self.design,
            "method": self.method,
            "replications": self.replications,
            "median_estimate_over_truth": round(self.median_ratio, 3),
            "coverage_national": round(self.coverage, 3),
            "coverage_regions": round(self.region_coverage, 3),
            "median_width_over_truth": round(self.median_width, 3),
            "regions_published": round(self.published, 3),
        }


def evaluate(
    *,
    designs: Sequence[str] = DESIGNS,
    methods: Sequence[str] = EVALUATED,
    replications: int = 20,
    seed: int = 0,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Summary]:
    """Every method on every design, ``replications`` countries each."""
    summaries = []
    steps, done = len(designs) * replications, 0
    for design in designs:
        rng = np.random.default_rng([seed, DESIGNS.index(design)])
        countries = [
            [simulate_region(rng, design, size) for size in REGION_SIZES]
            for _ in range(replications)
        ]
        drawn = _posteriors(countries, seed) if mse.LATENT_CLASS in methods else {}
        figures: dict[str, list[list[Figure]]] = {m: [] for m in methods}
        for number, regions in enumerate(countries):
            for method in methods:
                figures[method].append(
                    [
                        region_figure(p, method, seed + number, drawn.get((number, i)))
                        for i, p in enumerate(regions)
                    ]
                )
            done += 1
            if progress:
                progress(done, steps, design)
        truths = [[p.truth for p in regions] for regions in countries]
        summaries += [_summary(design, m, figures[m], truths) for m in methods]
    return summaries


def _posteriors(countries: list[list[People]], seed: int) -> dict[tuple[int, int], Posterior]:
    """The latent-class posterior of every region of every country, drawn in one batch."""
    keys, tables = [], []
    for number, regions in enumerate(countries):
        for i, people in enumerate(regions):
            table = table_of(people.seen)
            if table.on_several_lists() > 0:
                keys.append((number, i))
                tables.append(table)
    drawn = mse.posteriors(list(tables), seed=seed)
    return {key: p for key, p in zip(keys, drawn, strict=True) if p is not None}


def _covered(figure: Figure, truth: int) -> bool:
    return figure.low <= truth <= figure.high


def _share(flags: list[bool]) -> float:
    return float(np.mean(flags)) if flags else float("nan")


def _summary(
    design: str, method: str, figures: list[list[Figure]], truths: list[list[int]]
) -> Summary:
    """Coverage and bias over the figures published as estimates: a lower bound claims only
    what was seen, so counting it as "covering" would reward refusing to estimate."""
    national = [
        (f, t)
        for f, t in zip((country_figure(f) for f in figures), (sum(t) for t in truths), strict=True)
        if f.published
    ]
    regions = [
        (f, t) for fs, ts in zip(figures, truths, strict=True) for f, t in zip(fs, ts, strict=True)
    ]
    published = [(f, t) for f, t in regions if f.published]
    nan = float("nan")
    return Summary(
        design=design,
        method=method,
        replications=len(figures),
        median_ratio=float(np.median([f.estimate / t for f, t in national])) if national else nan,
        coverage=_share([_covered(f, t) for f, t in national]),
        region_coverage=_share([_covered(f, t) for f, t in published]),
        median_width=float(np.median([(f.high - f.low) / t for f, t in national]))
        if national
        else nan,
        published=_share([f.published for f, _t in regions]),
    )
