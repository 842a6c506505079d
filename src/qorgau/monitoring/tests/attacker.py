"""An outside analyst with every public figure of a year: bounds on each true count by LP.

The analyst gathers the public release of a year, its quarters and months, at district, region
and national level, with every breakdown, and knows how the tables hang together
(``Structure``): a whole equals the sum of its parts over territories, periods and breakdown
categories (for distinct persons: is at most that sum and at least each part); a count over
a subset of another's records is at most that count (a numerator beside its denominator); the
same definition is the same figure in every indicator; an absent cell is zero. What a
publication says is modelled exactly (``Publication``): a published value ``v`` says the truth
lies in ``[v - D, v + D]`` (``D`` the largest perturbation, 0 for exact publication), and at
least ``T`` when ``v`` is at least ``T``, the threshold below which counts are not published as
numbers (1 where zeros stay zero and nothing is banded; 5 for a release that bands small
counts); a band (``BAND``) says the truth is at most ``T - 1 + D``; a withheld value says
nothing. A true count is *pinned* when the least and greatest value of a linear programme over
all of this agree.

The analyst is honest: ``violations`` lists every identity or bound the true figures break, and
the attack is only meaningful when there is none (an identity that does not hold makes the LP
infeasible or pins what is not known).

Finding every pinned cell costs a few LPs per linked family of definitions (after Freund,
Roundy and Todd, "Identifying the set of always-active constraints in a system of linear
inequalities by a single linear program", 1985): the bounds that are tight at every feasible
point are found by maximising the slack of those tight at the truth (``always_tight``). The
identities are homogeneous and the truth satisfies them, so if no bound ``v ± D`` (or a
lower bound above 0) is always tight, a point with every such bound slack can be scaled up
and down a little and no nonzero count is pinned. Only when some bound is always tight are
the small counts checked one by one with two LPs each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

Cell = tuple[str, str, str, str]  # definition, territory code, period code, breakdown
TOLERANCE = 1e-6
SCREENING_LPS = 6


@dataclass(frozen=True)
class Structure:
    """How the tables hang together, as the analyst knows it from the published catalogue."""

    parts: list[Callable[[Cell], list[Cell]]]  # a cell's parts over territory, period, breakdown
    additive: Callable[[str], bool]  # a whole is the sum of its parts (else: distinct persons)
    within: Callable[[str], list[str]]  # definitions counting a superset of this one's records
    family: Callable[[str], str]  # definitions that can be linked share one programme


@dataclass
class Problem:
    """Linked definitions: their cells, what is published of them, and their identities."""

    cells: list[Cell] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    eq: list[dict[int, float]] = field(default_factory=list)
    ub: list[dict[int, float]] = field(default_factory=list)

    def index(self) -> dict[Cell, int]:
        return {cell: i for i, cell in enumerate(self.cells)}


def _matrix(rows: list[dict[int, float]], width: int) -> coo_matrix | None:
    if not rows:
        return None
    r, c, v = [], [], []
    for i, row in enumerate(rows):
        for j, coefficient in row.items():
            r.append(i)
            c.append(j)
            v.append(coefficient)
    return coo_matrix((v, (r, c)), shape=(len(rows), width))


def _solve(
    objective: np.ndarray,
    ub: list[dict[int, float]],
    eq: list[dict[int, float]],
    bounds: list[tuple[float, float | None]],
    rhs: list[float] | None = None,
) -> Any:
    """``min objective @ x`` with ``ub @ x <= rhs`` (zero unless given) and ``eq @ x == 0``."""
    width = len(objective)
    return linprog(
        objective,
        A_ub=_matrix(ub, width),
        b_ub=(np.array(rhs) if rhs is not None else np.zeros(len(ub))) if ub else None,
        A_eq=_matrix(eq, width),
        b_eq=np.zeros(len(eq)) if eq else None,
        bounds=bounds,
        # interior point: the release's frame is tens of thousands of cells, where the
        # simplex took minutes per LP once every violence type had counts (seconds here)
        method="highs-ipm",
    )


def _box(problem: Problem) -> list[tuple[float, float | None]]:
    return [
        (low, high if np.isfinite(high) else None)
        for low, high in zip(problem.low, problem.high, strict=True)
    ]


def _near(problem: Problem, seeds: set[int], hops: int | None) -> list[int] | None:
    """The cells within ``hops`` identities of ``seeds`` (None: every cell)."""
    if hops is None:
        return None
    rows_of: dict[int, list[dict[int, float]]] = defaultdict(list)
    for row in (*problem.eq, *problem.ub):
        for j in row:
            rows_of[j].append(row)
    near, edge = set(seeds), set(seeds)
    for _ in range(hops):
        edge = {j for i in edge for row in rows_of[i] for j in row} - near
        near |= edge
    return sorted(near)


def _free(
    problem: Problem, truth: np.ndarray, tracked: list[tuple[int, float]], cells: list[int] | None
) -> tuple[set[int], np.ndarray]:
    """The tracked bounds (by position) one programme frees, moving only ``cells`` (None:
    all) from the truth, and the point it frees them at.

    Every other cell stays at its true value, so the identities they alone enter still hold:
    the point is feasible for the whole problem, and a bound it frees is not always tight.
    """
    n = len(problem.cells)
    moved = list(range(n)) if cells is None else cells
    at = {j: k for k, j in enumerate(moved)}
    m = len(moved)

    def local(rows: list[dict[int, float]]) -> tuple[list[dict[int, float]], list[float]]:
        kept, rhs = [], []
        for row in rows:
            if any(j in at for j in row):
                kept.append({at[j]: c for j, c in row.items() if j in at})
                rhs.append(-sum(c * truth[j] for j, c in row.items() if j not in at))
        return kept, rhs

    ub, ub_rhs = local(problem.ub)
    eq, eq_rhs = local(problem.eq)
    for k, (i, sense) in enumerate(tracked):
        # t_k <= x_i - low_i, or t_k <= high_i - x_i
        ub.append({m + k: 1.0, at[i]: sense})
        ub_rhs.append(-problem.low[i] if sense < 0 else problem.high[i])
    box = _box(problem)
    width = m + len(tracked)
    result = linprog(
        np.concatenate([np.zeros(m), -np.ones(len(tracked))]),
        A_ub=_matrix(ub, width),
        b_ub=np.array(ub_rhs),
        A_eq=_matrix(eq, width),
        b_eq=np.array(eq_rhs) if eq else None,
        bounds=[box[j] for j in moved] + [(0.0, 1.0)] * len(tracked),
        method="highs-ipm",  # several times faster than simplex on a whole frame
    )
    assert result.status == 0, result.message
    point = truth.copy()
    point[moved] = result.x[:m]
    return {k for k in range(len(tracked)) if result.x[m + k] > TOLERANCE}, point


def always_tight(problem: Problem, truth: np.ndarray) -> tuple[set[int], np.ndarray]:
    """Cells with a non-zero bound that may be tight at every feasible point, and a feasible
    point at which every other bound is slack.

    A bound slack at the truth (which is feasible) is not always tight, so only the bounds
    tight at the truth are examined, each with a slack variable ``t`` in [0, 1] below its
    slack: maximising their sum frees (``t > 0``) some of them at one point. The programme
    first moves only the cells near those bounds (a few identities away), then the whole
    problem; the bounds left are examined again until a programme over the whole problem
    frees none: then none of them has slack anywhere, and they are always tight. (One
    programme over all bounds, homogenised as Freund, Roundy and Todd do, is exact at once
    but took minutes on a whole frame of district cells.) The mean of the truth and of the
    points found has every freed bound slack.
    """
    n = len(problem.cells)
    tracked: list[tuple[int, float]] = [
        (i, -1.0) for i in range(n) if problem.low[i] > 0 and truth[i] - problem.low[i] < TOLERANCE
    ]
    tracked += [(i, 1.0) for i in range(n) if problem.high[i] - truth[i] < TOLERANCE]
    points: list[np.ndarray] = []
    for hops in (1, None):
        while tracked:
            cells = _near(problem, {i for i, _ in tracked}, hops)
            freed, point = _free(problem, truth, tracked, cells)
            if not freed:
                break
            points.append(point)
            tracked = [bound for k, bound in enumerate(tracked) if k not in freed]
    inner = (truth + np.mean(points, axis=0)) / 2 if points else truth
    return {i for i, _ in tracked}, inner


def feasible_range(problem: Problem, i: int) -> tuple[float, float]:
    """The least and greatest value of cell ``i`` consistent with everything published."""
    bounds = _box(problem)
    ends = []
    for sense in (1.0, -1.0):
        objective = np.zeros(len(problem.cells))
        objective[i] = sense
        result = _solve(objective, problem.ub, problem.eq, bounds)
        assert result.status in (0, 3), result.message
        ends.append(sense * result.fun if result.status == 0 else float("inf"))
    return ends[0], ends[1]


def _moved(problem: Problem, truth: np.ndarray, candidates: list[int], seed: int) -> list[int]:
    """The candidates an LP pushing them all up, all down or each at random leaves at the truth.

    The truth is feasible, so a cell found elsewhere at any feasible point is not pinned; a
    few such LPs clear most cells at once, leaving two LPs each for the rest.
    """
    bounds = _box(problem)
    objective = np.zeros(len(problem.cells))
    signs = {0: [-1.0], 1: [1.0]}.get(seed, [-1.0, 1.0])  # all up, all down, then at random
    objective[candidates] = np.random.default_rng(seed).choice(signs, len(candidates))
    result = _solve(objective, problem.ub, problem.eq, bounds)
    if result.status != 0:
        return candidates  # unbounded: proves nothing about any one cell
    x = result.x
    return [i for i in candidates if abs(x[i] - truth[i]) < TOLERANCE]


def pinned_small_counts(
    problem: Problem,
    truth: dict[Cell, float],
    among: Collection[Cell] | None = None,
    first_only: bool = False,
) -> list[tuple[Cell, float]]:
    """The true counts of 1 to 4 (of ``among``, when given) whose feasible range is a point."""
    candidates = [
        i
        for i, cell in enumerate(problem.cells)
        if 1 <= round(truth[cell]) <= 4 and (among is None or cell in among)
    ]
    if not candidates:
        return []
    values = np.array([truth[cell] for cell in problem.cells])
    tight, inner = always_tight(problem, values)
    if not tight:
        return []
    candidates = [i for i in candidates if abs(inner[i] - values[i]) < TOLERANCE]
    for seed in range(SCREENING_LPS):
        candidates = _moved(problem, values, candidates, seed)
    found = []
    for i in candidates:
        low, high = feasible_range(problem, i)
        if high - low < TOLERANCE:
            found.append((problem.cells[i], truth[problem.cells[i]]))
            if first_only:
                break
    return found


def identities(problem: Problem, structure: Structure) -> None:
    """Add every identity of ``structure`` between the cells of the problem."""
    index = problem.index()
    for cell in problem.cells:
        whole = index[cell]
        for parts_of in structure.parts:
            parts = [index[c] for c in parts_of(cell) if c in index and c != cell]
            if not parts:
                continue
            row = {whole: 1.0, **{part: -1.0 for part in parts}}
            if structure.additive(cell[0]):
                problem.eq.append(row)
                continue
            # a person in several parts is one person in the whole
            problem.ub.append(row)
            problem.ub.extend({part: 1.0, whole: -1.0} for part in parts)
        for wider in structure.within(cell[0]):
            other = index.get((wider, *cell[1:]))
            if other is not None:
                problem.ub.append({whole: 1.0, other: -1.0})


def _broken(rows: list[dict[int, float]], x: np.ndarray, equal: bool) -> list[dict[int, float]]:
    found = []
    for row in rows:
        value = sum(coefficient * x[j] for j, coefficient in row.items())
        if (abs(value) if equal else value) > TOLERANCE:
            found.append(row)
    return found


def violations(problem: Problem, truth: dict[Cell, float]) -> list[str]:
    """Every identity or published bound the true figures break (none, for an honest attack)."""
    x = np.array([truth[cell] for cell in problem.cells])
    broken = [
        f"{cell} = {x[i]} outside [{problem.low[i]}, {problem.high[i]}]"
        for i, cell in enumerate(problem.cells)
        if not problem.low[i] - TOLERANCE <= x[i] <= problem.high[i] + TOLERANCE
    ]
    for label, rows, equal in (("=", problem.eq, True), ("<=", problem.ub, False)):
        for row in _broken(rows, x, equal):
            terms = " ".join(f"{c:+g}*{problem.cells[j]}={x[j]:g}" for j, c in row.items())
            broken.append(f"{terms} {label} 0")
    return broken


BAND = "band"  # a count published as "fewer than T" rather than as a number


@dataclass(frozen=True)
class Publication:
    """How figures are published: perturbed by at most ``spread``; counts below ``threshold``
    (before or after their noise) published as ``BAND``, never as a number."""

    spread: float
    threshold: float = 1.0

    def bounds(self, value: float | str | None) -> tuple[float, float]:
        """What a published value says of the true count."""
        if value is None:
            return 0.0, float("inf")
        if value == BAND:
            return 0.0, self.threshold - 1 + self.spread
        assert isinstance(value, float | int), value
        floor = self.threshold if value >= self.threshold else 0.0
        return max(floor, value - self.spread), value + self.spread


def problems_build(
    published: dict[Cell, float | str | None],
    truth: dict[Cell, float],
    publication: Publication,
    structure: Structure,
) -> dict[str, Problem]:
    """One problem per family of definitions, each cell bounded by what its publication says."""
    problems: dict[str, Problem] = defaultdict(Problem)
    for cell in sorted(truth):
        problem = problems[structure.family(cell[0])]
        problem.cells.append(cell)
        low, high = publication.bounds(published.get(cell))
        problem.low.append(low)
        problem.high.append(high)
    for problem in problems.values():
        identities(problem, structure)
    return problems
