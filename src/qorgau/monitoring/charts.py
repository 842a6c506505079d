"""Charts drawn from stored values with Altair, rendered to SVG/PNG on the server by vl-convert.

No JavaScript reaches the browser and nothing is fetched from outside; every chart has a text
alternative and the same figures are in the table beside it. Rendered charts are cached.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import altair as alt
import vl_convert
from django.core.cache import cache
from django.utils.translation import gettext as _

from qorgau.monitoring.catalogue import Indicator
from qorgau.monitoring.models import IndicatorValue

# Regions of Kazakhstan on a tile grid (column, row), west to east and north to south.
TILE_GRID: dict[str, tuple[int, int]] = {
    "270000000": (0, 1),
    "230000000": (0, 2),
    "470000000": (0, 3),  # West KZ, Atyrau, Mangystau
    "150000000": (1, 2),
    "430000000": (2, 4),  # Aktobe, Kyzylorda
    "390000000": (2, 1),
    "590000000": (3, 0),
    "110000000": (3, 1),
    "710000000": (4, 1),
    "620000000": (3, 2),
    "350000000": (4, 2),
    "550000000": (5, 1),
    "100000000": (5, 2),
    "630000000": (6, 2),
    "610000000": (3, 4),
    "790000000": (3, 5),
    "310000000": (4, 4),
    "190000000": (5, 4),
    "750000000": (5, 5),
    "330000000": (6, 3),
}


def _render(spec: dict[str, Any], fmt: str) -> bytes:
    key = (
        "chart:"
        + hashlib.sha256((fmt + json.dumps(spec, sort_keys=True, default=str)).encode()).hexdigest()
    )
    cached = cache.get(key)
    if cached is not None:
        return bytes(cached)
    if fmt == "svg":
        output = vl_convert.vegalite_to_svg(spec).encode()
    else:
        output = bytes(vl_convert.vegalite_to_png(spec, scale=2))
    cache.set(key, output, 3600)
    return output


def trend_chart(
    indicator: Indicator, values: list[IndicatorValue], place: str, fmt: str = "svg"
) -> bytes:
    rows = [
        {"period": v.period, "value": v.value, "low": v.low, "high": v.high}
        for v in values
        if v.value is not None
    ]
    base = alt.Chart(alt.Data(values=rows), title=f"{indicator.label()} — {place}").encode(
        x=alt.X("period:O", title=_("Period"))
    )
    band = base.mark_area(opacity=0.25, color="#1d5c7a").encode(
        y=alt.Y("low:Q", title=indicator.unit_label()), y2="high:Q"
    )
    line = base.mark_line(point=True, color="#1d5c7a").encode(
        y="value:Q", tooltip=["period:O", "value:Q"]
    )
    spec = (band + line).properties(width=520, height=220).to_dict()
    spec["description"] = _(
        "Trend of the indicator with its interval (95 percent); the figures are in the table."
    )
    return _render(spec, fmt)


def tile_map(indicator: Indicator, values: list[IndicatorValue], fmt: str = "svg") -> bytes:
    """The regions as equal tiles coloured by value: every region is visible, however small."""
    rows = []
    for value in values:
        position = TILE_GRID.get(value.territory.kato_code)
        if position is None:
            continue
        rows.append(
            {
                "col": position[0],
                "row": position[1],
                "name": value.territory.name,
                "short": value.territory.name[:10],
                "value": value.value,
            }
        )
    base = alt.Chart(alt.Data(values=rows), title=indicator.label())
    tiles = base.mark_rect(stroke="white", strokeWidth=2).encode(
        x=alt.X("col:O", axis=None),
        y=alt.Y("row:O", axis=None),
        color=alt.Color("value:Q", title=indicator.unit_label(), scale=alt.Scale(scheme="blues")),
        tooltip=["name:N", "value:Q"],
    )
    labels = base.mark_text(fontSize=9, color="black").encode(x="col:O", y="row:O", text="short:N")
    spec = (tiles + labels).properties(width=490, height=330).to_dict()
    spec["description"] = _(
        "Regions of Kazakhstan as tiles coloured by the indicator; the figures are in the table."
    )
    return _render(spec, fmt)
