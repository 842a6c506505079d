from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.monitoring.disclosure import TOTAL, CountTable, exposed_keys, feasible_ranges, suppress


def test_a_single_small_region_is_protected_by_a_second_suppression():
    table = CountTable(
        {("Abai", "n"): 3, ("Akmola", "n"): 40, ("Aktobe", "n"): 12, ("Atyrau", "n"): 25}
    )
    hidden = suppress(table)
    assert ("Abai", "n") in hidden and ("Aktobe", "n") in hidden  # the next smallest
    assert len(hidden) == 2
    low, high = feasible_ranges(table, table.published(), hidden)[("Abai", "n")]
    assert low == 0 and high == 15


def test_nothing_is_hidden_when_every_count_is_large_or_zero():
    table = CountTable({("a", "x"): 0, ("a", "y"): 10, ("b", "x"): 7, ("b", "y"): 9})
    assert suppress(table) == set()


def test_a_two_way_table_hides_a_rectangle_not_a_line():
    table = CountTable(
        {
            ("a", "F"): 2,
            ("a", "M"): 30,
            ("b", "F"): 40,
            ("b", "M"): 50,
            ("c", "F"): 60,
            ("c", "M"): 70,
        }
    )
    hidden = suppress(table)
    assert ("a", "F") in hidden
    assert exposed_keys(table, table.published(), hidden) == []


counts = st.integers(min_value=0, max_value=30)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.randoms(use_true_random=False), st.data())
def test_no_suppressed_value_can_be_recovered_from_the_published_table(n_rows, n_cols, rnd, data):
    cells = {(f"r{r}", f"c{c}"): data.draw(counts) for r in range(n_rows) for c in range(n_cols)}
    table = CountTable(cells)
    hidden = suppress(table)
    published = table.published()
    for key, value in published.items():
        if 0 < value < 5:
            assert key in hidden  # every small count is withheld
    ranges = feasible_ranges(table, published, hidden)
    for key in hidden:
        low, high = ranges[key]
        assert high - low >= 1, (key, published[key], low, high)
        assert low - 1e-6 <= published[key] <= high + 1e-6
    del rnd


def test_the_grand_total_is_published_when_large():
    table = CountTable({(r, c): random.Random(r + c).randint(5, 50) for r in "ab" for c in "xy"})
    assert (TOTAL, TOTAL) in table.published() and suppress(table) == set()
