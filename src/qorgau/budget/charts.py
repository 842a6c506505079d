"""Budget charts as SVG drawn on the server (Altair + vl-convert), as in monitoring.

No JavaScript reaches the browser and nothing is fetched from outside; the same figures are in
the table beside every chart.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import altair as alt
import vl_convert
from django.core.cache import cache
from django.utils.translation import gettext as _


def _render(spec: dict[str, Any]) -> bytes:
    key = (
        "budget-chart:"
        + hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    )
    cached = cache.get(key)
    if cached is not None:
        return bytes(cached)
    output = vl_convert.vegalite_to_svg(spec).encode()
    cache.set(key, output, 3600)
    return output


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def execution_chart(rows: list[dict[str, Any]]) -> bytes:
    """Execution rate by region, with the 100 percent line."""
    data = [{"name": r["name"], "rate": _number(r["rate"])} for r in rows if r["rate"] is not None]
    bars = (
        alt.Chart(alt.Data(values=data), title=_("Execution of the revised allocation, %"))
        .mark_bar(color="#1d5c7a")
        .encode(
            x=alt.X("rate:Q", title=_("Executed, percentage of the revised allocation")),
            y=alt.Y("name:N", sort="-x", title=None),
            tooltip=["name:N", "rate:Q"],
        )
    )
    rule = alt.Chart(alt.Data(values=[{"x": 100}])).mark_rule(color="#b03a2e").encode(x="x:Q")
    spec = (bars + rule).properties(width=480, height=max(120, 18 * len(data))).to_dict()
    spec["description"] = _("Execution rate of each region; the figures are in the table.")
    return _render(spec)


def results_chart(rows: list[dict[str, Any]], indicator_label: str) -> bytes:
    """Spending per capita against a monitoring indicator, one point per region."""
    data = [
        {
            "name": r["name"],
            "per_capita": _number(r["per_capita"]),
            "value": _number(r["indicator_value"]),
        }
        for r in rows
        if r["per_capita"] is not None and r["indicator_value"] is not None
    ]
    base = alt.Chart(alt.Data(values=data), title=_("Spending and results"))
    points = base.mark_circle(size=70, color="#1d5c7a").encode(
        x=alt.X("per_capita:Q", title=_("Spending per capita, tenge")),
        y=alt.Y("value:Q", title=indicator_label),
        tooltip=["name:N", "per_capita:Q", "value:Q"],
    )
    labels = base.mark_text(align="left", dx=6, fontSize=9).encode(
        x="per_capita:Q", y="value:Q", text="name:N"
    )
    spec = (points + labels).properties(width=480, height=300).to_dict()
    spec["description"] = _(
        "Spending per capita of each region against the indicator; the figures are in the table."
    )
    return _render(spec)


def monthly_chart(rows: list[dict[str, Any]]) -> bytes:
    """Cumulative execution through the year: a late rush shows as a jump in December."""
    data = [
        {"month": r["month"], "rate": _number(r["cumulative_rate"])}
        for r in rows
        if r["cumulative_rate"] is not None
    ]
    line = (
        alt.Chart(alt.Data(values=data), title=_("Cumulative execution through the year, %"))
        .mark_line(point=True, color="#1d5c7a")
        .encode(
            x=alt.X("month:O", title=_("Month")),
            y=alt.Y("rate:Q", title=_("Executed, percentage of the revised allocation")),
            tooltip=["month:O", "rate:Q"],
        )
    )
    spec = line.properties(width=480, height=220).to_dict()
    spec["description"] = _("Cumulative execution by month; the figures are in the table.")
    return _render(spec)
