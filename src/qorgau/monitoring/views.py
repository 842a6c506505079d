"""Dashboards drawn from stored indicator values (never from raw records)."""

from __future__ import annotations

from urllib.parse import urlencode

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import VIEW_AGGREGATES
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.monitoring import charts, selectors
from qorgau.monitoring.aggregates import reports_overdue
from qorgau.monitoring.breaks import breaks_of
from qorgau.monitoring.catalogue import Indicator, catalogue_load
from qorgau.monitoring.export import export_rows
from qorgau.monitoring.export import render as render_table
from qorgau.monitoring.models import Alert, IndicatorValue
from qorgau.monitoring.periods import Period, PeriodError, period_parse
from qorgau.monitoring.release import (
    BAND,
    BAND_BELOW,
    MAX_PERTURBATION,
    MIN_DENOMINATOR,
    may_see_exact,
)
from qorgau.monitoring.release_store import public_release_rows
from qorgau.territory.models import Level, Territory
from qorgau.territory.services import territory_scope_ids

DEFAULT_INDICATOR = "incidents_rate"
PUBLIC_PAGE_ROWS = 200  # rows of the open-data table per page (the files hold every row)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "svg": "image/svg+xml",
    "png": "image/png",
}
# Country-wide statistical work needs the exact small-area figures; every other role with the
# dashboards downloads the public release (the dashboards stay exact within the user's reach).


def _period(request: HttpRequest) -> Period | None:
    text = request.GET.get("period", "")
    if text:
        try:
            return period_parse(text)
        except PeriodError as exc:
            raise Http404(str(exc)) from exc
    return selectors.latest_year()


def _indicator(code: str) -> Indicator:
    try:
        return catalogue_load().get(code)
    except KeyError:
        raise Http404 from None


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def dashboard(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    territory = get_object_or_404(Territory, pk=pk) if pk else _home_territory(request)
    period = _period(request)
    code = request.GET.get("indicator", DEFAULT_INDICATOR)
    indicator = _indicator(code)
    units = list(selectors.unit_values(code, period, territory)) if period else []
    show_map = territory.level == Level.COUNTRY
    tiles, bands = charts.tile_grid(units) if show_map else ([], [])
    context = {
        "territory": territory,
        "ancestors": _ancestors(territory),
        "period": period,
        "incomplete": period is not None and not selectors.is_complete(period),
        "indicator": indicator,
        "indicators": catalogue_load().indicators,
        "run": selectors.last_run(),
        "figures": selectors.key_figures(territory, period) if period else [],
        "units": units,
        "show_map": show_map,
        "tiles": tiles,
        "bands": bands,
        "trend": list(selectors.trend(code, territory)),
        "hidden": _hidden_violence(territory, period),
    }
    return render(request, "monitoring/dashboard.html", context)


def _home_territory(request: HttpRequest) -> Territory:
    """Where ``/monitoring/`` opens: the user's own region, district or organisation's place,
    so that a regional coordinator starts on the figures he or she answers for; Kazakhstan for
    country-wide roles."""
    scope = getattr(request.user, "scope_territory", None)
    if isinstance(scope, Territory) and scope.level != Level.COUNTRY:
        return scope
    return Territory.objects.get(level=Level.COUNTRY)


def _ancestors(territory: Territory) -> list[Territory]:
    """The territories above this one, the country first, for the breadcrumb."""
    chain: list[Territory] = []
    parent = territory.parent
    while parent is not None:
        chain.insert(0, parent)
        parent = parent.parent
    return chain


def _hidden_violence(territory: Territory, period: Period | None) -> dict[str, float | None] | None:
    """Registered victims beside the estimated true number (stored by the indicators that read
    the hidden-violence estimates), when an estimate exists for this territory and year."""
    if period is None or period.kind != "year":
        return None
    stored = {
        v.indicator: v
        for v in IndicatorValue.objects.filter(
            territory=territory,
            period=period.code,
            breakdown="",
            indicator__in=["reporting_ratio", "estimated_victims_rate"],
        )
    }
    ratio, rate = stored.get("reporting_ratio"), stored.get("estimated_victims_rate")
    if ratio is None and rate is None:
        return None
    figures: dict[str, float | None] = {"registered": None, "estimate": None}
    if ratio is not None:
        figures |= {
            "registered": ratio.numerator,
            "estimate": ratio.denominator,
            "ratio": ratio.value,
            "ratio_low": ratio.low,
            "ratio_high": ratio.high,
        }
    if rate is not None and rate.denominator:
        per_person = rate.denominator / catalogue_load().get(rate.indicator).multiplier
        figures |= {
            "estimate": rate.numerator,
            "low": rate.low * per_person if rate.low is not None else None,
            "high": rate.high * per_person if rate.high is not None else None,
        }
    return figures


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    indicator = _indicator(code)
    territory = Territory.objects.get(level=Level.COUNTRY)
    period = _period(request)
    return render(
        request,
        "monitoring/indicator.html",
        {
            "indicator": indicator,
            "period": period,
            "territory": territory,
            "catalogue": catalogue_load(),
            "trend": list(selectors.trend(code, territory)),
            "breaks": breaks_of(code),
            "units": list(selectors.unit_values(code, period, territory)) if period else [],
            "breakdowns": list(selectors.breakdowns(code, territory, period)) if period else [],
        },
    )


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
@csp_update({"style-src": ["'unsafe-inline'"]})  # type: ignore[arg-type]  # SVG inline styles
def chart(request: HttpRequest, code: str, kind: str, fmt: str) -> HttpResponse:
    if fmt not in ("svg", "png"):
        raise Http404
    indicator = _indicator(code)
    pk = request.GET.get("territory")
    territory = (
        get_object_or_404(Territory, pk=pk) if pk else Territory.objects.get(level=Level.COUNTRY)
    )
    if kind == "trend":
        payload = charts.trend_chart(
            indicator, list(selectors.trend(code, territory)), territory.name, fmt
        )
    elif kind == "map":
        period = _period(request)
        if period is None:
            raise Http404
        payload = charts.tile_map(
            indicator, list(selectors.unit_values(code, period, territory)), fmt
        )
    else:
        raise Http404
    response = HttpResponse(payload, content_type=CONTENT_TYPES[fmt])
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{code}-{kind}.{fmt}"'
    return response


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def download(request: HttpRequest, fmt: str) -> HttpResponse:
    period = _period(request)
    if period is None or fmt not in ("csv", "xlsx", "json"):
        raise Http404(_("No indicator has been computed yet."))
    level = Level.DISTRICT if request.GET.get("level") == "district" else Level.REGION
    codes = request.GET.getlist("indicator") or None
    exact = may_see_exact(request.user)
    rows = (
        public_release_rows(level, period)
        if not exact and codes is None
        else export_rows(level=level, period=period, public=not exact, indicators=codes)
    )
    if exact:
        audit_record(
            action=AuditAction.EXPORT,
            request=request,
            object_type="monitoring.indicatorvalue",
            reason="exact small-area figures",
            details={"period": period.code, "level": int(level), "format": fmt, "rows": len(rows)},
        )
    response = HttpResponse(render_table(rows, fmt), content_type=CONTENT_TYPES[fmt])
    name = "indicators" if exact else "open-data"
    response["Content-Disposition"] = f'attachment; filename="qorgau-{name}-{period.code}.{fmt}"'
    return response


def public_statistics(request: HttpRequest) -> HttpResponse:
    """Open data for anyone: the public release, every count perturbed and small ones banded
    (``monitoring.release``). The page shows the rows a page at a time; the files keep every
    row. Both read the cached release (``monitoring.release_store``)."""
    period = _period(request)
    fmt = request.GET.get("format", "")
    rows = public_release_rows(Level.REGION, period) if period else []
    if fmt in ("csv", "json", "xlsx") and period:
        response = HttpResponse(render_table(rows, fmt), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = (
            f'attachment; filename="qorgau-open-data-{period.code}.{fmt}"'
        )
        return response
    return render(
        request,
        "monitoring/public.html",
        {
            "period": period,
            "page_obj": Paginator(rows, PUBLIC_PAGE_ROWS).get_page(request.GET.get("page")),
            "query": urlencode({"period": period.code}) if period else "",
            "catalogue": catalogue_load(),
            "max_perturbation": MAX_PERTURBATION,
            "min_denominator": MIN_DENOMINATOR,
            "band_below": BAND_BELOW,
            "band": BAND,
        },
    )


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def alert_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Alerts for the user's territory (all of them for country-wide roles)."""
    alerts = Alert.objects.select_related("territory__parent").order_by("-period", "p_value")
    scope = request.user.scope_territory
    territory_ids: set[int] | None = None
    if scope is not None and scope.level != Level.COUNTRY:
        territory_ids = set(territory_scope_ids(scope))
        alerts = alerts.filter(territory_id__in=territory_ids)
    catalogue = catalogue_load()
    names = {indicator.code: indicator.label() for indicator in catalogue.indicators}
    rows = [
        (alert, names.get(alert.indicator, alert.indicator), _not_ended(alert.period))
        for alert in alerts[:300]
    ]
    overdue = reports_overdue(territory_ids=territory_ids)
    return render(request, "monitoring/alerts.html", {"rows": rows, "overdue": overdue[:300]})


def _not_ended(code: str) -> bool:
    """Whether an alert's period has not ended (left by an older run): shown marked, since its
    counts are partial beside the whole periods it was compared with."""
    try:
        return not selectors.is_complete(period_parse(code))
    except PeriodError:
        return False
