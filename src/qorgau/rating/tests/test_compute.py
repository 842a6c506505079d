"""Each step against hand-computed values; monotonicity; reproducibility of the Monte Carlo."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qorgau.rating.compute import (
    GroupSpec,
    IndicatorSpec,
    Method,
    Treatment,
    Uncertainty,
    aggregate,
    compute_index,
    effective_weights,
    impute,
    kurtosis,
    pca_weights,
    skewness,
    treat_column,
)
from qorgau.rating.normalisation import constant_columns, normalise
from qorgau.rating.uncertainty import improvements, monte_carlo

UP = np.array([1.0])
DOWN = np.array([-1.0])


def column(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)[:, None]


def small_method(**changes) -> Method:
    """Index = mean(A, B); A = mean(x, y) with weights 1:3; B = z (lower is better)."""
    method = Method(
        name="t",
        version=1,
        indicators=(
            IndicatorSpec("x", 1, 1.0, "A"),
            IndicatorSpec("y", 1, 3.0, "A"),
            IndicatorSpec("z", -1, 1.0, "B"),
        ),
        groups=(
            GroupSpec("index", 1, None),
            GroupSpec("A", 1, "index"),
            GroupSpec("B", 1, "index"),
        ),
        treatment=Treatment(method="none"),
        uncertainty=Uncertainty(draws=200, seed=7),
    )
    return replace(method, **changes)


def test_minmax():
    out = normalise(column(2, 4, 10), UP, "minmax")
    np.testing.assert_allclose(out[:, 0], [0, 25, 100])
    out = normalise(column(2, 4, 10), DOWN, "minmax")
    np.testing.assert_allclose(out[:, 0], [100, 75, 0])
    np.testing.assert_allclose(
        normalise(column(2, 4, 10), UP, "minmax", (1, 100))[:, 0], [1, 25.75, 100]
    )


def test_zscore_uses_the_sample_standard_deviation():
    out = normalise(column(1, 2, 3), UP, "zscore")
    np.testing.assert_allclose(out[:, 0], [-1, 0, 1])  # mean 2, sd 1


def test_rank_with_ties():
    out = normalise(column(5, 1, 5, 3), UP, "rank")
    # ranks 3.5, 1, 3.5, 2 → scaled (r − 1)/(n − 1)·100
    np.testing.assert_allclose(out[:, 0], [250 / 3, 0, 250 / 3, 100 / 3])


def test_distance_to_target_is_capped_at_the_target():
    out = normalise(column(0, 40, 80, 100), UP, "target", targets=np.array([80.0]))
    np.testing.assert_allclose(out[:, 0], [0, 50, 100, 100])
    out = normalise(column(10, 5, 2), DOWN, "target", targets=np.array([4.0]))
    # y = −x: min −10, target −4 → (y + 10)/6
    np.testing.assert_allclose(out[:, 0], [0, 500 / 6, 100])


def test_arithmetic_and_geometric_aggregation_by_hand():
    method = small_method()
    normalised = np.array([[10.0, 50.0, 80.0], [100.0, 20.0, 40.0]])
    weights = {"x": 1, "y": 3, "z": 1, "A": 1, "B": 1, "index": 1}
    values = aggregate(normalised, method, weights, "arithmetic")
    np.testing.assert_allclose(values["A"], [(10 + 150) / 4, (100 + 60) / 4])
    np.testing.assert_allclose(values["index"], [(40 + 80) / 2, (40 + 40) / 2])
    values = aggregate(normalised, method, weights, "geometric")
    a = (10 * 50**3) ** 0.25
    np.testing.assert_allclose(values["A"][0], a)
    np.testing.assert_allclose(values["index"][0], np.sqrt(a * 80))


def test_missing_child_is_skipped_and_weights_renormalised():
    method = small_method()
    normalised = np.array([[np.nan, 50.0, 80.0]])
    values = aggregate(
        normalised, method, {"x": 1, "y": 3, "z": 1, "A": 1, "B": 1, "index": 1}, "arithmetic"
    )
    assert values["A"][0] == pytest.approx(50)


def test_effective_weights_multiply_down_the_tree():
    method = small_method()
    shares = effective_weights(method, {"x": 1, "y": 3, "z": 1, "A": 1, "B": 1, "index": 1})
    assert shares == pytest.approx({"x": 0.125, "y": 0.375, "z": 0.5})


def test_skew_and_kurtosis_are_the_bias_corrected_ones_of_excel_and_coinr():
    from scipy import stats

    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100], dtype=float)
    # Excel SKEW/KURT = e1071 type 2 = scipy with bias=False (G1, G2)
    assert skewness(x) == pytest.approx(stats.skew(x, bias=False))
    assert kurtosis(x) == pytest.approx(stats.kurtosis(x, bias=False))


def test_winsorisation_replaces_the_extremes_then_stops():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100], dtype=float)
    treated, done = treat_column(x, Treatment(winmax=5))
    assert done.kind == "winsorised"
    assert treated.max() == 30 and done.points == 1  # 100 → 30 and the check passes
    assert not (abs(skewness(treated)) >= 2 and kurtosis(treated) >= 3.5)
    np.testing.assert_array_equal(treated[:11], x[:11])
    treated, done = treat_column(x, Treatment(winmax=0))
    assert done.kind == "log"  # not allowed to winsorise: log of the original values
    # COINr log_CT: log(x − min + 0.01·(max − min))
    np.testing.assert_allclose(treated, np.log(x - 1 + 0.99))


def test_imputation_is_flagged_and_worst_never_rewards_a_gap():
    x = np.array([[1.0, 10.0], [np.nan, 20.0], [3.0, np.nan]])
    filled, mask = impute(x, "mean", np.array([1.0, -1.0]))
    np.testing.assert_array_equal(mask, np.isnan(x))
    assert filled[1, 0] == 2 and filled[2, 1] == 15
    filled, _ = impute(np.vstack([x, [[10.0, 40.0]]]), "median", np.array([1.0, -1.0]))
    assert filled[1, 0] == 3 and filled[2, 1] == 20  # medians of (1, 3, 10) and (10, 20, 40)
    filled, _ = impute(x, "worst", np.array([1.0, -1.0]))
    assert filled[1, 0] == 1 and filled[2, 1] == 20


def test_an_indicator_nobody_has_is_left_out_and_said_so():
    method = small_method()
    data = np.array([[1.0, np.nan, 5.0], [2.0, np.nan, 3.0], [3.0, np.nan, 1.0]])
    result = compute_index(["a", "b", "c"], data, method)
    assert result.dropped == ["y"]
    assert result.method.codes == ["x", "z"]
    np.testing.assert_allclose(result.score, [0, 50, 100])


def test_pca_weights_are_shares():
    rng = np.random.default_rng(1)
    base = rng.normal(size=30)
    x = np.column_stack([base, base + rng.normal(size=30) * 0.1, rng.normal(size=30)])
    w = pca_weights(x)
    assert sum(w) == pytest.approx(1)
    assert w[0] > w[2] and w[1] > w[2]


def test_contributions_add_up_to_the_score():
    data = np.array([[1.0, 4.0, 5.0], [2.0, 3.0, 3.0], [3.0, 1.0, 2.0], [5.0, 2.0, 9.0]])
    for aggregation, scale in (("arithmetic", (0.0, 100.0)), ("geometric", (1.0, 100.0))):
        result = compute_index(
            list("abcd"), data, small_method(aggregation=aggregation, scale=scale)
        )
        np.testing.assert_allclose(result.contributions.sum(axis=1), result.score)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 100), min_size=12, max_size=12),
    st.integers(0, 3),
    st.floats(0.1, 50),
    st.sampled_from(["minmax", "rank", "zscore"]),
)
def test_a_better_value_never_lowers_the_score(values, unit, step, normalisation):
    method = small_method(normalisation=normalisation)
    data = np.array(values).reshape(4, 3)
    assume(not constant_columns(data).all())  # nothing to rank: refused, tested below
    before = compute_index(list("abcd"), data, method).score[unit]
    better = data.copy()
    better[unit, 0] += step  # x: higher is better
    better[unit, 2] -= step  # z: lower is better
    after = compute_index(list("abcd"), better, method).score[unit]
    assert after >= before - 1e-9


def test_monte_carlo_is_reproducible_and_separates_clear_from_noisy_differences():
    method = small_method(
        uncertainty=Uncertainty(
            draws=400, seed=3, normalisations=("minmax", "rank"), aggregations=("arithmetic",)
        )
    )
    # a and b are far apart; c and d nearly equal with wide intervals
    data = np.array([[90.0, 90, 10], [50, 50, 50], [20, 20, 80], [19, 19.5, 80.5]])
    result = compute_index(list("abcd"), data, method)
    low, high = data - 5, data + 5
    one = monte_carlo(result, low, high)
    two = monte_carlo(result, low, high)
    np.testing.assert_array_equal(one.rank_high, two.rank_high)
    np.testing.assert_array_equal(one.score_median, two.score_median)
    assert one.rank_low[0] == one.rank_high[0] == 1
    assert one.above_next[0] > 0.99  # a is above b in every draw
    assert 0.1 < one.above_next[2] < 0.9  # c vs d: noise
    assert one.rank_low[3] < one.rank_high[3]
    assert set(one.sensitivity) == {"sampling", "weights", "normalisation", "all"}
    other = monte_carlo(result, low, high, seed=4)
    assert not np.array_equal(other.score_median, one.score_median)


def test_improvements_name_the_indicator_that_moves_the_score_most():
    data = np.array([[1.0, 4.0, 5.0], [2.0, 3.0, 3.0], [3.0, 1.0, 2.0], [5.0, 2.0, 9.0]])
    result = compute_index(list("abcd"), data, small_method())
    gain, rank = improvements(result, step=10)
    # shares x 1/8, y 3/8, z 1/2: 10 points on z add 5 to the index (unless capped at 100)
    assert gain[0, 2] == pytest.approx(5)
    assert gain[0, 0] == pytest.approx(1.25)
    assert np.all(rank <= result.rank[:, None])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([0.0, 1.0, 2.5, 3.0, np.nan, -1.0]), min_size=3, max_size=3),
        min_size=1,
        max_size=9,
    ),
    st.sampled_from(["average", "min"]),
)
def test_lane_ranks_equal_scipy_rankdata(rows, ties):
    """The fast ranks used by the Monte Carlo are SciPy's, ties included."""
    from scipy.stats import rankdata

    from qorgau.rating.normalisation import lane_ranks

    lanes = np.nan_to_num(np.array(rows).T, nan=np.inf)  # 3 lanes, ties and repeats common
    expected = rankdata(lanes, axis=-1, method=ties)
    assert np.array_equal(lane_ranks(lanes, ties=ties), expected)


def test_aggregation_of_a_complete_table_equals_the_masked_computation():
    """The matrix-product path (no gaps) gives what the masked path gives."""
    method = small_method()
    rng = np.random.default_rng(5)
    values = rng.uniform(1, 100, size=(7, 10, 3))
    weights = rng.uniform(0.5, 1.5, size=(7, 6))
    for name in ("arithmetic", "geometric"):
        fast = aggregate(values, method, weights, name)
        gap = values.copy()
        gap[0, 0, 0] = np.nan  # one gap anywhere sends the whole table down the masked path
        masked = aggregate(gap, method, weights, name)
        for code in ("A", "B", "index"):
            assert np.allclose(fast[code][1:], masked[code][1:])
            assert np.allclose(fast[code][0, 1:], masked[code][0, 1:])


def test_monte_carlo_draws_do_not_depend_on_the_number_of_threads(monkeypatch):
    from qorgau.rating import uncertainty
    from qorgau.rating.uncertainty import active_factors, chunk_size, draw_many

    monkeypatch.setattr(uncertainty, "CELLS_PER_CHUNK", 12_000)  # 30 chunks of 100 draws

    method = small_method(
        uncertainty=Uncertainty(draws=3000, seed=2, normalisations=("minmax", "rank"))
    )
    rng = np.random.default_rng(3)
    raw = rng.gamma(4.0, 10.0, size=(40, 3))
    raw[3, 1] = np.nan
    result = compute_index([f"u{i}" for i in range(40)], raw, method)
    low, high = raw * 0.8, raw * 1.2
    factors = active_factors(result, low, high)
    seeded = np.random.SeedSequence(9)
    one = draw_many(result, low, high, 3000, seeded, factors, workers=1)
    two = draw_many(result, low, high, 3000, np.random.SeedSequence(9), factors, workers=2)
    assert chunk_size(result) == 100
    assert np.array_equal(one, two)
    assert len(np.unique(one[:, 0])) > 100  # the draws really vary
