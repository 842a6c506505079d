"""The selectors that scope what a user reads give nothing to nobody.

They are asked with ``request.user``, which is the anonymous user when nobody signed in (the
API's schema is built that way, and a view that lost its login check would ask so), and by
commands with no account at all. Each must then answer "nothing", never "everything"; and a
regional account that has lost its territory sees nothing either, rather than the country.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from qorgau.accounts.access import can_place_in_scope
from qorgau.accounts.roles import Role
from qorgau.budget.forms import region_choices
from qorgau.monitoring.aggregate_views import reports_for as aggregate_reports_for
from qorgau.programs import selectors
from qorgau.programs.tests.conftest import World
from qorgau.registry.importing.permissions import may_import_register
from qorgau.reports.services import reports_for

pytestmark = pytest.mark.django_db

NOBODY = [AnonymousUser(), None]


@pytest.mark.parametrize("nobody", NOBODY, ids=["anonymous", "no account"])
def test_nobody_reads_nothing(world: World, nobody: Any) -> None:
    assert selectors.providers_for(world.analyst).count() == 2  # the country reads them all
    assert not selectors.providers_for(nobody).exists()
    assert not selectors.programmes_for(nobody).exists()
    assert not selectors.demand_regions_for(nobody).exists()
    assert selectors.provider_of(nobody) is None
    assert not reports_for(nobody).exists()
    assert not aggregate_reports_for(nobody).exists()
    assert not can_place_in_scope(nobody, world.provider.region_id, None)


def test_anonymous_may_not_import_but_the_system_may() -> None:
    assert not may_import_register(AnonymousUser(), "police")
    assert may_import_register(None, "police")
    assert region_choices(AnonymousUser()) == []


def test_a_region_without_its_territory_sees_no_providers(world: World) -> None:
    assert selectors.providers_for(world.coordinator).get() == world.provider
    lost = world.coordinator
    lost.territory = None  # as a bad import or a deleted territory would leave it
    assert lost.role == Role.AKIMAT_COORDINATOR
    assert not selectors.providers_for(lost).exists()
    assert not selectors.demand_regions_for(lost).exists()
