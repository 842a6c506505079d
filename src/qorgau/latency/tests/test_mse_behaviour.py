"""How the estimators behave: refusals, invariants, coverage where the assumptions hold,
reading files, and the survey-based estimate."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qorgau.latency import mse
from qorgau.latency.survey import SurveyRate, survey_estimate
from qorgau.latency.tables import TableError, parse_capture_rows


def table(lists: str, counts: dict[str, int]) -> mse.CaptureTable:
    return mse.CaptureTable.from_counts(
        list(lists), {tuple(int(c) for c in k): v for k, v in counts.items()}
    )


def test_two_lists_without_overlap_are_refused():
    with pytest.raises(mse.EstimationRefused) as refused:
        mse.estimate(table("AB", {"10": 30, "01": 20}))
    assert refused.value.code == "no_overlap"
    assert "share nobody" in str(refused.value.reason)


def test_lists_that_share_nobody_are_refused():
    with pytest.raises(mse.EstimationRefused) as refused:
        mse.estimate(table("ABC", {"100": 30, "010": 20, "001": 10}))
    assert refused.value.code == "no_overlap"


def test_an_empty_list_is_refused_with_its_name():
    with pytest.raises(mse.EstimationRefused) as refused:
        mse.estimate(table("ABC", {"100": 30, "110": 5, "010": 20}))
    assert refused.value.code == "empty_list"
    assert "C" in str(refused.value.reason)


def test_a_table_whose_independence_model_has_no_finite_estimate_is_refused():
    # Everybody on C is also on A: the linear program finds no finite MLE (Fienberg–Rinaldo).
    sparse = table("ABC", {"100": 4, "101": 4, "111": 2, "010": 0})
    assert mse.check_model(sparse, ()) & 1
    with pytest.raises(mse.EstimationRefused) as refused:
        mse.estimate(sparse)
    assert refused.value.code in {"too_sparse", "not_converged", "too_uncertain"}


def test_a_saturated_model_is_refused_as_not_identifiable():
    # As Artificial3: A:C and B:C share nobody, so with every pair in the model the cells left
    # cannot identify the parameters.
    full = table("ABC", {"100": 40, "010": 30, "001": 20, "110": 6})
    with pytest.raises(mse.EstimationRefused) as refused:
        mse.fit_model(full, [(0, 1), (0, 2), (1, 2)], check=False)
    assert refused.value.code == "not_identifiable"


def test_unknown_selection_is_an_error_not_a_refusal():
    with pytest.raises(ValueError, match="unknown selection"):
        mse.estimate(table("ABC", {"100": 1, "110": 1, "011": 1}), selection="magic")


def test_two_lists_give_chapman_and_lincoln_petersen():
    result = mse.estimate(table("AB", {"10": 1507, "01": 1125, "11": 403}))
    assert result.method == "chapman"
    assert result.estimate == pytest.approx(7231.47, abs=0.01)
    assert result.lincoln_petersen == pytest.approx(7241.89, abs=0.01)
    assert result.observed == 1507 + 1125 + 403


def test_the_result_carries_the_spread_across_rules_and_the_chao_bound():
    data = table("ABC", {"100": 40, "010": 30, "001": 20, "110": 6, "101": 5, "011": 4, "111": 1})
    result = mse.estimate(data)
    assert set(result.spread["rules"]) == set(mse.SELECTIONS)
    assert result.spread["min"] <= result.estimate <= result.spread["max"]
    # Chao (1987) for t = 3 lists carries the factor (t−1)/t; the bound reported is its
    # log-linear version with list effects (Mth Chao), as test_mse_bounds.py explains.
    assert mse.chao_closed_form(data) == pytest.approx(106 + (2 / 3) * 90**2 / (2 * 15))
    assert result.chao == pytest.approx(mse.chao_of(data))
    payload = result.as_dict()
    for key in ("estimate", "ci_low", "ci_high", "observed", "method", "model"):
        assert key in payload


counts_3 = st.lists(st.integers(min_value=0, max_value=60), min_size=7, max_size=7)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=counts_3, selection=st.sampled_from(mse.SELECTIONS))
def test_any_table_gives_a_sane_estimate_or_a_reasoned_refusal(counts, selection):
    patterns = [p for p in itertools.product((0, 1), repeat=3) if any(p)]
    data = mse.CaptureTable.from_counts("ABC", dict(zip(patterns, counts, strict=True)))
    try:
        result = mse.estimate(data, selection=selection, spread=False)
    except mse.EstimationRefused as refused:
        assert refused.code and str(refused.reason)
        return
    assert math.isfinite(result.estimate)
    assert result.estimate >= result.observed - 1e-6
    assert result.ci_low <= result.estimate <= result.ci_high


def _simulate(rng, truth: int, probabilities: tuple[float, ...]) -> mse.CaptureTable:
    captured = rng.random((truth, len(probabilities))) < np.asarray(probabilities)
    counts: dict[tuple[int, ...], int] = {}
    for row in captured[captured.any(axis=1)].astype(int):
        counts[tuple(row)] = counts.get(tuple(row), 0) + 1
    return mse.CaptureTable.from_counts("ABC", counts)


def test_the_interval_covers_the_truth_where_the_assumptions_hold():
    """Independent, homogeneous lists: ≥ 90% of 120 stepwise intervals cover the truth."""
    rng = np.random.default_rng(20261127)
    truth, covered, replications = 1000, 0, 120
    for _ in range(replications):
        result = mse.estimate(_simulate(rng, truth, (0.3, 0.25, 0.2)), spread=False)
        covered += result.ci_low <= truth <= result.ci_high
    assert covered / replications >= 0.90


def test_reading_a_table_names_the_row_and_column_of_a_problem():
    good = parse_capture_rows([["A", "B", "count"], ["1", "0", "5"], ["1", "1", "2"]])
    assert good.observed == 7
    problems = {
        "count": [["A", "B"], ["1", "0"]],
        "Row 2, column 'B'": [["A", "B", "count"], ["1", "x", "5"]],
        "Row 3, column 'count'": [["A", "B", "count"], ["1", "0", "5"], ["0", "1", "-2"]],
        "Row 2: 2 values": [["A", "B", "count"], ["1", "0"]],
        "all-zero": [["A", "B", "count"], ["0", "0", "9"]],
        "twice": [["A", "B", "count"], ["1", "0", "5"], ["1", "0", "2"]],
    }
    for message, rows in problems.items():
        with pytest.raises(TableError, match=message):
            parse_capture_rows(rows)


def test_survey_estimate_uses_the_log_scale_delta_method():
    # CSEW YE Mar 2023: 18.9% of partner-abuse victims told the police (reference_figures.csv).
    found = survey_estimate(1890, SurveyRate(0.189, 1000))
    assert found.estimate == pytest.approx(10000)
    se_log = math.sqrt(0.189 * 0.811 / 1000) / 0.189
    assert found.ci_low == pytest.approx(10000 * math.exp(-mse.Z95 * se_log))
    assert found.ci_high == pytest.approx(10000 * math.exp(mse.Z95 * se_log))
    assert "delta" in found.interval


def test_small_surveys_use_the_beta_posterior_and_bad_rates_are_refused():
    small = survey_estimate(80, SurveyRate(0.08, 50), seed=1)
    assert "Beta" in small.interval
    assert small.ci_low < small.estimate < small.ci_high
    with pytest.raises(mse.EstimationRefused):
        survey_estimate(80, SurveyRate(0.0, 50))
