"""An outside analyst with every public figure of a year: bounds on each true count by LP.

The analyst gathers the public release of a year, its quarters and months, at district, region
and national level, with every breakdown, and knows how the tables hang together
(``Structure``): a whole equals the sum of its parts over territories, periods and breakdown
categories (for distinct persons: is at most that sum and at least each part); a count over
a subset of another's records is at most that count (a numerator beside its denominator); the
same definition is the same figure in every indicator; an absent cell is zero. Each published
value ``v`` says the truth lies in ``[v - D, v + D]`` (``D`` the largest perturbation, 0 for
exact publication), and at least 1 when ``v`` is (zeros are published as zeros); a withheld one
says nothing. A true count is *pinned* when the least and greatest value of a linear programme
over all of this agree.

The analyst is honest: ``violations`` lists every identity or bound the true figures break, and
the attack is only meaningful when there is none (an identity that does not hold makes the LP
infeasible or pins what is not known).

Finding every pinned cell costs one LP per linked family of definitions (Freund, Roundy and
Todd, "Identifying the set of always-active constraints in a system of linear inequalities by
a single linear program", 1985): the bounds that are tight at every feasible point are found at
once. The identities are homogeneous and the truth satisfies them, so if no bound ``v ± D`` (or
``v - D > 0``) is always tight, the truth can be moved along itself from a relative-interior
point and no nonzero count is pinned. Only when some bound is always tight are the small
counts checked one by one with two LPs each.
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
) -> Any:
    width = len(objective)
    return linprog(
        objective,
        A_ub=_matrix(ub, width),
        b_ub=np.zeros(len(ub)) if ub else None,
        A_eq=_matrix(eq, width),
        b_eq=np.zeros(len(eq)) if eq else None,
        bounds=bounds,
        method="highs",
    )


def always_tight(problem: Problem) -> tuple[set[int], np.ndarray]:
    """Cells with a non-zero bound tight at every feasible point (one LP), and a feasible
    point at which every other bound is slack."""
    n = len(problem.cells)
    lows = [i for i in range(n) if problem.low[i] > 0]
    highs = [i for i in range(n) if np.isfinite(problem.high[i])]
    rows: list[dict[int, float]] = list(problem.ub)
    for k, i in enumerate(lows):
        rows.append({i: -1.0, n: problem.low[i], n + 1 + k: 1.0})
    for k, i in enumerate(highs):
        rows.append({i: 1.0, n: -problem.high[i], n + 1 + len(lows) + k: 1.0})
    objective = np.zeros(n + 1 + len(lows) + len(highs))
    objective[n + 1 :] = -1.0
    free: tuple[float, float | None] = (0.0, None)
    bounds = [free] * n + [(1.0, None)] + [(0.0, 1.0)] * (len(lows) + len(highs))
    result = _solve(objective, rows, problem.eq, bounds)
    assert result.status == 0, result.message
    slack = result.x[n + 1 :]
    tight = {i for k, i in enumerate(lows) if slack[k] < 0.5}
    tight |= {i for k, i in enumerate(highs) if slack[len(lows) + k] < 0.5}
    return tight, result.x[:n] / result.x[n]


def feasible_range(problem: Problem, i: int) -> tuple[float, float]:
    """The least and greatest value of cell ``i`` consistent with everything published."""
    bounds = [
        (low, high if np.isfinite(high) else None)
        for low, high in zip(problem.low, problem.high, strict=True)
    ]
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
    bounds = [
        (low, high if np.isfinite(high) else None)
        for low, high in zip(problem.low, problem.high, strict=True)
    ]
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
    tight, inner = always_tight(problem)
    if not tight:
        return []
    values = np.array([truth[cell] for cell in problem.cells])
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


def problems_build(
    published: dict[Cell, float | None],
    truth: dict[Cell, float],
    spread: float,
    structure: Structure,
) -> dict[str, Problem]:
    """One problem per family of definitions, each cell bounded by what its publication says."""
    problems: dict[str, Problem] = defaultdict(Problem)
    for cell in sorted(truth):
        problem = problems[structure.family(cell[0])]
        problem.cells.append(cell)
        value = published.get(cell)
        if value is None:
            problem.low.append(0.0)
            problem.high.append(float("inf"))
            continue
        problem.low.append(max(1.0 if value >= 1 else 0.0, value - spread))
        problem.high.append(value + spread)
    for problem in problems.values():
        identities(problem, structure)
    return problems
