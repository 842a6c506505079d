"""Pages: the latest estimates per region and year, a region's series, downloads, runs."""

from __future__ import annotations

from csp.decorators import csp_update
from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.roles import RUN_ESTIMATION, VIEW_AGGREGATES
from qorgau.latency import export, selectors, services
from qorgau.latency.models import SELECTION_NAMES, EstimationRun, Method
from qorgau.latency.services import DEFAULT_RUN_METHOD, RUN_METHODS

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "svg": "image/svg+xml",
    "png": "image/png",
}


def _year(request: HttpRequest) -> int | None:
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() else None


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def index(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    results = selectors.latest_results(year=year)
    years = sorted({r.year for r in selectors.latest_results()}, reverse=True)
    if year is None and years:
        year = years[0]
        results = [r for r in results if r.year == year]
    regions = selectors.region_names()
    return render(
        request,
        "latency/index.html",
        {
            "rows": [(r, regions.get(r.region_code)) for r in results],
            "year": year,
            "years": years,
            "run": selectors.last_run(),
            "can_run": request.user.has_perm(RUN_ESTIMATION),
        },
    )


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def region(request: HttpRequest, code: str) -> HttpResponse:
    place = selectors.region_names().get(code)
    if place is None:
        raise Http404
    return render(
        request,
        "latency/region.html",
        {"region": place, "results": selectors.latest_results(region_code=code)},
    )


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
@csp_update({"style-src": ["'unsafe-inline'"]})  # type: ignore[arg-type]  # SVG inline styles
def chart(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    place = selectors.region_names().get(code)
    if place is None or fmt not in ("svg", "png"):
        raise Http404
    results = selectors.latest_results(region_code=code, method=Method.MSE)
    response = HttpResponse(
        export.region_chart(results, place.name, fmt), content_type=CONTENT_TYPES[fmt]
    )
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="hidden-violence-{code}.{fmt}"'
    return response


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    names = {code: t.name for code, t in selectors.region_names().items()}
    results = selectors.latest_results(year=_year(request), region_code=request.GET.get("region"))
    response = HttpResponse(
        export.render_table(export.result_rows(results, names), fmt),
        content_type=CONTENT_TYPES[fmt],
    )
    response["Content-Disposition"] = f'attachment; filename="qorgau-hidden-violence.{fmt}"'
    return response


class RunForm(forms.Form):
    """A run over the linked registers; there is no other source to choose (see sources.py)."""

    selection = forms.ChoiceField(
        label=_("Model selection"),
        choices=[(s, SELECTION_NAMES.get(s, s)) for s in RUN_METHODS],
        initial=DEFAULT_RUN_METHOD,
    )
    first_year = forms.IntegerField(label=_("First year"), min_value=2000, max_value=2100)
    last_year = forms.IntegerField(label=_("Last year"), min_value=2000, max_value=2100)
    bootstrap = forms.IntegerField(
        label=_("Bootstrap replicates (0: none)"), min_value=0, max_value=2000, initial=0
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        first, last = data.get("first_year"), data.get("last_year")
        if isinstance(first, int) and isinstance(last, int) and first > last:
            raise forms.ValidationError(_("The first year comes after the last."))
        return data


@login_required
@permission_required(RUN_ESTIMATION, raise_exception=True)
def run_start(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        years = list(range(data["first_year"], data["last_year"] + 1))
        run = services.estimation_start(
            user=request.user,
            years=years,
            selection=data["selection"],
            bootstrap=data["bootstrap"],
        )
        services.run_in_background(run, years=years)
        return redirect("latency:run", pk=run.pk)
    return render(request, "latency/run_form.html", {"form": form})


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(EstimationRun, pk=pk)
    return render(request, "latency/run.html", {"run": run})
