"""Kaplan–Meier curves drawn with Altair and rendered to SVG on the server (vl-convert).

No script reaches the browser; the same figures are in the table beside the chart.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import vl_convert
from django.utils.translation import gettext as _

from qorgau.programs.evaluation import Curve


def km_chart(curves: Sequence[Curve], title: str, max_months: float = 36.0) -> str:
    rows = []
    for curve in curves:
        for t, s, low, high in zip(
            [0.0, *curve.months],
            [1.0, *curve.survival],
            [1.0, *curve.low],
            [1.0, *curve.high],
            strict=True,
        ):
            if t <= max_months:
                rows.append({"group": curve.label, "months": t, "s": s, "low": low, "high": high})
    base = alt.Chart(alt.Data(values=rows), title=title).encode(
        x=alt.X(
            "months:Q",
            title=_("Months since the programme ended (or the same point for non-attenders)"),
        ),
        color=alt.Color("group:N", title=_("Group")),
    )
    band = base.mark_area(opacity=0.15, interpolate="step-after").encode(
        y=alt.Y("low:Q", title=_("Share not re-offending"), scale=alt.Scale(domain=[0, 1])),
        y2="high:Q",
    )
    line = base.mark_line(interpolate="step-after").encode(y="s:Q")
    spec = (band + line).properties(width=520, height=260).to_dict()
    spec["description"] = _(
        "Kaplan–Meier curves of the share not re-offending, with 95 percent intervals; the "
        "figures are in the table."
    )
    return str(vl_convert.vegalite_to_svg(spec))
