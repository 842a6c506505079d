"""Pages of the rating: league table, scorecard, method (public), comparison, run, method editor."""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import EDIT_RATING_METHOD, RUN_RATING, VIEW_AGGREGATES
from qorgau.lib.tabular import table_bytes
from qorgau.monitoring.catalogue import catalogue_load
from qorgau.rating import charts, selectors
from qorgau.rating.forms import MethodForm, RunForm
from qorgau.rating.method_table import method_dimensions
from qorgau.rating.methods import MethodError
from qorgau.rating.models import Level, RatingMethod, RatingRun, RunStatus
from qorgau.rating.services import (
    method_current,
    method_load,
    method_store,
    method_sync_builtin,
    rating_compare,
    rating_run,
)
from qorgau.rating.sources import SOURCE_INDICATORS
from qorgau.territory.models import Territory

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "svg": "image/svg+xml",
    "png": "image/png",
}


def _run_for(request: HttpRequest, pk: int) -> RatingRun:
    return get_object_or_404(selectors.runs_for(request.user), pk=pk)


def _names() -> dict[str, str]:
    names = {i.code: i.label() for i in catalogue_load().indicators}
    return names | {code: i.label() for code, i in SOURCE_INDICATORS.items()}


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def index(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    """The league table of a run (the latest national one by default)."""
    run = _run_for(request, pk) if pk else selectors.latest_run(request.user)
    results = selectors.league_table(run) if run else []
    return render(
        request,
        "rating/index.html",
        {
            "run": run,
            "results": results,
            "runs": selectors.runs_for(request.user)[:30],
            "names": _names(),
            "region": selectors.user_region(request.user),
            "may_run": request.user.has_perm(RUN_RATING),
        },
    )


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
@csp_update({"style-src": ["'unsafe-inline'"]})  # type: ignore[arg-type]  # SVG inline styles
def chart(request: HttpRequest, pk: int, fmt: str, kind: str = "league") -> HttpResponse:
    if fmt not in ("svg", "png"):
        raise Http404
    run = _run_for(request, pk)
    draw = charts.tile_map if kind == "map" and run.level == Level.REGION else charts.league_chart
    if kind not in ("league", "map"):
        raise Http404
    payload = draw(selectors.league_table(run), str(run), fmt)
    response = HttpResponse(payload, content_type=CONTENT_TYPES[fmt])
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="rating-{run.pk}-{kind}.{fmt}"'
    return response


EXPORT_COLUMNS = [
    "kato_code",
    "territory",
    "score",
    "rank",
    "rank_low",
    "rank_median",
    "rank_high",
    "score_low",
    "score_high",
    "above_next",
    "real_difference",
    "previous_rank",
    "flags",
]


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    run = _run_for(request, pk)
    results = selectors.league_table(run)
    groups = list(results[0].groups) if results else []
    header = [*EXPORT_COLUMNS, *groups]
    rows = [
        [
            r.territory.kato_code,
            r.territory.name,
            r.score,
            r.rank,
            r.rank_low,
            r.rank_median,
            r.rank_high,
            r.score_low,
            r.score_high,
            r.above_next,
            r.real_difference,
            r.previous_rank,
            " ".join(r.flags),
            *[r.groups.get(g) for g in groups],
        ]
        for r in results
    ]
    payload = table_bytes(header, rows, fmt, sheet="rating")
    response = HttpResponse(payload, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="qorgau-rating-{run.pk}.{fmt}"'
    return response


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def scorecard(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    run = _run_for(request, pk)
    result = get_object_or_404(run.results.select_related("territory"), territory__kato_code=code)
    if not selectors.may_see_scorecard(request.user, result.territory):
        raise Http404
    indicators = list(result.indicators.all())
    best = max(
        (i for i in indicators if i.gain is not None), key=lambda i: i.gain or 0, default=None
    )
    return render(
        request,
        "rating/scorecard.html",
        {
            "run": run,
            "result": result,
            "indicators": indicators,
            "best": best,
            "names": _names(),
            "count": run.results.count(),
        },
    )


def method_page(
    request: HttpRequest, name: str | None = None, version: int | None = None
) -> HttpResponse:
    """The published method: open to anyone, no account needed."""
    method_sync_builtin()
    if name and version:
        stored = get_object_or_404(RatingMethod, name=name, version=version)
    else:
        stored = method_current(name or "default")
    parsed = method_load(stored)
    catalogue = catalogue_load()
    entries: dict[str, Any] = {i.code: i for i in catalogue.indicators} | SOURCE_INDICATORS
    latest = RatingRun.objects.filter(method=stored, status=RunStatus.DONE).first()
    stress = stored.stresses.first()
    return render(
        request,
        "rating/method.html",
        {
            "stored": stored,
            "method": parsed.method,
            "data": parsed.data,
            "reasoning": _reasoning(parsed.data.get("reasoning")),
            "dimensions": method_dimensions(parsed.method, parsed.data, entries),
            "awaiting": _awaiting(parsed.method.codes),
            "versions": RatingMethod.objects.order_by("name", "-version"),
            "latest": latest,
            "constant": (latest.summary.get("constant") or {}) if latest else {},
            "catalogue_version": catalogue.version,
            "stress": stress,
            "stress_rows": _stress_rows(stress),
        },
    )


def _stress_rows(stress: Any) -> list[dict[str, Any]]:
    """The stress test's rows with the region's name, worst scenario first."""
    if stress is None:
        return []
    names = {t.kato_code: t.name for t in Territory.objects.regions()}
    rows = [dict(r, name=names.get(r["unit"], r["unit"])) for r in stress.results["rows"]]
    return sorted(rows, key=lambda r: (-r["mean_change"], r["unit"], r["share"], r["mode"]))


def _reasoning(text: Any) -> tuple[str, str] | None:
    """The method's reasoning in the reader's language and that language's code: a method
    file gives it as one English text (older versions) or by language (``en``/``ru``/``kk``)."""
    if not text:
        return None
    if isinstance(text, str):
        return text, "en"
    language = (get_language() or "en")[:2]
    chosen = language if language in text else "en"
    return str(text[chosen]), chosen


def _awaiting(codes: list[str]) -> list[str]:
    catalogue = catalogue_load()
    out = []
    for code in codes:
        if code in SOURCE_INDICATORS:
            continue
        indicator = catalogue.get(code)
        if any(
            t.measure in catalogue.awaiting for t in (indicator.numerator, indicator.denominator)
        ):
            out.append(code)
    return out


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def compare(request: HttpRequest) -> HttpResponse:
    runs = selectors.runs_for(request.user).filter(status=RunStatus.DONE)
    comparison = None
    a, b = request.GET.get("a"), request.GET.get("b")
    if a and b and a.isdigit() and b.isdigit():
        comparison = rating_compare(get_object_or_404(runs, pk=a), get_object_or_404(runs, pk=b))
    return render(
        request,
        "rating/compare.html",
        {"runs": runs[:50], "comparison": comparison, "a": a, "b": b},
    )


@login_required
@permission_required(RUN_RATING, raise_exception=True)
def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start a run; it is computed at once (a Monte Carlo of 10,000 draws takes seconds)."""
    method_sync_builtin()
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            run = rating_run(
                year=data["year"],
                level=data["level"],
                region=data.get("region") if data["level"] == Level.DISTRICT else None,
                method=data.get("method"),
                draws=data.get("draws"),
                seed=data.get("seed"),
                actor=request.user,
            )
        except (ValueError, MethodError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The rating has been computed."))
            return redirect("rating:run", pk=run.pk)
    return render(request, "rating/start.html", {"form": form})


def method_file(request: HttpRequest, name: str, version: int) -> HttpResponse:
    """The method file itself, byte for byte (its hash is on the method page): open to anyone."""
    stored = get_object_or_404(RatingMethod, name=name, version=version)
    response = HttpResponse(stored.content, content_type="text/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stored.name}-v{stored.version}.yaml"'
    return response


@login_required
@permission_required(EDIT_RATING_METHOD, raise_exception=True)
def method_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload or paste a method file: validated, stored as a new version, never overwritten."""
    method_sync_builtin()
    initial = {"text": method_current().content}
    form = MethodForm(request.POST or None, request.FILES or None, initial=initial)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            stored = method_store(
                text=form.method_text(), actor=request.user, note=form.cleaned_data["note"]
            )
        except MethodError as exc:
            error = exc
        else:
            messages.success(request, _("The method has been stored as a new version."))
            return redirect("rating:method_version", name=stored.name, version=stored.version)
    return render(request, "rating/method_edit.html", {"form": form, "error": error})
