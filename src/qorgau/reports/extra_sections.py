"""Sections from the parts other than monitoring, read through their selectors.

* ``latency`` — registered versus estimated victims and the reporting ratio
  (``qorgau.latency.selectors.latest_results`` / ``national_totals``);
* ``rating`` — the league table of akimats with rank intervals
  (``qorgau.rating.selectors.runs_for`` / ``league_table``).

Both are annual: a quarter or month report shows the estimates and rating of its year, and says
so. Each is skipped with a note when the part has no finished results for the year.

Hooks left for the parts still being built — ``budget`` (execution of the budget programme),
``coordination`` (coordinating bodies, case conferences) and ``programs`` (completion and
re-offending): register a provider with :func:`qorgau.reports.sections.section`, orders 40–48,
from here or from the part's ``AppConfig.ready()``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from qorgau.reports.sections import ReportRequest, number, render_part, section
from qorgau.territory.models import Territory


def _year(request: ReportRequest) -> int:
    return request.period.start.year


@section(
    "latency",
    order=32,
    title=_("Registered and estimated violence"),
    when_empty=_("No estimate of hidden violence has been computed for this year."),
)
def latency_section(request: ReportRequest) -> str | None:
    from qorgau.latency.models import Method
    from qorgau.latency.selectors import latest_results, national_totals, region_names

    year = _year(request)
    regions = region_names()
    if request.national:
        results = latest_results(method=Method.MSE, year=year)
    else:
        results = latest_results(method=Method.MSE, region_code=request.territory.kato_code)
        results = [r for r in results if r.year <= year][-6:]
    if not results:
        return None
    rows = [_latency_row(r, regions.get(r.region_code)) for r in results]
    total = None
    if request.national:
        cell = national_totals(results, len(regions)).get(year)
        if cell is not None:
            total = {
                "police": cell.police,
                "observed": cell.observed,
                "estimate": number(cell.value, 0),
                "interval": _interval(cell.low, cell.high, 0),
                "ratio": number(100 * cell.police / cell.value) if cell.value else "—",
            }
    return render_part(
        "latency.html", {"rows": rows, "total": total, "year": year, "request": request}
    )


def _interval(low: float | None, high: float | None, digits: int = 1) -> str:
    if low is None or high is None:
        return ""
    return f"{number(low, digits)} – {number(high, digits)}"


def _percent(value: float | None) -> str:
    return number(100 * value) if value is not None else "—"


def _latency_row(result: Any, region: Territory | None) -> dict[str, Any]:
    return {
        "year": result.year,
        "region": region.name if region else result.region_code,
        "police": result.police,
        "observed": result.observed,
        "estimate": number(result.estimate, 0),
        "interval": _interval(result.ci_low, result.ci_high, 0),
        "ratio": _percent(result.ratio),
        "ratio_interval": _interval(
            100 * result.ratio_low if result.ratio_low is not None else None,
            100 * result.ratio_high if result.ratio_high is not None else None,
        ),
        "refusal": result.refusal,
    }


@section(
    "rating",
    order=35,
    title=_("Rating of akimats"),
    when_empty=_("No rating of akimats has been computed for this year."),
)
def rating_section(request: ReportRequest) -> str | None:
    from qorgau.rating.models import Level, RunStatus
    from qorgau.rating.selectors import league_table, runs_for

    year = _year(request)
    finished = runs_for(None).filter(status=RunStatus.DONE, year=year)
    tables = []
    regional = finished.filter(level=Level.REGION).first()
    if regional is not None:
        tables.append({"run": regional, "rows": league_table(regional), "level": "region"})
    if not request.national:
        districts = finished.filter(level=Level.DISTRICT, region=request.territory).first()
        if districts is not None:
            tables.append({"run": districts, "rows": league_table(districts), "level": "district"})
    if not tables:
        return None
    return render_part("rating.html", {"tables": tables, "year": year, "request": request})
