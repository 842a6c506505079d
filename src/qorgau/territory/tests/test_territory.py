from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, SEMEY
from qorgau.territory.models import Level, Territory, TerritoryPopulation, TerritorySuccession
from qorgau.territory.services import (
    territories_load,
    territory_current_shares,
    territory_scope_ids,
)

pytestmark = pytest.mark.django_db

BEFORE_REFORM = dt.date(2021, 12, 31)
AFTER_REFORM = dt.date(2022, 6, 8)
EAST_KAZAKHSTAN = "630000000"


def test_today_has_17_oblasts_3_cities_and_220_districts():
    current = Territory.objects.current()
    assert current.regions().filter(kind="oblast").count() == 17
    assert current.regions().filter(kind="city").count() == 3
    assert current.districts().count() == 220


def test_regions_population_adds_up_to_the_national_figure_of_2023():
    regions = TerritoryPopulation.objects.filter(
        year=2023, territory__level=Level.REGION, territory__valid_to__isnull=True
    )
    assert sum(p.total for p in regions) == 19_765_004
    for region in Territory.objects.current().regions():
        districts = TerritoryPopulation.objects.filter(year=2023, territory__parent=region)
        assert sum(p.total for p in districts) == region.population.get(year=2023).total, region


def test_before_the_2022_reform_there_were_14_oblasts_and_semey_was_in_east_kazakhstan():
    then = Territory.objects.valid_on(BEFORE_REFORM)
    assert then.regions().count() == 17
    assert not then.filter(kato_code=ABAI).exists()
    semey_then = Territory.objects.by_code(SEMEY, on=BEFORE_REFORM)
    assert semey_then.parent.kato_code == EAST_KAZAKHSTAN
    assert semey_then.parent.valid_to == dt.date(2022, 6, 7)
    semey_now = Territory.objects.by_code(SEMEY, on=AFTER_REFORM)
    assert semey_now.parent.kato_code == ABAI
    assert semey_now.pk != semey_then.pk
    assert Territory.objects.valid_on(AFTER_REFORM).regions().count() == 20


def test_a_past_district_maps_onto_todays_district_and_an_old_region_onto_its_successors():
    semey_then = Territory.objects.by_code(SEMEY, on=BEFORE_REFORM)
    assert territory_current_shares(semey_then) == [
        (Territory.objects.by_code(SEMEY), Decimal("1.0000"))
    ]
    old_east = Territory.objects.by_code(EAST_KAZAKHSTAN, on=BEFORE_REFORM)
    shares = dict(territory_current_shares(old_east))
    assert {t.kato_code for t in shares} == {EAST_KAZAKHSTAN, ABAI}
    assert sum(shares.values()) == Decimal("1.0000")


def test_scope_of_a_region_includes_its_past_districts_but_not_the_region_it_split_from():
    abai = Territory.objects.by_code(ABAI)
    scope = territory_scope_ids(abai)
    assert Territory.objects.by_code(SEMEY, on=BEFORE_REFORM).pk in scope
    assert Territory.objects.by_code(EAST_KAZAKHSTAN, on=BEFORE_REFORM).pk not in scope
    east_now = Territory.objects.by_code(EAST_KAZAKHSTAN)
    assert Territory.objects.by_code(SEMEY, on=BEFORE_REFORM).pk not in territory_scope_ids(
        east_now
    )
    assert len(scope) == 1 + 10 + 10  # the region, its 10 units today, their 10 past versions


def test_loading_again_changes_nothing():
    counts = (
        Territory.objects.count(),
        TerritoryPopulation.objects.count(),
        TerritorySuccession.objects.count(),
    )
    territories_load()
    assert counts == (
        Territory.objects.count(),
        TerritoryPopulation.objects.count(),
        TerritorySuccession.objects.count(),
    )


def test_names_follow_the_active_language():
    from django.utils import translation

    abai = Territory.objects.by_code(ABAI)
    for language, expected in (
        ("kk", "Абай облысы"),
        ("ru", "область Абай"),
        ("en", "Abai Region"),
    ):
        with translation.override(language):
            assert abai.name == expected


def test_population_sources_and_succession_notes_follow_the_active_language():
    """They were English ("BNS bulletin, 1 Jan 2023") whatever the reader chose."""
    from django.utils import translation

    abai = Territory.objects.by_code(ABAI)
    source = abai.population.get(year=2023)
    note = TerritorySuccession.objects.filter(successor=abai).first()
    assert note is not None
    for language, date in (("kk", "1 қаңтар"), ("ru", "1 января"), ("en", "1 Jan")):
        with translation.override(language):
            assert date in source.display_source and date in note.display_note


def test_territory_pages_show_regions_districts_and_history(make_user, signed_in):
    client: Client = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    page = client.get("/territories/").content.decode()
    assert "Abai Region" in page and "100000000" in page and "928,185" in page and "(2023)" in page
    old_map = client.get("/territories/?on=2021-12-31").content.decode()
    assert "Abai Region" not in old_map and "East Kazakhstan" in old_map
    abai = Territory.objects.by_code(ABAI)
    detail = client.get(f"/territories/{abai.pk}/").content.decode()
    assert "Semey City" in detail and "610,189" in detail and "298,770" in detail
    semey = Territory.objects.by_code(SEMEY)
    assert "East Kazakhstan Region" in client.get(f"/territories/{semey.pk}/").content.decode()


def test_territory_list_runs_a_fixed_number_of_queries(
    make_user, signed_in, django_assert_max_num_queries
):
    client = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    with django_assert_max_num_queries(12):
        response = client.get("/territories/?level=2")
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 221


def test_territory_api_filters_by_level_parent_and_date(make_user, signed_in):
    client = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    assert client.get("/api/v1/territories/?level=1").json()["count"] == 20
    abai = Territory.objects.by_code(ABAI)
    units = client.get(f"/api/v1/territories/?parent={abai.pk}").json()
    assert units["count"] == 10
    assert client.get("/api/v1/territories/?level=1&on=2021-01-01").json()["count"] == 17
    bad = client.get("/api/v1/territories/?on=not-a-date")
    assert bad.status_code == 400 and "on" in bad.json()["extra"]["fields"]


def test_territories_need_a_signed_in_user(client):
    assert client.get("/territories/").status_code == 302
    assert client.get("/api/v1/territories/").status_code in (401, 403)
