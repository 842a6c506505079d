"""Charts drawn from stored values with Altair, rendered to SVG/PNG on the server by vl-convert.

No JavaScript reaches the browser and nothing is fetched from outside; every chart has a text
alternative and the same figures are in the table beside it. Rendered charts are cached.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import altair as alt
import vl_convert
from django.core.cache import cache
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from qorgau.monitoring.breaks import break_period, breaks_of, straddles
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


# Shades of the page's tile map, lightest to darkest ("blues", as in the drawn chart); each
# shade's text colour is chosen for a 4.5:1 contrast in the stylesheet (.tile.shade-N).
TILE_SHADES = 5


@dataclass(frozen=True)
class Tile:
    """One region on the page's tile map: a link that names the region and its value."""

    value: IndicatorValue
    col: int
    row: int
    shade: int | None  # None when the value is withheld or missing


@dataclass(frozen=True)
class ShadeBand:
    shade: int
    low: float
    high: float


def tile_grid(values: list[IndicatorValue]) -> tuple[list[Tile], list[ShadeBand]]:
    """The tile map as HTML rather than a picture, so that every region can be reached with the
    keyboard and read by a screen reader; equal-width bands between the lowest and highest value
    give each tile its shade, and the legend names each band's range (colour is never alone:
    every tile also shows its figure)."""
    known = [v.value for v in values if v.value is not None]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)
    width = (high - low) / TILE_SHADES

    def shade(value: float | None) -> int | None:
        if value is None:
            return None
        if width == 0:
            return 0
        return min(int((value - low) / width), TILE_SHADES - 1)

    tiles = [
        Tile(value, *TILE_GRID[value.territory.kato_code], shade(value.value))
        for value in values
        if value.territory.kato_code in TILE_GRID
    ]
    bands = (
        [ShadeBand(n, low + n * width, low + (n + 1) * width) for n in range(TILE_SHADES)]
        if width
        else [ShadeBand(0, low, high)]
        if known
        else []
    )
    return sorted(tiles, key=lambda t: (t.row, t.col)), bands


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
    layers: list[Any] = [band, line]
    marks = break_marks(indicator, [str(row["period"]) for row in rows])
    if marks:
        mark_data = alt.Chart(alt.Data(values=marks))
        layers.append(
            mark_data.mark_rule(color="#9a3412", strokeDash=[5, 3], strokeWidth=2).encode(
                x="period:O", tooltip=["label:N"]
            )
        )
        layers.append(
            mark_data.mark_text(align="left", dx=4, dy=8, fontSize=10, color="#9a3412").encode(
                x="period:O", y=alt.value(0), text="short:N"
            )
        )
    spec = alt.layer(*layers).properties(width=520, height=220).to_dict()
    spec["description"] = _(
        "Trend of the indicator with its interval (95 percent); the figures are in the table."
    )
    if marks:
        spec["description"] += " " + _(
            "A dashed line marks a change of the law (series break): %(breaks)s."
        ) % {"breaks": "; ".join(str(m["label"]) for m in marks)}
    return _render(spec, fmt)


def break_marks(indicator: Indicator, periods: list[str]) -> list[dict[str, str]]:
    """The series breaks of the indicator inside the charted periods: the first period counted
    under the new law, the break's day as a short label and its full title."""
    marks = []
    for series_break in breaks_of(indicator.code):
        period = break_period(periods, series_break)
        if period is None or period == periods[0] and not straddles(period, (series_break,)):
            continue
        marks.append(
            {
                "period": period,
                "short": date_format(series_break.date, "SHORT_DATE_FORMAT"),
                "label": series_break.label(),
            }
        )
    return marks


def tile_label(name: str, *, width: int = 13) -> str:
    """A region's full name on as many lines as it needs (at word and hyphen breaks).

    Cutting it at ten characters left "Солтүстік " and "Западно-Ка" on the map; every tile is
    about thirteen characters wide at the map's font size, so the words go on lines of their own.
    """
    words = re.sub(r"-(?=\w)", "-\n", name).replace(" ", "\n").split("\n")
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width and not lines[-1].endswith("-"):
            lines[-1] = f"{lines[-1]} {word}"
        elif lines and lines[-1].endswith("-") and len(lines[-1]) + len(word) <= width:
            lines[-1] += word
        else:
            lines.append(word)
    return "\n".join(lines)


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
                "short": tile_label(value.territory.name),
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
    labels = base.mark_text(fontSize=9, color="black", lineBreak="\n").encode(
        x="col:O", y="row:O", text="short:N"
    )
    spec = (tiles + labels).properties(width=490, height=330).to_dict()
    spec["description"] = _(
        "Regions of Kazakhstan as tiles coloured by the indicator; the figures are in the table."
    )
    return _render(spec, fmt)
