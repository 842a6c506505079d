"""Stratified multiple-systems estimation: estimate within groups, sum the groups.

When the chance of reaching a register depends on something every register records — sex,
age band, injury — people of different groups are pooled into one table whose lists look
dependent although, within each group, they may not be. Estimating within each group and
summing removes that part of the heterogeneity (the standard remedy: IWGDMF 1995, Bird & King
2018). Groups must stay large enough to estimate: when any group's table cannot support an
estimate (refused, or too few people on two registers), the finest covariate is dropped and
the groups merged, down to the unstratified table if need be. The figure says how far it got.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from qorgau.latency.mse import Estimate, estimate
from qorgau.latency.mse_select import WARN_OVERLAPS_BELOW
from qorgau.latency.mse_table import Z95, CaptureTable, EstimationRefused

STRATIFIED = "stratified"
# Within each group, the Mth models of a propensity no register records (mse_heterogeneity):
# groups remove what sex and age explain, the heterogeneity term what is left.
STRATIFIED_MH = "stratified_mh"
WITHIN_GROUPS = {STRATIFIED: "stepwise", STRATIFIED_MH: "heterogeneity"}


@dataclass(frozen=True)
class StratifiedTable:
    """Capture patterns of the people seen, each with its covariates (coarsest first)."""

    lists: tuple[str, ...]
    seen: np.ndarray  # (n, k) of 0/1
    covariates: np.ndarray  # (n, c) of small integers, the coarsest covariate first

    @classmethod
    def from_groups(
        cls,
        lists: Sequence[str],
        groups: Mapping[Any, Mapping[tuple[int, ...], int]],  # group (a tuple) → pattern → n
        keep: Sequence[int] | None = None,
    ) -> StratifiedTable:
        """From counts by group and pattern; ``keep`` selects the lists (columns) to use."""
        columns = list(range(len(lists))) if keep is None else list(keep)
        seen, covariates = [], []
        for group, counts in groups.items():
            for pattern, count in counts.items():
                row = [pattern[i] for i in columns]
                if any(row) and count > 0:
                    seen += [row] * count
                    covariates += [list(group)] * count
        width = len(next(iter(groups), ()))
        return cls(
            tuple(lists[i] for i in columns),
            np.asarray(seen, dtype=np.int64).reshape(-1, len(columns)),
            np.asarray(covariates, dtype=np.int64).reshape(-1, width),
        )

    @classmethod
    def of(cls, lists: Sequence[str], seen: np.ndarray, covariates: np.ndarray) -> StratifiedTable:
        values = np.asarray(covariates)
        if values.ndim == 1:
            values = values[:, None]
        return cls(tuple(lists), np.asarray(seen, dtype=np.int64), values)

    def tables(self, depth: int) -> dict[tuple[int, ...], CaptureTable]:
        """One capture table per group of the first ``depth`` covariates."""
        counts: dict[tuple[int, ...], dict[tuple[int, ...], int]] = defaultdict(dict)
        keys = map(tuple, self.covariates[:, :depth].tolist())
        for key, row in zip(keys, map(tuple, self.seen.tolist()), strict=True):
            group = counts[key]
            group[row] = group.get(row, 0) + 1
        return {key: CaptureTable.from_counts(self.lists, c) for key, c in counts.items()}


def stratified_estimate(table: StratifiedTable, *, selection: str = "stepwise") -> Estimate:
    """The sum of the groups' estimates at the finest stratification every group supports,
    each group's by ``selection``."""
    last: EstimationRefused | None = None
    for depth in range(table.covariates.shape[1], -1, -1):
        try:
            parts = _estimate_groups(table.tables(depth), selection)
        except EstimationRefused as exc:
            last = exc
            continue
        return _combined(table, parts, depth, selection)
    assert last is not None
    raise last


def _estimate_groups(tables: dict[tuple[int, ...], CaptureTable], selection: str) -> list[Estimate]:
    parts = []
    for group in tables.values():
        if len(tables) > 1 and group.on_several_lists() < WARN_OVERLAPS_BELOW:
            raise EstimationRefused(
                _("A group has too few people on two registers."), code="sparse"
            )
        parts.append(estimate(_informative(group), selection=selection, spread=False))
    return parts


def _informative(table: CaptureTable) -> CaptureTable:
    """The group's table without the registers that saw nobody of the group (a crisis centre
    sees few men): such a list carries no information and makes no model identifiable."""
    keep = [i for i, total in enumerate(table.patterns.T @ table.counts) if total > 0]
    if len(keep) == len(table.lists):
        return table
    counts: dict[tuple[int, ...], int] = {}
    for pattern, count in zip(table.patterns.tolist(), table.counts.tolist(), strict=True):
        key = tuple(pattern[i] for i in keep)
        if any(key) and count:
            counts[key] = counts.get(key, 0) + count
    return CaptureTable.from_counts([table.lists[i] for i in keep], counts)


def _combined(
    table: StratifiedTable, parts: list[Estimate], depth: int, selection: str
) -> Estimate:
    total = sum(p.estimate for p in parts)
    observed = int(len(table.seen))
    sd = float(np.sqrt(sum(((p.ci_high - p.ci_low) / (2 * Z95)) ** 2 for p in parts)))
    chao = [p.chao for p in parts]
    result = Estimate(
        method=STRATIFIED,
        selection=STRATIFIED if selection == "stepwise" else STRATIFIED_MH,
        lists=table.lists,
        observed=observed,
        estimate=total,
        ci_low=max(float(observed), total - Z95 * sd),
        ci_high=total + Z95 * sd,
        interval="normal 95% from the groups' intervals (stratified)",
        model=[f"groups by the first {depth} covariates: {len(parts)}"],
        registered=dict(zip(table.lists, map(int, table.seen.sum(axis=0)), strict=True)),
        chao=None if any(c is None for c in chao) else float(sum(c or 0.0 for c in chao)),
    )
    result.warnings += [w for p in parts for w in p.warnings if w not in result.warnings]
    return result
