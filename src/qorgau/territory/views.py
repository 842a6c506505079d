from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from qorgau.territory.filters import TerritoryFilterSet
from qorgau.territory.models import Level, Territory, TerritoryPopulation, name_field

_LATEST_FIRST = Prefetch("population", queryset=TerritoryPopulation.objects.order_by("-year"))


@login_required
def territory_list(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    if not params.get("level") and not params.get("q") and not params.get("parent"):
        params["level"] = str(Level.REGION)
    filterset = TerritoryFilterSet(params, queryset=Territory.objects.all())
    territories = (
        filterset.qs.select_related("parent")
        .prefetch_related(_LATEST_FIRST)
        .annotate(n_children=Count("children", filter=Q(children__valid_to__isnull=True)))
        .order_by("level", name_field())
    )
    return render(
        request, "territory/territory_list.html", {"filter": filterset, "territories": territories}
    )


@login_required
def territory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    territory = get_object_or_404(Territory.objects.select_related("parent"), pk=pk)
    children = territory.children.prefetch_related(_LATEST_FIRST).order_by("kind", name_field())
    return render(
        request,
        "territory/territory_detail.html",
        {
            "territory": territory,
            "population": territory.population.order_by("-year"),
            "children": children,
            "predecessors": territory.successions_in.select_related("predecessor__parent"),
            "successors": territory.successions_out.select_related("successor__parent"),
        },
    )
