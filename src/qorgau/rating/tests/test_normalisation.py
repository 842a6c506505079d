"""Near-ties and constant indicators: rounding noise must never move a score or a rank."""

from __future__ import annotations

import numpy as np
import pytest

from qorgau.rating.compute import compute_index
from qorgau.rating.normalisation import (
    constant_columns,
    lane_ranks,
    merge_near_ties,
    normalise,
    ranks_of,
)
from qorgau.rating.tests.test_compute import UP, column, small_method

NOISE = 100.00000000000001  # 100 as a share computed as 7/7·100 in one region, 13/13·100 in another


def test_near_ties_are_one_value_before_any_normalisation():
    x = column(50, 100, NOISE, 100, NOISE)
    assert merge_near_ties(x)[:, 0].tolist() == [50, 100, 100, 100, 100]
    for method in ("minmax", "rank", "zscore"):
        result = compute_index(
            list("abcde"), x, small_method(normalisation=method).without({"y", "z"})
        )
        out = result.normalised[:, 0]
        assert out[1] == out[2] == out[3] == out[4], method
        assert result.rank.tolist() == [5, 1, 1, 1, 1]
    # normalise alone (a Monte Carlo draw) keeps them within the tolerance: still one rank
    out = normalise(x, UP, "minmax")[:, 0]
    assert np.ptp(out[1:]) < 1e-9 and ranks_of(out).tolist() == [5, 1, 1, 1, 1]
    assert normalise(x, UP, "rank")[1:, 0].tolist() == [62.5] * 4


def test_a_column_of_near_ties_is_constant_and_never_scaled_to_0_and_100():
    x = column(100, NOISE, 100, 100, NOISE, 100)
    assert constant_columns(x).tolist() == [True]
    for method in ("minmax", "rank"):
        np.testing.assert_array_equal(normalise(x, UP, method)[:, 0], 50.0)
    np.testing.assert_array_equal(normalise(x, UP, "zscore")[:, 0], 0.0)
    assert merge_near_ties(x)[:, 0].tolist() == [100.0] * 6


def test_the_tolerance_is_a_billionth_of_the_indicator_not_more():
    assert constant_columns(column(100, 100 + 1e-8)).tolist() == [True]
    assert constant_columns(column(100, 100 + 1e-6)).tolist() == [False]
    # relative to the indicator's largest value: noise around 0 in a 0–100 indicator is a tie
    assert merge_near_ties(column(0.1 + 0.2 - 0.3, 0.0, 100))[:, 0].tolist() == [0, 0, 100]
    np.testing.assert_array_equal(merge_near_ties(column(1, 2, 3, np.nan)), column(1, 2, 3, np.nan))


def test_near_tied_scores_share_a_rank():
    scores = np.array([66.66666666666667, 66.66666666666666, 10.0, np.nan])
    assert ranks_of(scores).tolist() == [1, 1, 3, 4]
    assert lane_ranks(np.array([1.0, 1 + 1e-12, 3.0]), ties="average").tolist() == [1.5, 1.5, 3]


def test_a_constant_indicator_gets_no_weight_whichever_units_carry_the_noise():
    """The finding: four regions at 100.00000000000001, the rest at 100, swung ±4 points."""
    method = small_method()  # index = mean(A, B); A = x:y 1:3; B = z
    x, z = [10.0, 20, 30, 40, 50, 60], [5.0, 3, 4, 1, 2, 6]
    results = []
    for noisy in ([1, 4], [0, 2, 3, 5], []):
        y = [NOISE if i in noisy else 100.0 for i in range(6)]
        results.append(compute_index(list("uvwxyz"), np.column_stack([x, y, z]), method))
    for result in results:
        assert result.constant == {"y": 100.0}
        assert result.method.codes == ["x", "z"]  # no weight: x carries all of A
        np.testing.assert_array_equal(result.score, results[0].score)
        np.testing.assert_allclose(result.contributions.sum(axis=1), result.score)
    without_y = compute_index(
        list("uvwxyz"), np.column_stack([x, z]), method.without({"y"}), treat_data=False
    )
    np.testing.assert_allclose(results[0].score, without_y.score)


def test_nothing_to_rank_is_refused_with_the_reason():
    data = np.column_stack([[1.0, 1, 1], [100, NOISE, 100], [np.nan, np.nan, np.nan]])
    with pytest.raises(ValueError, match="no indicator tells the units apart"):
        compute_index(list("abc"), data, small_method())
