"""Every role against every monitoring page and endpoint."""

from __future__ import annotations

import pytest

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, SEMEY

pytestmark = pytest.mark.django_db

AGGREGATE_VIEWERS = {
    Role.POLICE_INSPECTOR,
    Role.POLICE_SUPERVISOR,
    Role.COURT_LIAISON,
    Role.AKIMAT_COORDINATOR,
    Role.PROGRAM_PROVIDER,
    Role.CRISIS_CENTRE,
    Role.NATIONAL_ANALYST,
}
REPORT_USERS = {Role.AKIMAT_COORDINATOR, Role.CRISIS_CENTRE, Role.NATIONAL_ANALYST}
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
        if role in (Role.CRISIS_CENTRE, Role.PROGRAM_PROVIDER):
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
        assert (enter == 200) == (role in {Role.AKIMAT_COORDINATOR, Role.CRISIS_CENTRE}), (
            role,
            enter,
        )


def test_open_data_needs_no_account(client):
    assert client.get("/monitoring/open-data/").status_code == 200
