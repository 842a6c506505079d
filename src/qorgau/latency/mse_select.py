"""Model selection for the log-linear models, and the checks a table must pass first.

* ``stepwise``: Chan, Silverman & Vincent 2021 (SparseMSE ``stepwisefit``): forward, by the
  one-sided Poisson p-value of a pair's overlap under the current model, threshold 0.02;
* ``aic``, ``bic``: the lowest criterion over *every* set of pairwise terms for up to five
  lists (1,024 models; a forward search missed the optimum in 6 of 20 five-list selections),
  forward by the criterion beyond (2^15 models for six lists);
* ``independence``: main effects only.

Candidates whose extended MLE would not exist or not be identifiable are never fitted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from django.utils.translation import gettext_lazy as _
from scipy import special

from qorgau.latency.mse_heterogeneity import HETEROGENEITY, select_heterogeneity
from qorgau.latency.mse_models import Fit, check_model, fit_model
from qorgau.latency.mse_table import CaptureTable, EstimationRefused, Pair, all_pairs

SELECTIONS = ("stepwise", "bic", "aic", "independence")
P_THRESHOLD = 0.02
EXHAUSTIVE_MAX_LISTS = 5
# People on two lists or more: below REFUSE the dark figure rests on one or two overlaps and
# its estimate is the inverse of a count that small (one overlap among 1,201 gave 471,373);
# below WARN the estimate is published with a specific warning.
REFUSE_OVERLAPS_BELOW = 3
WARN_OVERLAPS_BELOW = 10


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


def criterion_of(criterion: str) -> Callable[[Fit], float]:
    return (lambda f: f.aic) if criterion == "aic" else (lambda f: f.bic)


def _admissible_fit(
    table: CaptureTable, terms: tuple[Pair, ...], start: np.ndarray | None = None
) -> Fit | None:
    if check_model(table, terms) != 0:
        return None
    try:
        return fit_model(table, terms, check=False, start=start)
    except EstimationRefused:
        return None


def select_exhaustive(table: CaptureTable, criterion: str) -> Fit:
    """The lowest AIC or BIC over every admissible set of pairwise terms (cached: the spread
    of rules asks for AIC and BIC of the same table, and one pass finds both)."""
    key = (table.lists, table.patterns.tobytes(), table.counts.tobytes())
    if key not in _EXHAUSTIVE:
        if len(_EXHAUSTIVE) >= 64:
            _EXHAUSTIVE.clear()
        _EXHAUSTIVE[key] = _exhaustive(table)
    return _EXHAUSTIVE[key][criterion]


_EXHAUSTIVE: dict[tuple[tuple[str, ...], bytes, bytes], dict[str, Fit]] = {}


def _exhaustive(table: CaptureTable) -> dict[str, Fit]:
    """Both criteria's best model in one pass over the 2^(k(k−1)/2) sets of pairs.

    A model that fails the existence or identifiability check fails with any overlapping pair
    added (same cells, more columns), so its supersets by overlapping pairs are skipped
    without a linear program. A model with one overlapping pair more than an already fitted
    one starts from that fit's parameters (the new column's at 0): half the Newton steps.
    """
    pairs = all_pairs(len(table.lists))
    overlapping = {p for p in pairs if table.overlap(p) > 0}
    empty_model = fit_model(table, (), check=False)  # checked by select()
    best = {"aic": empty_model, "bic": empty_model}
    fitted: dict[tuple[Pair, ...], Fit] = {(): empty_model}
    failed: set[frozenset[Pair]] = set()
    for size in range(1, len(pairs) + 1):
        for subset in itertools.combinations(pairs, size):
            terms = frozenset(subset)
            if any(terms - {p} in failed for p in subset if p in overlapping):
                failed.add(terms)
                continue
            parent = fitted.get(subset[:-1]) if subset[-1] in overlapping else None
            start = None if parent is None else np.append(parent.params, 0.0)
            candidate = _admissible_fit(table, subset, start)
            if candidate is None:
                failed.add(terms)
                continue
            fitted[subset] = candidate
            for name, fit in best.items():
                if getattr(candidate, name) < getattr(fit, name) - 1e-9:
                    best[name] = candidate
    return best


def select_forward(table: CaptureTable, criterion: str) -> Fit:
    """Forward selection by AIC or BIC: add the pair that lowers it most while one does."""
    score = criterion_of(criterion)
    pairs = all_pairs(len(table.lists))
    best = fit_model(table, (), check=False)  # checked by select()
    chosen: list[Pair] = []
    while True:
        step = None
        for pair in pairs:
            if pair in chosen:
                continue
            candidate = _admissible_fit(table, (*chosen, pair))
            if candidate is not None and score(candidate) < score(step or best) - 1e-9:
                step = candidate
        if step is None:
            return best
        best, chosen = step, list(step.terms)


def select_by_criterion(table: CaptureTable, criterion: str) -> Fit:
    """Lowest AIC or BIC among admissible models: exhaustive up to five lists."""
    if len(table.lists) <= EXHAUSTIVE_MAX_LISTS:
        return select_exhaustive(table, criterion)
    return select_forward(table, criterion)


def select(table: CaptureTable, selection: str) -> Fit:
    if selection not in (*SELECTIONS, HETEROGENEITY):
        raise ValueError(f"unknown selection {selection!r}; one of {', '.join(SELECTIONS)}")
    check_table(table)
    if selection == HETEROGENEITY:
        return select_heterogeneity(table)
    if selection == "stepwise":
        return select_stepwise(table)
    if selection == "independence":
        return fit_model(table, (), check=False)
    return select_by_criterion(table, selection)


def check_table(table: CaptureTable) -> None:
    """Refuse a table no model can estimate from, whatever the selection."""
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
    check_overlaps(table)
    if check_model(table, ()) != 0:
        raise EstimationRefused(
            _(
                "Even the model of independent lists has no finite estimate: the overlaps "
                "between lists are too sparse."
            ),
            code="too_sparse",
        )


def check_overlaps(table: CaptureTable) -> None:
    """Refuse a table whose dark figure would rest on one or two people seen twice."""
    several = table.on_several_lists()
    if 0 < several < REFUSE_OVERLAPS_BELOW:
        raise EstimationRefused(
            _(
                "People seen on more than one list: %(overlap)s of %(observed)s. That is too "
                "few to estimate how many every list missed."
            )
            % {"overlap": several, "observed": table.observed},
            code="sparse_overlap",
        )


def sparse_overlap_warning(table: CaptureTable) -> str | None:
    several = table.on_several_lists()
    if several >= WARN_OVERLAPS_BELOW:
        return None
    return str(
        _(
            "People seen on more than one list: only %(overlap)s of %(observed)s. The estimate "
            "rests on these few and may be far off, whatever its interval says."
        )
        % {"overlap": several, "observed": table.observed}
    )
