"""Benchmark of case-conference candidate selection on the synthetic registry.

For every current region, the full selector (five criteria over twelve months, the repeat rule,
the exclusion of recently discussed cases) against a baseline in the same run: the single
criterion most systems use, "latest risk assessment high or critical"; and that criterion as
the selector runs it (two plain queries) against the textbook correlated "latest" subquery.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def _timed(action: Callable[[], Any], repeat: int = 3) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(scale: float = 0.05) -> list[tuple[str, str, str, str]]:
    """Rows for the results table; synthesises the registry when it is empty."""
    from django.utils import timezone

    from qorgau.coordination.selectors import (
        Criterion,
        conference_candidates,
        high_risk_victims,
        months_before,
    )
    from qorgau.registry.models import Incident
    from qorgau.synth.services import synth_clear, synth_run
    from qorgau.territory.models import Level, Territory
    from qorgau.territory.services import territory_scope_ids

    if not Incident.objects.exists():
        synth_clear()
        today = timezone.localdate()
        synth_run(first_year=today.year - 2, last_year=today.year, scale=scale, seed=7)
    day = timezone.localdate()
    regions = list(Territory.objects.current().filter(level=Level.REGION))
    found: list[int] = []

    def full() -> None:
        found.clear()
        for region in regions:
            found.append(len(conference_candidates(region, on=day, criteria=Criterion.ALL)))

    def baseline() -> None:
        start = months_before(day, 12)
        for region in regions:
            high_risk_victims(territory_scope_ids(region), start, day)

    def correlated() -> None:
        """The textbook form of the high-risk criterion: a correlated "latest" subquery."""
        from django.db.models import OuterRef, Subquery

        from qorgau.registry.models import RiskAssessment

        start = months_before(day, 12)
        for region in regions:
            latest = RiskAssessment.objects.filter(
                victim_id=OuterRef("victim_id"), assessed_at__date__lte=day
            ).order_by("-assessed_at", "-pk")
            list(
                RiskAssessment.objects.filter(
                    district_id__in=territory_scope_ids(region),
                    assessed_at__date__gte=start,
                    assessed_at__date__lte=day,
                    pk=Subquery(latest.values("pk")[:1]),
                    level__in=["high", "critical"],
                ).values_list("victim_id", flat=True)
            )

    selector = _timed(full)
    single = _timed(baseline)
    textbook = _timed(correlated)
    return [
        (
            "coordination: high-risk criterion, two queries (all regions)",
            f"{single * 1000:.0f} ms",
            f"correlated subquery {textbook * 1000:.0f} ms",
            f"{single / textbook:.2f}×",
        ),
        (
            f"coordination: conference candidates, {len(regions)} regions, five criteria "
            f"({sum(found):,} cases over {Incident.objects.count():,} incidents)",
            f"{selector * 1000:.0f} ms",
            f"risk level only {single * 1000:.0f} ms",
            f"{selector / single:.2f}×",
        ),
    ]
