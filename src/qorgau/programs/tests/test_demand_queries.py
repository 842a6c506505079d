"""Demand for programmes by region: grouped queries, the same figures as one region at a time.

``selectors.demand_by_region`` counts per district and sums over each region's scope; these
check it against counting each region on its own (the way it was computed before) and that
the country-wide page costs a fixed number of queries, not a dozen per region.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Sum
from django.test import Client

from qorgau.accounts.models import User
from qorgau.programs import selectors
from qorgau.programs.models import Accreditation, Enrolment, EnrolmentStatus, Programme
from qorgau.programs.tests.conftest import TODAY, World, enrol
from qorgau.territory.models import Territory
from qorgau.territory.services import territory_scope_ids


def _one_region(region: Territory) -> tuple[int, int, int, int, int]:
    """(obliged, waiting, enrolled, unlisted, capacity) of one region, counted on its own."""
    obliged = selectors.obliged_requirements(region=region).filter(
        starts_on__lte=TODAY, ends_on__gte=TODAY
    )
    listed = Enrolment.objects.filter(requirement__in=obliged.values("pk"))
    places = Programme.objects.filter(
        provider__region=region,
        is_active=True,
        accreditation=Accreditation.ACCREDITED,
        provider__accreditation=Accreditation.ACCREDITED,
    ).aggregate(places=Sum("capacity"))["places"]
    assert territory_scope_ids(region)
    return (
        obliged.count(),
        listed.filter(status=EnrolmentStatus.WAITING).count(),
        listed.filter(status=EnrolmentStatus.ENROLLED).count(),
        selectors.candidates(region=region, on=TODAY).count(),
        places or 0,
    )


def test_every_region_equals_its_own_count(world: World) -> None:
    for requirement in world.requirements:
        enrol(world, requirement)
    rows = selectors.demand_by_region(on=TODAY)
    assert len(rows) > 10
    assert any(row.obliged for row in rows)
    for row in rows:
        assert (row.obliged, row.waiting, row.enrolled, row.unlisted, row.capacity) == (
            _one_region(row.region)
        )


def test_the_country_page_costs_the_same_queries_for_every_region(
    world: World,
    signed_in: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    client = signed_in(world.analyst)
    client.get("/programmes/demand/")
    with django_assert_max_num_queries(20):
        response = client.get("/programmes/demand/")
    assert response.status_code == 200
