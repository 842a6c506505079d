"""Sections from the parts other than monitoring, read through their selectors.

* ``latency`` — registered versus estimated victims and the reporting ratio
  (``qorgau.latency.selectors.latest_results`` / ``national_totals``);
* ``rating`` — the league table of akimats with rank intervals
  (``qorgau.rating.selectors.runs_for`` / ``league_table``);
* ``budget`` — execution of the budget programme: the annual allocation beside the money spent
  from January to the end of the period, by sub-programme and (national report) by region
  (``qorgau.budget.selectors.by_sub_programme`` / ``by_region``);
* ``coordination`` — the coordinating bodies: meetings, case conferences, decisions and
  referrals, counted by region or by the region's districts
  (``qorgau.coordination.selectors.activity_counts``);
* ``programs`` — psychocorrection programmes: obliged offenders, enrolments, completions,
  drop-outs and re-offending after completion (``qorgau.programs.selectors.period_counts``).

Latency and rating are annual: a quarter or month report shows the estimates and rating of its
year, and says so. Budget, coordination and programmes follow the report's period (budget money
is allocated for a year, so a quarter shows the year to date against the annual allocation).

Where a figure is also a monitoring indicator (budget execution, spending per capita, decisions
executed on time, high-risk cases reviewed in time, referrals completed, programme enrolment,
completion and re-offending) the section prints the stored ``IndicatorValue``, with its
``data-value``, so that the report agrees with the dashboards; the parts' selectors give only
what no indicator holds. Every figure is a count or a sum: no section names a person.

Each section is skipped with its ``when_empty`` note when its part has nothing for the period.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qorgau.monitoring.models import IndicatorValue
from qorgau.monitoring.periods import Period
from qorgau.reports.sections import ReportRequest, number, render_part, section, svg_image
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


# --- Tables of counts and stored indicator values (budget, coordination, programmes) ----------


@dataclass(frozen=True)
class Column:
    """A column: a count from the part's selector (``key``), or a stored indicator's value
    (``indicator``) or its numerator / denominator (``field``)."""

    label: str | Promise
    key: str = ""
    indicator: str = ""
    field: str = "value"


Stored = Mapping[tuple[str, int], IndicatorValue]


def stored_values(codes: Iterable[str], period: Period, territories: list[Territory]) -> Stored:
    """The stored values of ``codes`` for the period, by (indicator, territory id)."""
    return {
        (v.indicator, v.territory_id): v
        for v in IndicatorValue.objects.filter(
            indicator__in=list(codes),
            period=period.code,
            breakdown="",
            territory__in=territories,
        )
    }


def _cell(
    column: Column, counts: Mapping[str, Any], stored: Stored, unit: Territory
) -> dict[str, Any]:
    if column.key:
        return {"shown": number(counts.get(column.key), 0)}
    value = stored.get((column.indicator, unit.pk))
    raw = getattr(value, column.field) if value is not None else None
    if raw is None:
        return {"shown": "—"}
    if column.field != "value":
        return {"shown": number(raw, 0)}
    return {"shown": number(raw), "indicator": column.indicator, "value": raw}


def _has_data(counts: Mapping[str, Any], stored: Stored, unit: Territory) -> bool:
    return any(counts.values()) or any(pk == unit.pk for _, pk in stored)


def units_of(request: ReportRequest) -> list[Territory]:
    """The units compared: the regions (national report) or the region's districts, as they
    were on the period's last day (or the territory's, when it ended within the period)."""
    day = request.period.end
    if request.territory.valid_to and request.territory.valid_to < day:
        day = request.territory.valid_to
    return list(
        Territory.objects.filter(parent=request.territory).valid_on(day).order_by("kato_code")
    )


def figure_tables(
    request: ReportRequest,
    tables: list[tuple[str | Promise, list[Column]]],
    count: Callable[[Territory], Mapping[str, int]],
) -> list[dict[str, Any]] | None:
    """One table per (caption, columns): a row per unit that has anything, then the total
    (the territory of the report). ``count(territory)`` gives the part's counts. None when
    neither the territory nor any unit has a count or a stored value."""
    units = units_of(request)
    everyone = [*units, request.territory]
    codes = {c.indicator for _, columns in tables for c in columns if c.indicator}
    stored = stored_values(codes, request.period, everyone)
    counts = {unit.pk: count(unit) for unit in everyone}
    shown = [u for u in units if _has_data(counts[u.pk], stored, u)]
    if not shown and not _has_data(counts[request.territory.pk], stored, request.territory):
        return None
    built = []
    for caption, columns in tables:
        rows = [
            {
                "name": unit.name,
                "kato": unit.kato_code,
                "total": unit == request.territory,
                "cells": [_cell(c, counts[unit.pk], stored, unit) for c in columns],
            }
            for unit in [*shown, request.territory]
        ]
        built.append({"caption": caption, "columns": columns, "rows": rows})
    return built


def _unit_label(request: ReportRequest) -> str | Promise:
    return _("Region") if request.national else _("District")


# --- Budget programme execution ----------------------------------------------------------------

BUDGET_INDICATORS = ("budget_execution", "spending_per_capita")


@section(
    "budget",
    order=40,
    title=_("Budget programme execution"),
    when_empty=_("No allocation or execution of the budget programme is recorded for this year."),
)
def budget_section(request: ReportRequest) -> str | None:
    from qorgau.budget.selectors import by_region, by_sub_programme

    year, through = _year(request), request.period.end.month
    region = None if request.national else request.territory
    programmes = by_sub_programme(year, region, through_month=through)
    regions = by_region(year, through_month=through) if request.national else []
    territories = [
        request.territory,
        *Territory.objects.filter(pk__in=[r["region_id"] for r in regions]),
    ]
    stored = stored_values(BUDGET_INDICATORS, request.period, territories)
    if not programmes and not any(pk == request.territory.pk for _, pk in stored):
        return None
    for row in regions:
        for code in BUDGET_INDICATORS:
            row[code] = stored.get((code, row["region_id"]))
    total = {code: stored.get((code, request.territory.pk)) for code in BUDGET_INDICATORS}
    return render_part(
        "budget.html",
        {
            "programmes": [_money_row(row) for row in programmes],
            "regions": [{**_money_row(row), **_stored_cells(row)} for row in regions],
            "total": _stored_cells(total),
            "sums": _money_row(_sum_rows(programmes)) if programmes else None,
            "chart": _budget_chart(request),
            "year": year,
            "request": request,
        },
    )


def _money_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "approved_shown": number(float(row["approved"]), 0),
        "revised_shown": number(float(row["revised"]), 0),
        "executed_shown": number(float(row["executed"]), 0),
        "rate_shown": number(float(row["rate"])) if row.get("rate") is not None else "—",
    }


def _sum_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from qorgau.budget.selectors import execution_rate

    sums = {key: sum(row[key] for row in rows) for key in ("approved", "revised", "executed")}
    return {**sums, "rate": execution_rate(sums["executed"], sums["revised"])}


def _stored_cells(row: Mapping[str, Any]) -> dict[str, Any]:
    cells = {}
    for code in BUDGET_INDICATORS:
        stored = row.get(code)
        value = stored.value if stored is not None else None
        cells[f"{code}_cell"] = {
            "shown": number(value),
            "indicator": code if value is not None else "",
            "value": value,
        }
    return cells


def _budget_chart(request: ReportRequest) -> str:
    """Execution of the regions (the region in red in its passport), if stored; else nothing."""
    from qorgau.monitoring.catalogue import catalogue_load
    from qorgau.monitoring.selectors import unit_values
    from qorgau.reports import charts

    parent = request.territory if request.national else request.territory.parent
    if parent is None:
        return ""
    values = [
        v for v in unit_values("budget_execution", request.period, parent) if v.value is not None
    ]
    if len(values) < 2:
        return ""
    indicator = catalogue_load().get("budget_execution")
    highlight = None if request.national else request.territory.pk
    svg = charts.comparison_svg(indicator, values, highlight=highlight)
    return svg_image(svg, indicator.label())


# --- Coordinating bodies -----------------------------------------------------------------------

COORDINATION_TABLES: list[tuple[str | Promise, list[Column]]] = [
    (
        _("Meetings and decisions"),
        [
            Column(_("Bodies"), key="bodies"),
            Column(_("Meetings held"), key="meetings"),
            Column(_("Case conferences held"), key="conferences"),
            Column(_("Decisions taken"), key="decisions_taken"),
            Column(
                _("Decisions and actions due"),
                indicator="decisions_executed_on_time",
                field="denominator",
            ),  # fmt: skip
            Column(_("Executed on time, %"), indicator="decisions_executed_on_time"),
            Column(_("Overdue, still open"), key="overdue"),
        ],
    ),
    (
        _("Cases and referrals"),
        [
            Column(_("Cases discussed"), key="cases_discussed"),
            Column(
                _("High-risk cases"), indicator="high_risk_reviewed_in_time", field="denominator"
            ),  # fmt: skip
            Column(_("Reviewed in time, %"), indicator="high_risk_reviewed_in_time"),
            Column(_("Referrals sent"), key="referrals"),
            Column(_("Answered"), key="referrals_answered"),
            Column(_("Answered in time"), key="referrals_answered_in_time"),
            Column(_("Completed, %"), indicator="referrals_completed_share"),
        ],
    ),
]


@section(
    "coordination",
    order=44,
    title=_("Coordinating bodies"),
    when_empty=_("No work of the coordinating bodies is recorded for this territory and period."),
)
def coordination_section(request: ReportRequest) -> str | None:
    from qorgau.coordination.selectors import activity_counts

    start, end, today = request.period.start, request.period.end, timezone.localdate()
    tables = figure_tables(
        request,
        COORDINATION_TABLES,
        lambda unit: activity_counts(unit, start, end, today=today),
    )
    if tables is None:
        return None
    return render_part(
        "coordination.html",
        {"tables": tables, "request": request, "unit_label": _unit_label(request), "today": today},
    )


# --- Psychocorrection programmes ---------------------------------------------------------------

PROGRAMME_TABLES: list[tuple[str | Promise, list[Column]]] = [
    (
        "",
        [
            Column(_("Obliged by a court"), indicator="programme_enrolment", field="denominator"),
            Column(_("Enrolled"), indicator="programme_enrolment", field="numerator"),
            Column(_("Enrolled of the obliged, %"), indicator="programme_enrolment"),
            Column(_("Completed"), indicator="programme_completion", field="numerator"),
            Column(_("Completion, %"), indicator="programme_completion"),
            Column(_("Dropped out"), key="dropped_out"),
            Column(
                _("Re-offended within 12 months"),
                indicator="reoffending_after_programme",
                field="numerator",
            ),  # fmt: skip
            Column(_("Re-offending, %"), indicator="reoffending_after_programme"),
        ],
    )
]


@section(
    "programs",
    order=48,
    title=_("Psychocorrection programmes"),
    when_empty=_(
        "No psychocorrection programme activity is recorded for this territory and period."
    ),  # fmt: skip
)
def programs_section(request: ReportRequest) -> str | None:
    from qorgau.programs.selectors import period_counts

    start, end = request.period.start, request.period.end
    tables = figure_tables(request, PROGRAMME_TABLES, lambda unit: period_counts(unit, start, end))
    if tables is None:
        return None
    return render_part(
        "programs.html", {"tables": tables, "request": request, "unit_label": _unit_label(request)}
    )
