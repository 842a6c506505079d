"""The capture table every multiple-systems estimator starts from, and the refusal it may end in.

Pure data: counts of each observable capture pattern over ``k`` lists. ``mse.py`` re-exports
these names; the other ``mse_*`` modules build on them.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))

Pair = tuple[int, int]


class EstimationRefused(Exception):
    """The data cannot support an estimate; ``reason`` says why (translatable)."""

    def __init__(self, reason: str | Promise, *, code: str) -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class CaptureTable:
    """Counts of every observable capture pattern of ``lists`` (the all-zero one excluded)."""

    lists: tuple[str, ...]
    patterns: np.ndarray  # (2^k − 1, k) of 0/1, ordered by number of lists, then binary
    counts: np.ndarray  # (2^k − 1,) of non-negative integers

    @classmethod
    def from_counts(
        cls, lists: Sequence[str], counts: Mapping[tuple[int, ...], int]
    ) -> CaptureTable:
        k = len(lists)
        if k < 2:
            raise EstimationRefused(_("At least two lists are needed."), code="too_few_lists")
        patterns = [p for p in itertools.product((0, 1), repeat=k) if any(p)]
        patterns.sort(key=lambda p: (sum(p), tuple(-v for v in p)))
        index = {p: i for i, p in enumerate(patterns)}
        values = np.zeros(len(patterns), dtype=np.int64)
        for pattern, count in counts.items():
            key = tuple(int(v) for v in pattern)
            if len(key) != k or key not in index:
                if len(key) == k and not any(key):
                    continue  # the dark figure is never observed
                raise ValueError(f"pattern {pattern} does not fit {k} lists")
            if count < 0:
                raise ValueError(f"negative count for pattern {pattern}")
            values[index[key]] += int(count)
        return cls(tuple(lists), np.asarray(patterns, dtype=np.int64), values)

    @property
    def observed(self) -> int:
        return int(self.counts.sum())

    def list_totals(self) -> dict[str, int]:
        totals = self.patterns.T @ self.counts
        return {name: int(t) for name, t in zip(self.lists, totals, strict=True)}

    def overlap(self, pair: Pair) -> int:
        i, j = pair
        return int((self.patterns[:, i] * self.patterns[:, j] * self.counts).sum())

    def frequencies(self) -> dict[int, int]:
        """f_k: individuals seen on exactly k lists."""
        seen_on = self.patterns.sum(axis=1)
        return {int(k): int(self.counts[seen_on == k].sum()) for k in range(1, len(self.lists) + 1)}

    def on_several_lists(self) -> int:
        """People seen on two lists or more: all the information there is about the missed."""
        return self.observed - self.frequencies().get(1, 0)

    def pair_name(self, pair: Pair) -> str:
        return f"{self.lists[pair[0]]}:{self.lists[pair[1]]}"

    def with_counts(self, counts: np.ndarray) -> CaptureTable:
        return CaptureTable(self.lists, self.patterns, np.asarray(counts, dtype=np.int64))


def all_pairs(k: int) -> list[Pair]:
    return [(i, j) for i in range(k - 1) for j in range(i + 1, k)]
