"""The Spark backend really run: Splink on Spark in local mode against DuckDB, same records.

The two backends train the same model (:func:`qorgau.linkage.splink_model.spec_for_backend`
translates its SQL) on the independent test country (444 records at scale 0.3, about a quarter
without an IIN; built in memory, no database) and link it. They cannot give bit-identical
scores: Splink's u step counts random pairs chunk by chunk and stops once every level has been
seen 100 times, and the chunks are cut by each engine's own hash of the record id (DuckDB's
``hash``, Spark's Murmur3), so the two count slightly different pairs. Every comparison level
evaluates identically on every pair (checked when this test was written), and the prior comes
from the same deterministic rule, so what differs is some u values (up to 0.07 on a common
level) and the EM path from there: up to about 0.6 bits of match weight on a pair. Hence the
test asks for the same pairs, weights within a bit, the same decision on every pair more than
a bit from the threshold, and clusters with an adjusted Rand index of at least 0.99.

Skipped only when pyspark or Java is missing, and ``QORGAU_REQUIRE_SPARK`` (set by
``.ci/run``) turns that skip into a failure.
"""

from __future__ import annotations

import importlib.util
import math
import os
import shutil
from collections import Counter
from collections.abc import Iterator, Sequence
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from qorgau.linkage.engine import Linked, link
from qorgau.linkage.models import LinkageRun, RunStatus
from qorgau.linkage.splink_model import backend_api
from qorgau.linkage.tests.independent_country import country_generate
from qorgau.linkage.tests.test_model import _country_records

HAS_SPARK = importlib.util.find_spec("pyspark") is not None and bool(
    shutil.which("java") or os.environ.get("JAVA_HOME")
)
if not HAS_SPARK and os.environ.get("QORGAU_REQUIRE_SPARK"):
    raise RuntimeError("QORGAU_REQUIRE_SPARK is set but pyspark or a Java runtime is missing")

SPARK_MARKS = [
    pytest.mark.spark,
    pytest.mark.skipif(
        not HAS_SPARK,
        reason="pyspark or Java missing (pip install -e '.[spark]'; "
        "apt-get install default-jre-headless)",
    ),
]
pytestmark = SPARK_MARKS

THRESHOLD = 0.9
REVIEW_LOW = 0.5
BITS = 1.0  # the largest difference in match weight allowed between the backends


def _weight(probability: float) -> float:
    """Match weight (log2 of the odds) of a probability: where the backends' arithmetic is
    compared, since probabilities near 1 squeeze large differences together."""
    probability = min(probability, 1 - 1e-15)
    return math.log2(probability / (1 - probability))


def adjusted_rand_index(left: Sequence[int], right: Sequence[int]) -> float:
    """Hubert and Arabie's adjusted Rand index of two partitions of the same records."""

    def pairs(n: int) -> float:
        return n * (n - 1) / 2

    both = sum(pairs(n) for n in Counter(zip(left, right, strict=True)).values())
    first = sum(pairs(n) for n in Counter(left).values())
    second = sum(pairs(n) for n in Counter(right).values())
    expected = first * second / pairs(len(left))
    largest = (first + second) / 2
    return 1.0 if largest == expected else (both - expected) / (largest - expected)


def test_adjusted_rand_index():
    assert adjusted_rand_index([1, 1, 2, 2], [5, 5, 7, 7]) == 1.0
    assert adjusted_rand_index([1, 1, 2, 2], [1, 2, 1, 2]) < 0
    assert 0 < adjusted_rand_index([1, 1, 1, 2, 3], [1, 1, 2, 2, 3]) < 1


@pytest.fixture(scope="module", autouse=True)
def _spark_stopped_after() -> Iterator[None]:
    """One Spark session for the module (started by the first test needing it), stopped at
    its end: a JVM of a gigabyte or two has no business in the rest of the test run."""
    yield
    if HAS_SPARK:
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        if session is not None:
            session.stop()


@pytest.fixture(scope="module")
def linked() -> dict[str, Any]:
    records = _country_records(country_generate(seed=7, scale=0.3))
    runs = {
        backend: link(
            records,
            threshold=THRESHOLD,
            review_low=REVIEW_LOW,
            backend=backend,
            api=backend_api(backend),
        )
        for backend in ("duckdb", "spark")
    }
    return {"records": records, **runs}


def _scores(result: Linked) -> dict[tuple[int, int], float]:
    return {(a, b): p for a, b, p in result.review + result.scored}


@pytest.mark.one_backend
def test_spark_scores_the_pairs_duckdb_scores(linked):
    duck, spark = _scores(linked["duckdb"]), _scores(linked["spark"])
    assert len(duck) > 50  # there was something to score
    assert linked["duckdb"].compared == len(duck) and linked["spark"].compared == len(spark)
    review = _weight(REVIEW_LOW)
    # A pair only one backend returns lies at the review cut, within the allowed difference.
    for pair in duck.keys() ^ spark.keys():
        assert abs(_weight(duck.get(pair) or spark[pair]) - review) < BITS, pair
    common = duck.keys() & spark.keys()
    assert len(common) >= 0.95 * len(duck)
    assert max(abs(_weight(duck[p]) - _weight(spark[p])) for p in common) < BITS
    cut = _weight(THRESHOLD)
    for pair in common:
        if min(abs(_weight(duck[pair]) - cut), abs(_weight(spark[pair]) - cut)) >= BITS:
            assert (duck[pair] >= THRESHOLD) == (spark[pair] >= THRESHOLD), pair


@pytest.mark.one_backend
def test_spark_gives_the_clusters_of_duckdb(linked):
    duck, spark = linked["duckdb"], linked["spark"]
    assert duck.exact == spark.exact  # the IIN and source-record links, computed in Python
    assert len(set(duck.clusters)) < len(linked["records"])  # records were linked
    assert adjusted_rand_index(duck.clusters, spark.clusters) >= 0.99
    assert abs(len(set(duck.clusters)) - len(set(spark.clusters))) <= 2


@pytest.mark.one_backend
def test_spark_trains_the_same_model(linked):
    duck, spark = linked["duckdb"].model, linked["spark"].model
    assert duck["prior"] == pytest.approx(spark["prior"], rel=1e-9)  # the same rule's count
    assert [c["name"] for c in duck["comparisons"]] == [c["name"] for c in spark["comparisons"]]
    for ours, theirs in zip(duck["comparisons"], spark["comparisons"], strict=True):
        assert [level["label"] for level in ours["levels"]] == [
            level["label"] for level in theirs["levels"]
        ]
        for a, b in zip(ours["levels"], theirs["levels"], strict=True):
            # m from EM on the same blocked pairs: within a hundredth (an m EM drives to the
            # floor, 0.001, is 0.004 on the other backend: 2 bits of weight on rare pairs).
            assert abs(a["m"] - b["m"]) < 0.01, (ours["name"], a["label"])
            # u from Splink's chunked sample, stopped at 100 pairs a level: a common level
            # ("sex: same", "place: different region") is counted on a probe of 1% of the
            # pairs, a different 1% on each engine (measured: up to 0.07).
            assert abs(a["u"] - b["u"]) < 0.1, (ours["name"], a["label"])
    assert [s["step"].startswith("EM") for s in duck["training"]] == [
        s["step"].startswith("EM") for s in spark["training"]
    ]


@pytest.mark.django_db
def test_the_command_runs_on_spark():
    """``qorgau linkage run --backend spark`` starts (or reuses) the session and finishes
    the run on it; with no register record in the test database there is nothing to score."""
    out = StringIO()
    call_command("linkage", "run", "--backend", "spark", stdout=out, stderr=StringIO())
    run = LinkageRun.objects.get()
    assert run.backend == "spark" and run.status == RunStatus.FINISHED, run.error
    assert run.counts["records"] == 0
