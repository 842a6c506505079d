"""Estimates as a table (CSV, XLSX) and as a chart (Altair, rendered on the server)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import altair as alt
from django.utils.translation import gettext as _

from qorgau.latency.models import EstimationResult
from qorgau.lib.tabular import records_table_bytes, safe_record
from qorgau.monitoring.charts import _render

COLUMNS = [
    "region_code",
    "region",
    "year",
    "method",
    "selection",
    "source",
    "police",
    "health",
    "crisis_centre",
    "line_111",
    "social",
    "observed",
    "estimate",
    "ci_low",
    "ci_high",
    "interval",
    "reporting_ratio",
    "ratio_low",
    "ratio_high",
    "model_terms",
    "chao_lower_bound",
    "spread_min",
    "spread_max",
    "warnings",
    "published_as",
    "refusal",
    "model_estimate_not_published",
]


def result_rows(results: list[EstimationResult], names: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        spread = r.spread or {}
        rows.append(
            {
                "region_code": r.region_code,
                "region": names.get(r.region_code, ""),
                "year": r.year,
                "method": r.method,
                "selection": r.selection,
                "source": r.run.source,
                **{name: r.registered.get(name) for name in COLUMNS[6:11]},
                "police": r.police,
                "observed": r.observed,
                "estimate": r.estimate,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "interval": r.interval,
                "reporting_ratio": r.ratio,
                "ratio_low": r.ratio_low,
                "ratio_high": r.ratio_high,
                "model_terms": " + ".join(r.model_terms),
                "chao_lower_bound": r.chao,
                "spread_min": spread.get("min"),
                "spread_max": spread.get("max"),
                "warnings": " | ".join(r.warnings),
                "published_as": r.status,
                "refusal": r.refusal,
                "model_estimate_not_published": (r.unpublished or {}).get("estimate"),
            }
        )
    return rows


# The columns of ``qorgau latency estimate --out``: fixed, documented in docs/latency.md.
RUN_COLUMNS = ["region", "year", "observed", "estimate", "ci_low", "ci_high", "method", "status"]
ESTIMATED, LOWER_BOUND = "estimated", "lower_bound"


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def run_rows(results: Iterable[EstimationResult]) -> list[dict[str, Any]]:
    """One row per region, year and method of a run; a lower bound (a refused model or a
    failed publication check) has empty figures: ``observed`` is then the published figure."""
    return [
        {
            "region": r.region_code,
            "year": r.year,
            "observed": r.observed,
            "estimate": _figure(r.estimate),
            "ci_low": _figure(r.ci_low),
            "ci_high": _figure(r.ci_high),
            "method": r.method,
            "status": LOWER_BOUND if r.refused else ESTIMATED,
        }
        for r in results
    ]


def run_csv_write(path: Path, results: Iterable[EstimationResult]) -> int:
    """Write a run's results to ``path`` (plain UTF-8, for scripts); the number of rows."""
    rows = run_rows(results)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=RUN_COLUMNS)
        writer.writeheader()
        writer.writerows(safe_record(row) for row in rows)
    return len(rows)


def render_table(rows: list[dict[str, Any]], fmt: str) -> bytes:
    return records_table_bytes(COLUMNS, rows, fmt, sheet="estimates")


def region_chart(results: list[EstimationResult], place: str, fmt: str = "svg") -> bytes:
    """Registered (police, any register) against the estimated true number with its interval."""
    rows = []
    for r in results:
        year = str(r.year)
        rows.append({"year": year, "series": _("registered by the police"), "value": r.police})
        rows.append({"year": year, "series": _("seen by any register"), "value": r.observed})
        if r.estimate is not None:
            rows.append(
                {
                    "year": year,
                    "series": _("estimated true number"),
                    "value": r.estimate,
                    "low": r.ci_low,
                    "high": r.ci_high,
                }
            )
    base = alt.Chart(alt.Data(values=rows), title=f"{_('Hidden violence')} — {place}")
    band = (
        base.transform_filter("isValid(datum.low)")
        .mark_area(opacity=0.2, color="#b3541e")
        .encode(x=alt.X("year:O", title=_("Year")), y=alt.Y("low:Q"), y2="high:Q")
    )
    lines = base.mark_line(point=True).encode(
        x=alt.X("year:O", title=_("Year")),
        y=alt.Y("value:Q", title=_("Victims")),
        color=alt.Color("series:N", title=""),
        tooltip=["year:O", "series:N", "value:Q"],
    )
    spec = (band + lines).properties(width=560, height=260).to_dict()
    spec["description"] = _(
        "Registered victims and the estimated true number with its 95 percent interval, by "
        "year; the figures are in the table."
    )
    return _render(spec, fmt)
