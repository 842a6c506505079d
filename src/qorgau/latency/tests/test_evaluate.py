"""`qorgau latency evaluate`: simulated countries with a known truth, scored per method.

The designs are drawn by rules of their own (not the synthetic country's); the assertions are
the properties the method documentation claims, on a fixed seed."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qorgau.latency.evaluation import evaluate

pytestmark = pytest.mark.one_backend


def test_stratifying_removes_the_bias_of_recorded_covariates():
    found = {
        (s.design, s.method): s
        for s in evaluate(
            designs=("homogeneous", "covariates"),
            methods=("stepwise", "stratified"),
            replications=4,
            seed=5,
        )
    }
    for method in ("stepwise", "stratified"):
        assert found[("homogeneous", method)].median_ratio == pytest.approx(1.0, abs=0.1)
        assert found[("homogeneous", method)].published == 1.0
    pooled, split = found[("covariates", "stepwise")], found[("covariates", "stratified")]
    assert pooled.median_ratio < 0.92  # capture driven by sex, age, injury: too low
    assert abs(split.median_ratio - 1) < abs(pooled.median_ratio - 1) / 2


def test_unrecorded_heterogeneity_is_mostly_withheld():
    """Where something no register records drives capture, the checks publish most regions
    as lower bounds rather than as estimates."""
    (frailty,) = evaluate(designs=("frailty",), methods=("stepwise",), replications=3, seed=5)
    assert frailty.published < 0.6


def test_the_command_prints_and_writes_the_table(tmp_path):
    out, path = StringIO(), tmp_path / "evaluation.csv"
    call_command(
        "latency",
        "evaluate",
        "--replications",
        "1",
        "--designs",
        "homogeneous",
        "--methods",
        "stepwise",
        "--out",
        str(path),
        stdout=out,
        stderr=StringIO(),
    )
    assert "median_estimate_over_truth" in out.getvalue()
    (row,) = list(csv.DictReader(path.open(encoding="utf-8")))
    assert row["design"] == "homogeneous" and row["method"] == "stepwise"


def test_the_command_refuses_unknown_names():
    with pytest.raises(CommandError, match="choose from"):
        call_command("latency", "evaluate", "--designs", "utopia", stdout=StringIO())
    with pytest.raises(CommandError, match="replications"):
        call_command("latency", "evaluate", "--replications", "0", stdout=StringIO())
