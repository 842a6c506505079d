"""Stratified estimation: groups that capture differently are estimated apart and summed, and
groups too small to estimate are merged rather than published on a handful of overlaps."""

from __future__ import annotations

import numpy as np
import pytest

from qorgau.latency import mse
from qorgau.latency.mse_strata import StratifiedTable, stratified_estimate
from qorgau.linkage.selectors import stratum

LISTS = ("a", "b", "c", "d")


def _people(rng: np.random.Generator, truth: int, rates: list[float], group: int):
    seen = (rng.random((truth, len(rates))) < np.asarray(rates)).astype(int)
    seen = seen[seen.any(axis=1)]
    return seen, np.full((len(seen), 1), group)


def test_groups_that_capture_differently_are_estimated_apart():
    """Two groups, each with independent lists but very different capture rates: pooled, the
    lists look dependent and the total is underestimated; stratified, it is found."""
    rng = np.random.default_rng(7)
    often, often_group = _people(rng, 2_000, [0.5, 0.4, 0.5, 0.3], 0)
    rarely, rarely_group = _people(rng, 6_000, [0.08, 0.05, 0.06, 0.1], 1)
    seen, groups = np.vstack([often, rarely]), np.vstack([often_group, rarely_group])
    table = StratifiedTable.of(LISTS, seen, groups)
    pooled = mse.estimate(table.tables(0)[()], selection="independence", spread=False)
    split = stratified_estimate(table, selection="independence")
    assert pooled.estimate < 0.8 * 8_000
    assert split.ci_low <= 8_000 <= split.ci_high
    assert split.estimate == pytest.approx(8_000, rel=0.08)
    assert split.model == ["groups by the first 1 covariates: 2"]


def test_a_group_too_small_is_merged():
    rng = np.random.default_rng(8)
    big, big_group = _people(rng, 3_000, [0.3, 0.3, 0.3, 0.3], 0)
    tiny, tiny_group = _people(rng, 12, [0.3, 0.3, 0.3, 0.3], 1)
    table = StratifiedTable.of(LISTS, np.vstack([big, tiny]), np.vstack([big_group, tiny_group]))
    found = stratified_estimate(table)
    assert found.model == ["groups by the first 0 covariates: 1"]
    assert found.observed == len(big) + len(tiny)


def test_counts_by_group_give_the_same_people():
    groups = {(0, 1): {(1, 0, 1): 3, (0, 1, 0): 2}, (1, 2): {(1, 1, 0): 4}}
    table = StratifiedTable.from_groups(("p", "h", "c"), groups, keep=[0, 1])
    assert table.lists == ("p", "h") and len(table.seen) == 9
    assert sorted(map(tuple, table.covariates.tolist())).count((0, 1)) == 5


def test_the_strata_of_a_person():
    assert stratum("F", 1990, 2024) == (0, 1)
    assert stratum("M", 2010, 2024) == (1, 0)
    assert stratum("", 1960, 2024) == (2, 2)
    assert stratum("F", None, 2024) == (0, 3)
