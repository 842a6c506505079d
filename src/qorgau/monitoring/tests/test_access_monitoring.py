"""Every role against every monitoring page and endpoint."""

from __future__ import annotations

import pytest

from qorgau.accounts.roles import (
    ACCEPT_AGGREGATES,
    APPROVE_AGGREGATES,
    ENTER_AGGREGATES,
    ROLE_SCOPES,
    VIEW_AGGREGATES,
    Role,
    ScopeKind,
    permissions_for,
)
from qorgau.conftest import ABAI, SEMEY

pytestmark = pytest.mark.django_db


def _holding(*permissions: str) -> set[str]:
    return {role for role in Role if permissions_for(role) & set(permissions)}


AGGREGATE_VIEWERS = _holding(VIEW_AGGREGATES)
REPORT_USERS = _holding(ENTER_AGGREGATES, APPROVE_AGGREGATES, ACCEPT_AGGREGATES)
REPORT_ENTERERS = _holding(ENTER_AGGREGATES)
SCOPES = {
    Role.POLICE_INSPECTOR: SEMEY,
    Role.COURT_LIAISON: ABAI,
    Role.AKIMAT_COORDINATOR: ABAI,
    Role.POLICE_SUPERVISOR: ABAI,
}

DASHBOARD_URLS = [
    "/monitoring/",
    "/monitoring/indicator/incidents_rate/",
    "/monitoring/alerts/",
    "/monitoring/download.csv?period=2025",
    "/api/v1/indicators/",
    "/api/v1/indicator-values/",
]
REPORT_URLS = ["/monitoring/reports/", "/api/v1/aggregate-reports/"]


def test_every_role_against_every_monitoring_page(make_user, make_organisation, signed_in, roles):
    centre = make_organisation("Centre", SEMEY)
    for role in roles:
        if ScopeKind.ORGANISATION in ROLE_SCOPES[role]:
            user = make_user(role, organisation=centre)
        else:
            user = make_user(role, SCOPES.get(role, "000000000"))
        client = signed_in(user)
        for url in DASHBOARD_URLS:
            status = client.get(url).status_code
            if role in AGGREGATE_VIEWERS:
                assert status in (200, 404), (
                    role,
                    url,
                    status,
                )  # 404: nothing computed for the period yet
            else:
                assert status == 403, (role, url, status)
        for url in REPORT_URLS:
            assert (client.get(url).status_code == 200) == (role in REPORT_USERS), (role, url)
        enter = client.get("/monitoring/reports/enter/").status_code
        assert (enter == 200) == (role in REPORT_ENTERERS), (
            role,
            enter,
        )


def test_open_data_needs_no_account(client):
    assert client.get("/monitoring/open-data/").status_code == 200
