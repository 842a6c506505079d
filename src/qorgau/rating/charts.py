"""The league table as a chart: scores with their 90% intervals (server-side SVG/PNG).

Drawn with Altair and rendered by vl-convert through monitoring's cached renderer, so no
JavaScript reaches the browser; the same figures are in the table beside the chart.
"""

from __future__ import annotations

import altair as alt
from django.utils.translation import gettext as _

from qorgau.monitoring.charts import TILE_GRID, _render, tile_label
from qorgau.rating.models import RatingResult


def league_chart(results: list[RatingResult], title: str, fmt: str = "svg") -> bytes:
    rows = [
        {
            "name": f"{r.rank}. {r.territory.name}",
            "order": r.rank,
            "score": r.score,
            "low": r.score_low,
            "high": r.score_high,
            "real": _("clearly above the next") if r.real_difference else _("within the noise"),
        }
        for r in results
        if r.score is not None
    ]
    y = alt.Y("name:N", sort=alt.EncodingSortField("order"), title=None)
    base = alt.Chart(alt.Data(values=rows), title=title).encode(y=y)
    bars = base.mark_rule(color="#8aa9b8", strokeWidth=3).encode(
        x=alt.X("low:Q", title=_("Score (0–100) with its interval (90 percent)")), x2="high:Q"
    )
    points = base.mark_point(filled=True, size=60).encode(
        x="score:Q",
        color=alt.Color("real:N", title=None, scale=alt.Scale(range=["#1d5c7a", "#c0862c"])),
        tooltip=["name:N", "score:Q", "low:Q", "high:Q"],
    )
    spec = (bars + points).properties(width=460, height=max(120, 18 * len(rows))).to_dict()
    spec["description"] = _(
        "Scores of the territories with their intervals (90 percent) from the Monte Carlo; "
        "the figures are in the table."
    )
    return _render(spec, fmt)


def tile_map(results: list[RatingResult], title: str, fmt: str = "svg") -> bytes:
    """The regions as equal tiles coloured by score (monitoring's tile grid of Kazakhstan)."""
    rows = []
    for r in results:
        position = TILE_GRID.get(r.territory.kato_code)
        if position is None or r.score is None:
            continue
        rows.append(
            {
                "col": position[0],
                "row": position[1],
                "name": r.territory.name,
                "short": f"{r.rank}.\n{tile_label(r.territory.name)}",
                "score": round(r.score, 1),
            }
        )
    base = alt.Chart(alt.Data(values=rows), title=title)
    tiles = base.mark_rect(stroke="white", strokeWidth=2).encode(
        x=alt.X("col:O", axis=None),
        y=alt.Y("row:O", axis=None),
        color=alt.Color("score:Q", title=_("Score"), scale=alt.Scale(scheme="tealblues")),
        tooltip=["name:N", "score:Q"],
    )
    labels = base.mark_text(fontSize=9, color="black", lineBreak="\n").encode(
        x="col:O", y="row:O", text="short:N"
    )
    spec = (tiles + labels).properties(width=490, height=330).to_dict()
    spec["description"] = _(
        "Regions of Kazakhstan as tiles coloured by their score; the figures are in the table."
    )
    return _render(spec, fmt)
