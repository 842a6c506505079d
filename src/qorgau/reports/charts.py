"""Report charts: Altair specifications rendered to SVG by vl-convert (no browser, no network)."""

from __future__ import annotations

from typing import Any

import altair as alt
import vl_convert
from django.utils.translation import gettext as _

from qorgau.monitoring.catalogue import Indicator
from qorgau.monitoring.models import IndicatorValue

# vl-convert draws text with its own engine; DejaVu covers Kazakh and Russian letters.
FONT = "DejaVu Sans"


def _config(spec: dict[str, Any]) -> dict[str, Any]:
    spec.setdefault("config", {})
    spec["config"].update(
        {"font": FONT, "title": {"font": FONT}, "axis": {"labelFont": FONT, "titleFont": FONT}}
    )
    return spec


def trend_svg(indicator: Indicator, values: list[IndicatorValue]) -> bytes:
    """The value and its 95% interval band over the periods, as SVG.

    Like the dashboards' trend chart, but without a title (the caption below the figure names
    it) and with the report's font, so that no text is measured in one font and drawn in another.
    """
    rows = [
        {"period": v.period, "value": v.value, "low": v.low, "high": v.high}
        for v in values
        if v.value is not None
    ]
    base = alt.Chart(alt.Data(values=rows)).encode(x=alt.X("period:O", title=_("Period")))
    band = base.mark_area(opacity=0.25, color="#1d5c7a").encode(
        y=alt.Y("low:Q", title=indicator.unit_label()), y2="high:Q"
    )
    line = base.mark_line(point=True, color="#1d5c7a").encode(y="value:Q")
    spec = _config((band + line).properties(width=470, height=200).to_dict())
    spec["description"] = _(
        "Trend of the indicator with its interval (95 percent); the figures are in the table."
    )
    return vl_convert.vegalite_to_svg(spec).encode()


def comparison_svg(
    indicator: Indicator, values: list[IndicatorValue], highlight: int | None = None
) -> bytes:
    """Horizontal bars of the units' values, highest first; ``highlight`` marks one territory.

    Untitled: the heading above the figure names the indicator.
    """
    rows = [
        {
            "name": v.territory.name,
            "value": v.value,
            "mark": "this" if v.territory_id == highlight else "other",
        }
        for v in values
        if v.value is not None
    ]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort="-x", title=None),
            x=alt.X("value:Q", title=indicator.unit_label()),
            color=alt.Color(
                "mark:N",
                scale=alt.Scale(domain=["other", "this"], range=["#1d5c7a", "#c0392b"]),
                legend=None,
            ),
        )
        .properties(width=380, height=max(60, 14 * len(rows)))
    )
    spec = _config(chart.to_dict())
    spec["description"] = _("Bar chart of the units' values; the figures are in the table.")
    return vl_convert.vegalite_to_svg(spec).encode()
