"""Every role against every reports page and endpoint."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qorgau.accounts.roles import VIEW_AGGREGATES, Role, permissions_for
from qorgau.conftest import ABAI, ALMATY_CITY, COUNTRY, SEMEY
from qorgau.reports.models import Report, ReportStatus
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db

SCOPES = {
    Role.POLICE_INSPECTOR: SEMEY,
    Role.POLICE_SUPERVISOR: ABAI,
    Role.COURT_LIAISON: ABAI,
    Role.AKIMAT_COORDINATOR: ABAI,
    Role.FINANCE_OFFICER: ABAI,
}
ORGANISATION_ROLES = {
    Role.CRISIS_CENTRE,
    Role.CRISIS_CENTRE_SUPERVISOR,
    Role.PROGRAM_PROVIDER,
    Role.AGENCY_OFFICER,
}


def _stored(kind: str, code: str, reports_dir) -> Report:
    report = Report.objects.create(
        kind=kind,
        territory=Territory.objects.by_code(code),
        period="2024",
        language="en",
        format="html",
        status=ReportStatus.FINISHED,
        finished_at=timezone.now(),
    )
    report.file_name = f"report-{report.pk}.html"
    report.save()
    (reports_dir / report.file_name).write_text("<!DOCTYPE html><p>report</p>")
    return report


@pytest.fixture
def stored(settings, tmp_path):
    settings.QORGAU_REPORTS_DIR = tmp_path
    return {
        "national": _stored("national", COUNTRY, tmp_path),
        "abai": _stored("region", ABAI, tmp_path),
        "almaty": _stored("region", ALMATY_CITY, tmp_path),
    }


def _urls(report: Report) -> list[str]:
    return [
        f"/reports/{report.pk}/",
        f"/reports/{report.pk}/download/",
        f"/api/v1/reports/{report.pk}/",
        f"/api/v1/reports/{report.pk}/file/",
    ]


def test_every_role_against_every_page_and_endpoint(
    make_user, make_organisation, signed_in, roles, stored
):
    organisation = make_organisation("Centre", SEMEY)
    for role in roles:
        if role in ORGANISATION_ROLES:
            user = make_user(role, organisation=organisation)
        else:
            user = make_user(role, SCOPES.get(role, COUNTRY))
        client = signed_in(user)
        allowed = VIEW_AGGREGATES in permissions_for(role)
        regional = allowed and user.scope_territory.kato_code != COUNTRY
        for url in ("/reports/", "/api/v1/reports/"):
            status = client.get(url).status_code
            assert status == (200 if allowed else 403), (role, url, status)
        for name, report in stored.items():
            # Region-scoped users see their own region's passports only (all are in Abai).
            visible = allowed and (not regional or name == "abai")
            for url in _urls(report):
                status = client.get(url).status_code
                expected = 200 if visible else (404 if allowed else 403)
                assert status == expected, (role, url, status)


def test_anonymous_visitors_are_sent_to_sign_in(client, stored):
    assert client.get("/reports/").status_code == 302
    assert client.get(f"/reports/{stored['national'].pk}/download/").status_code == 302
    assert client.get("/api/v1/reports/").status_code in (401, 403)
    assert client.get(f"/api/v1/reports/{stored['national'].pk}/file/").status_code in (401, 403)


def test_a_region_user_cannot_ask_for_another_region_or_the_nation(
    make_user, signed_in, report_values, settings, tmp_path
):
    settings.QORGAU_REPORTS_DIR = tmp_path
    settings.QORGAU_REPORTS_IN_BACKGROUND = False
    client = signed_in(make_user(Role.AKIMAT_COORDINATOR, ABAI))
    for payload in (
        {"kind": "national", "period": "2024", "language": "en", "format": "html"},
        {"kind": "region", "region": ALMATY_CITY, "period": "2024", "language": "en"},
    ):
        response = client.post("/api/v1/reports/", payload, content_type="application/json")
        assert response.status_code == 403, payload
    # the page offers only the passport of Abai
    page = client.get("/reports/").content.decode()
    assert ALMATY_CITY not in page
    response = client.post(
        "/reports/",
        {
            "kind": "region",
            "region": ALMATY_CITY,
            "period": "2024",
            "language": "en",
            "format": "html",
        },
    )
    assert response.status_code == 200  # the form refuses the choice
    assert not Report.objects.exists()
