"""The report sections drawn from the monitoring part: key indicators, trends, regions
compared, alerts and methodological notes. Every figure is a stored ``IndicatorValue``."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from qorgau.monitoring import selectors
from qorgau.monitoring.catalogue import Indicator, catalogue_load
from qorgau.monitoring.models import Alert, IndicatorValue
from qorgau.monitoring.periods import Period, PeriodKind
from qorgau.reports import charts
from qorgau.reports.sections import (
    NATIONAL,
    REGION,
    ReportRequest,
    number,
    render_part,
    section,
    svg_image,
)
from qorgau.territory.models import Level, Territory
from qorgau.territory.services import territory_scope_ids

# The figures a council reads first; the first ones that have values are charted.
HEADLINE = (
    "victims_rate",
    "incidents_rate",
    "orders_per_incident",
    "repeat_victimisation",
    "domestic_homicide_rate",
    "reporting_ratio",
    "order_violation_share",
)
TRENDS = 4
COMPARED = 3
TREND_POINTS = 10


def headline(request: ReportRequest, limit: int) -> list[Indicator]:
    """The headline indicators that have a value for the territory and period."""
    present = set(
        IndicatorValue.objects.filter(
            territory=request.territory, period=request.period.code, breakdown=""
        ).values_list("indicator", flat=True)
    )
    catalogue = catalogue_load()
    ordered = [c for c in HEADLINE if c in present] + [
        i.code for i in catalogue.indicators if i.code in present and i.code not in HEADLINE
    ]
    return [catalogue.get(code) for code in ordered[:limit]]


@dataclass(frozen=True)
class Row:
    """One printed figure with the stored number it came from (``data-value`` in the HTML)."""

    label: str
    value: IndicatorValue
    rank: int | None = None
    highlight: bool = False

    @property
    def shown(self) -> str:
        return number(self.value.value)

    @property
    def interval(self) -> str:
        if self.value.low is None or self.value.high is None:
            return ""
        return f"{number(self.value.low)} – {number(self.value.high)}"


@section(
    "key_indicators",
    order=10,
    title=_("Key indicators"),
    when_empty=_("No indicator values are stored for this territory and period."),
)
def key_indicators(request: ReportRequest) -> str | None:
    figures = selectors.key_figures(request.territory, request.period)
    if not figures:
        return None
    rows = [
        {
            "indicator": f.indicator,
            "value": f.value,
            "shown": number(f.value.value if f.value else None),
            "interval": Row("", f.value).interval if f.value else "",
            "previous": number(f.previous.value) if f.previous else "—",
            "change": number(f.change) if f.change is not None else "—",
            "significant": f.significant,
        }
        for f in figures
    ]
    return render_part(
        "key_indicators.html",
        {"rows": rows, "request": request, "before": selectors.previous_period(request.period)},
    )


def _trend_values(code: str, territory: Territory, period: Period) -> list[IndicatorValue]:
    values = [
        v
        for v in selectors.trend(code, territory, PeriodKind(period.kind))
        if v.period_start <= period.start
    ]
    return values[-TREND_POINTS:]


@section(
    "trends",
    order=20,
    title=_("Trends"),
    when_empty=_("There are not enough periods for a trend yet."),
)
def trends(request: ReportRequest) -> str | None:
    items = []
    for indicator in headline(request, TRENDS):
        values = _trend_values(indicator.code, request.territory, request.period)
        if len(values) < 2:
            continue
        svg = charts.trend_svg(indicator, values)
        items.append({"indicator": indicator, "chart": svg_image(svg, indicator.label())})
    if not items:
        return None
    return render_part("trends.html", {"items": items})


def _ranked(values: list[IndicatorValue], highlight: int | None = None) -> list[Row]:
    known = sorted(
        (v for v in values if v.value is not None), key=lambda v: v.value or 0.0, reverse=True
    )
    ranks = {v.pk: position for position, v in enumerate(known, start=1)}
    return sorted(
        (Row(v.territory.name, v, ranks.get(v.pk), highlight == v.territory_id) for v in values),
        key=lambda row: (row.rank is None, row.rank or 0),
    )


def _country(territory: Territory) -> Territory:
    return territory.parent if territory.parent_id else territory  # type: ignore[return-value]


@section(
    "regions",
    order=30,
    title=_("Territories compared"),
    when_empty=_("No values of the units below this territory are stored for the period."),
)
def regions_compared(request: ReportRequest) -> str | None:
    blocks = []
    for indicator in headline(request, COMPARED):
        units = list(selectors.unit_values(indicator.code, request.period, request.territory))
        block: dict[str, object] = {"indicator": indicator, "rows": _ranked(units)}
        if units:
            block["chart"] = svg_image(charts.comparison_svg(indicator, units), indicator.label())
        if not request.national:
            peers = list(
                selectors.unit_values(indicator.code, request.period, _country(request.territory))
            )
            ranked = _ranked(peers, highlight=request.territory.pk)
            own = next((row for row in ranked if row.highlight), None)
            block["peers"] = ranked
            block["own_rank"] = own.rank if own else None
            block["peer_count"] = sum(1 for row in ranked if row.rank is not None)
            if peers:
                block["peer_chart"] = svg_image(
                    charts.comparison_svg(indicator, peers, highlight=request.territory.pk),
                    indicator.label(),
                )
        if units or block.get("peers"):
            blocks.append(block)
    if not blocks:
        return None
    return render_part("regions.html", {"blocks": blocks, "request": request})


def alert_periods(period: Period) -> list[str]:
    """Alerts are computed on quarters: those of the year, the quarter, or the month's quarter."""
    year = period.start.year
    if period.kind == PeriodKind.YEAR:
        return [f"{year}Q{q}" for q in range(1, 5)] + [period.code]
    quarter = f"{year}Q{(period.start.month - 1) // 3 + 1}"
    return [quarter, period.code]


@section(
    "alerts",
    order=50,
    title=_("Alerts"),
    when_empty=_("No statistically unusual figure was flagged for this territory and period."),
)
def alerts(request: ReportRequest) -> str | None:
    found = Alert.objects.filter(period__in=alert_periods(request.period)).select_related(
        "territory__parent"
    )
    if request.territory.level != Level.COUNTRY:
        found = found.filter(territory_id__in=territory_scope_ids(request.territory))
    rows = list(found.order_by("p_value")[:60])
    if not rows:
        return None
    catalogue = catalogue_load()
    names = {i.code: i.label() for i in catalogue.indicators}
    return render_part(
        "alerts.html",
        {"rows": [(alert, names.get(alert.indicator, alert.indicator)) for alert in rows]},
    )


@section("methodology", order=90, title=_("Methodological notes"))
def methodology(request: ReportRequest) -> str | None:
    used = {
        code
        for code in IndicatorValue.objects.filter(
            territory=request.territory, period=request.period.code, breakdown=""
        ).values_list("indicator", flat=True)
    }
    catalogue = catalogue_load()
    return render_part(
        "methodology.html",
        {
            "indicators": [i for i in catalogue.indicators if i.code in used],
            "catalogue": catalogue,
            "run": selectors.last_run(),
            "threshold": settings.QORGAU_DISCLOSURE_THRESHOLD,
            "request": request,
            "kinds": (NATIONAL, REGION),
        },
    )
