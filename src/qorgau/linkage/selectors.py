"""What the linkage part offers the parts above it: capture histories, never identities.

``latency`` estimates the hidden share of violence from these tables; it never sees a person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# The registers a victim may reach, in the column order of every capture history.
REGISTERS: tuple[str, ...] = ("police", "health", "crisis_centre", "line_111", "social")


@dataclass(frozen=True)
class CaptureHistories:
    """How many linked victims each combination of registers saw in one region and year.

    ``counts`` maps an observed capture pattern (one 0/1 per entry of ``lists``) to the
    number of person clusters with exactly that pattern; unobserved patterns are absent
    (zero). ``region_code`` is today's KATO code of the region.
    """

    region_code: str
    year: int
    lists: tuple[str, ...] = REGISTERS
    counts: dict[tuple[int, ...], int] = field(default_factory=dict)


def capture_histories(*, years: Sequence[int] | None = None) -> list[CaptureHistories]:
    """Capture histories of the latest finished linkage run, per region and year.

    A person cluster counts once in a region and year, with the pattern of the registers that
    saw it there; a person seen in two regions (or years) counts in each. Empty when no run has
    finished.
    """
    from qorgau.linkage.models import LinkedRecord
    from qorgau.linkage.services import latest_finished_run

    run = latest_finished_run()
    if run is None:
        return []
    rows = LinkedRecord.objects.filter(run=run)
    if years is not None:
        rows = rows.filter(year__in=list(years))
    position = {name: i for i, name in enumerate(REGISTERS)}
    seen: dict[tuple[str, int], dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for region, year, cluster, register in rows.values_list(
        "region_code", "year", "cluster", "register"
    ).iterator(chunk_size=10_000):
        seen[(region, year)][cluster].add(register)
    result = []
    for (region, year), clusters in sorted(seen.items()):
        counts: dict[tuple[int, ...], int] = defaultdict(int)
        for registers in clusters.values():
            pattern = [0] * len(REGISTERS)
            for register in registers:
                if register in position:
                    pattern[position[register]] = 1
            if any(pattern):
                counts[tuple(pattern)] += 1
        result.append(CaptureHistories(region_code=region, year=year, counts=dict(counts)))
    return result


def run_summaries(limit: int = 50) -> list[Any]:
    """The latest runs, newest first (aggregates only: counts and quality)."""
    from qorgau.linkage.models import LinkageRun

    return list(LinkageRun.objects.select_related("started_by")[:limit])


def cluster_counts(run: Any) -> list[Any]:
    """Records and person clusters per register and year of a run (no identities)."""
    from django.db.models import Count

    from qorgau.linkage.models import LinkedRecord

    return list(
        LinkedRecord.objects.filter(run=run)
        .values("year", "register")
        .annotate(records=Count("pk"), clusters=Count("cluster", distinct=True))
        .order_by("year", "register")
    )
