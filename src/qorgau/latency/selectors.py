"""Reads over stored estimates: the latest per region and year, series, and what monitoring
receives (through the provider registered in ``apps.py``).

Everything published (pages, API, downloads, monitoring and through it the rating, reports
and open data) reads :func:`published_results`: finished runs over the linked registers. An
old run from the synthetic ground truth stays in the table but is never read as a figure."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import QuerySet

from qorgau.latency.models import EstimationResult, EstimationRun, Method, RunSource, RunStatus
from qorgau.latency.mse import Z95
from qorgau.monitoring.measures import EstimateCell
from qorgau.territory.models import Level, Territory


def published_results() -> QuerySet[EstimationResult]:
    """Results that may be published: of finished runs over the linked registers only."""
    return EstimationResult.objects.filter(
        run__status=RunStatus.DONE, run__source=RunSource.LINKAGE
    )


def latest_results(
    *, method: str | None = None, region_code: str | None = None, year: int | None = None
) -> list[EstimationResult]:
    """For each region, year and method, the result of the most recent published run."""
    queryset = published_results().select_related("run")
    if method:
        queryset = queryset.filter(method=method)
    if region_code:
        queryset = queryset.filter(region_code=region_code)
    if year:
        queryset = queryset.filter(year=year)
    newest: dict[tuple[str, int, str], EstimationResult] = {}
    for result in queryset.order_by("-run__started_at", "-run_id"):
        newest.setdefault((result.region_code, result.year, result.method), result)
    return sorted(newest.values(), key=lambda r: (r.year, r.region_code, r.method))


def last_run() -> EstimationRun | None:
    """The newest run over the linked registers (finished or not), for the page's header."""
    return EstimationRun.objects.filter(source=RunSource.LINKAGE).first()


def region_names() -> dict[str, Territory]:
    return {t.kato_code: t for t in Territory.objects.current().regions()}


def _sd(result: EstimationResult) -> float:
    """Standard deviation read off the 95% interval (for summing regions into the country)."""
    if result.ci_low is None or result.ci_high is None:
        return math.nan
    return (result.ci_high - result.ci_low) / (2 * Z95)


def national_totals(results: list[EstimationResult], regions: int) -> dict[int, EstimationCell]:
    """The country per year as the sum of its regions (stratified estimation), when every
    region has an estimate; the interval is normal with the regions' variances summed."""
    by_year: dict[int, list[EstimationResult]] = defaultdict(list)
    for result in results:
        if result.estimate is not None:
            by_year[result.year].append(result)
    totals = {}
    for year, rows in by_year.items():
        if len(rows) < regions:
            continue
        value = sum(r.estimate for r in rows if r.estimate is not None)
        sd = math.sqrt(sum(_sd(r) ** 2 for r in rows))
        observed = sum(r.observed for r in rows)
        police = sum(r.police for r in rows)
        totals[year] = EstimationCell(
            value=value,
            low=max(observed, value - Z95 * sd) if math.isfinite(sd) else None,
            high=value + Z95 * sd if math.isfinite(sd) else None,
            police=police,
            observed=observed,
        )
    return totals


class EstimationCell:
    """An estimate with its interval and the counts it rests on (country totals)."""

    def __init__(
        self, *, value: float, low: float | None, high: float | None, police: int, observed: int
    ) -> None:
        self.value, self.low, self.high = value, low, high
        self.police, self.observed = police, observed


def estimate_cells() -> Iterator[EstimateCell]:
    """What monitoring's ``estimated_true_victims`` measure is: the latest MSE estimate of every
    region and year on today's region, and the country as the sum of its regions."""
    regions = region_names()
    results = latest_results(method=Method.MSE)
    for result in results:
        region = regions.get(result.region_code)
        if region is not None and result.estimate is not None:
            yield EstimateCell(
                region.pk, result.year, result.estimate, result.ci_low, result.ci_high
            )
    yield from _former_regions(results)
    country = Territory.objects.filter(level=Level.COUNTRY).first()
    if country is None:
        return
    for year, total in national_totals(results, len(regions)).items():
        yield EstimateCell(country.pk, year, total.value, total.low, total.high)


def _former_regions(results: list[EstimationResult]) -> Iterator[EstimateCell]:
    """Regions that no longer exist (before the 2022 reform), as the sum of today's regions
    that came wholly out of them, so monitoring's figures of those years get a ratio too."""
    from qorgau.territory.models import TerritorySuccession

    successors: dict[int, set[int]] = defaultdict(set)
    predecessors: dict[int, set[int]] = defaultdict(set)
    for before, after in TerritorySuccession.objects.filter(
        predecessor__level=Level.REGION
    ).values_list("predecessor_id", "successor_id"):
        successors[before].add(after)
        predecessors[after].add(before)
    codes = dict(Territory.objects.filter(level=Level.REGION).values_list("pk", "kato_code"))
    by_code: dict[tuple[str, int], EstimationResult] = {
        (r.region_code, r.year): r for r in results if r.estimate is not None
    }
    years = {r.year for r in results}
    for former, parts in successors.items():
        if any(predecessors[part] != {former} for part in parts):
            continue  # a successor also took from elsewhere: no clean sum
        for year in years:
            found = [by_code.get((codes.get(part, ""), year)) for part in parts]
            rows = [r for r in found if r is not None]
            if len(rows) != len(parts):
                continue
            value = sum(r.estimate or 0.0 for r in rows)
            sd = math.sqrt(sum(_sd(r) ** 2 for r in rows))
            if not math.isfinite(sd):
                continue
            observed = sum(r.observed for r in rows)
            yield EstimateCell(
                former, year, value, max(observed, value - Z95 * sd), value + Z95 * sd
            )
