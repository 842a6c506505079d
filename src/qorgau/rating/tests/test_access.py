"""Every role against every rating page and endpoint; anonymous visitors read the method."""

from __future__ import annotations

from typing import Any

import pytest

from qorgau.accounts.roles import (
    EDIT_RATING_METHOD,
    ROLE_SCOPES,
    RUN_RATING,
    VIEW_AGGREGATES,
    Role,
    ScopeKind,
    permissions_for,
)
from qorgau.conftest import ABAI, SEMEY
from qorgau.rating.services import rating_run
from qorgau.rating.tests import fixtures

pytestmark = pytest.mark.django_db

# Derived from the roles' permissions, so that a role added later is tested too; the scope of
# each test user is the narrowest its role allows (a region where possible).
VIEWERS = {r for r in Role if VIEW_AGGREGATES in permissions_for(r)}
RUNNERS = {r for r in Role if RUN_RATING in permissions_for(r)}
EDITORS = {r for r in Role if EDIT_RATING_METHOD in permissions_for(r)}
assert Role.AKIMAT_COORDINATOR in VIEWERS and RUNNERS == EDITORS == {Role.NATIONAL_ANALYST}


def _scope(role: str) -> str:
    scopes = ROLE_SCOPES[role]
    if ScopeKind.ORGANISATION in scopes:
        return ScopeKind.ORGANISATION
    if ScopeKind.REGION in scopes:
        return ABAI
    if ScopeKind.DISTRICT in scopes:
        return SEMEY
    return "000000000"


COUNTRY_WIDE = {r for r in VIEWERS if _scope(r) == "000000000"}


@pytest.fixture
def run():
    fixtures.load_both_years()
    return rating_run(year=2024, draws=30)


def _user(role: str, make_user: Any, make_organisation: Any) -> Any:
    if _scope(role) == ScopeKind.ORGANISATION:
        return make_user(role, organisation=make_organisation(f"Centre {role}", SEMEY))
    return make_user(role, _scope(role))


def test_every_role_against_every_rating_page(run, make_user, make_organisation, signed_in, roles):
    own = f"/rating/run/{run.pk}/territory/{fixtures.ABAI}/"
    other = f"/rating/run/{run.pk}/territory/{fixtures.ATYRAU}/"
    viewing = [
        "/rating/",
        f"/rating/run/{run.pk}/",
        f"/rating/run/{run.pk}/chart.svg",
        f"/rating/run/{run.pk}/map.svg",
        f"/rating/run/{run.pk}/download.csv",
        f"/rating/run/{run.pk}/download.xlsx",
        "/rating/compare/",
        f"/rating/compare/?a={run.pk}&b={run.pk}",
        own,
        "/api/v1/rating/runs/",
        f"/api/v1/rating/runs/{run.pk}/",
        f"/api/v1/rating/runs/{run.pk}/results/",
    ]
    for role in roles:
        client = signed_in(_user(role, make_user, make_organisation))
        for url in viewing:
            status = client.get(url).status_code
            assert status == (200 if role in VIEWERS else 403), (role, url, status)
        status = client.get(other).status_code
        expected = 200 if role in COUNTRY_WIDE else 404 if role in VIEWERS else 403
        assert status == expected, (role, "other region's scorecard", status)
        assert client.get("/rating/method/").status_code == 200
        assert client.get("/api/v1/rating/methods/").status_code == 200
        start = client.get("/rating/start/").status_code
        assert start == (200 if role in RUNNERS else 403), (role, start)
        edit = client.get("/rating/method/new/").status_code
        assert edit == (200 if role in EDITORS else 403), (role, edit)
        posted = client.post(
            "/api/v1/rating/runs/", {"year": 2024, "draws": 5}, content_type="application/json"
        ).status_code
        assert posted == (201 if role in RUNNERS else 403), (role, posted)
        stored = client.post(
            "/api/v1/rating/methods/", {"content": "x: ["}, content_type="application/json"
        ).status_code
        assert stored == (400 if role in EDITORS else 403), (role, stored)


def test_the_coordinator_sees_the_national_table_but_only_the_regions_scorecards(
    run, make_user, signed_in
):
    client = signed_in(make_user(Role.AKIMAT_COORDINATOR, ABAI))
    page = client.get("/rating/").content.decode()
    assert "Atyrau" in page and f"territory/{fixtures.ATYRAU}/" not in page
    assert f"territory/{fixtures.ABAI}/" in page
    rows = client.get(f"/api/v1/rating/runs/{run.pk}/results/").json()
    assert len(rows) == 5
    assert [r["indicators"] is not None for r in rows].count(True) == 1


def test_anonymous_visitors_read_the_method_but_nothing_else(client, run):
    page = client.get("/rating/method/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "reporting_ratio" in text and "never scored" in text and run.method_sha256 in text
    assert client.get("/rating/").status_code == 302  # to the sign-in page
    assert client.get("/api/v1/rating/runs/").status_code in (401, 403)


def test_pages_show_the_league_table_scorecard_and_method_editor(run, make_user, signed_in):
    client = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    page = client.get("/rating/").content.decode()
    assert "90% interval of the rank" in page and "Sensitivity" in page
    card = client.get(f"/rating/run/{run.pk}/territory/{fixtures.AKMOLA}/").content.decode()
    assert "What would move the score most" in card and "Contribution" in card
    text = client.get("/rating/method/new/").context["form"].initial["text"]
    bad = client.post(
        "/rating/method/new/", {"text": text.replace("direction: -1", "direction: 1")}
    )
    assert "indicators[" in bad.content.decode() and "catalogue says lower" in bad.content.decode()
    good = client.post("/rating/method/new/", {"text": text.replace("version: 4", "version: 5")})
    assert good.status_code == 302 and good["Location"] == "/rating/method/default/v5/"
    started = client.post("/rating/start/", {"year": 2024, "level": "region", "draws": 10})
    assert started.status_code == 302
    assert client.get(f"/rating/run/{run.pk}/chart.png").status_code == 200
    tiles = client.get(f"/rating/run/{run.pk}/map.svg")
    assert tiles.status_code == 200 and b"<svg" in tiles.content
