"""Every role against every budget page and endpoint; the API's writes and upload."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qorgau.accounts.roles import Role
from qorgau.budget.models import Allocation, Source, SubProgramme
from qorgau.conftest import ABAI, ALMATY_CITY, COUNTRY, SEMEY
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db

VIEWERS = {
    Role.POLICE_INSPECTOR,
    Role.POLICE_SUPERVISOR,
    Role.COURT_LIAISON,
    Role.AKIMAT_COORDINATOR,
    Role.PROGRAM_PROVIDER,
    Role.CRISIS_CENTRE,
    Role.CRISIS_CENTRE_SUPERVISOR,
    Role.NATIONAL_ANALYST,
    Role.DATA_STEWARD,
    Role.FINANCE_OFFICER,
    Role.AGENCY_OFFICER,
}
MANAGERS = {Role.FINANCE_OFFICER}
SCOPES = {
    Role.POLICE_INSPECTOR: SEMEY,
    Role.COURT_LIAISON: ABAI,
    Role.AKIMAT_COORDINATOR: ABAI,
    Role.POLICE_SUPERVISOR: ABAI,
}
VIEW_URLS = [
    "/budget/",
    "/budget/?year=2024&region=" + ABAI,
    "/budget/analysis/?year=2024",
    "/budget/programme/",
    "/budget/allocations/",
    "/budget/allocations/{pk}/",
    "/budget/chart/execution.svg?year=2024",
    "/budget/chart/monthly.svg?year=2024",
    "/budget/chart/results.svg?year=2024",
    "/budget/download/regions.csv?year=2024",
    "/budget/download/sub-programmes.xlsx?year=2024",
    "/api/v1/budget/sub-programmes/",
    "/api/v1/budget/allocations/?year=2024",
    "/api/v1/budget/execution/",
    "/api/v1/budget/analysis/regions/?year=2024",
]
MANAGE_URLS = [
    "/budget/allocations/enter/",
    "/budget/execution/enter/",
    "/budget/upload/",
    "/budget/upload/template.xlsx",
]


@pytest.fixture
def allocation() -> Allocation:
    return Allocation.objects.create(
        sub_programme=SubProgramme.objects.get(code="crisis_centres"),
        region=Territory.objects.by_code(ABAI, on=dt.date(2024, 12, 31)),
        year=2024,
        approved=Decimal(1000),
        revised=Decimal(1000),
        source=Source.ENTRY,
    )


def test_every_role_against_every_budget_page(
    make_user, make_organisation, signed_in, roles, allocation
):
    centre = make_organisation("Centre", SEMEY)
    for role in roles:
        if role in (
            Role.CRISIS_CENTRE,
            Role.CRISIS_CENTRE_SUPERVISOR,
            Role.PROGRAM_PROVIDER,
            Role.AGENCY_OFFICER,
        ):
            user = make_user(role, organisation=centre)
        else:
            user = make_user(role, SCOPES.get(role, COUNTRY))
        client = signed_in(user)
        for url in VIEW_URLS:
            status = client.get(url.format(pk=allocation.pk)).status_code
            assert status == (200 if role in VIEWERS else 403), (role, url, status)
        for url in MANAGE_URLS:
            status = client.get(url).status_code
            assert status == (200 if role in MANAGERS else 403), (role, url, status)
        post = client.post(
            "/api/v1/budget/allocations/",
            {"sub_programme": "prevention", "region": ABAI, "year": 2024, "approved": "10"},
            content_type="application/json",
        ).status_code
        assert post == (201 if role in MANAGERS else 403), (role, post)


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/budget/").status_code == 302
    assert client.get("/api/v1/budget/allocations/").status_code in (401, 403)


def test_api_write_rules_and_scope(make_user, signed_in):
    client = signed_in(make_user(Role.FINANCE_OFFICER, ABAI))
    outside = client.post(
        "/api/v1/budget/allocations/",
        {"sub_programme": "prevention", "region": ALMATY_CITY, "year": 2024, "approved": "10"},
        content_type="application/json",
    )
    assert outside.status_code == 400
    assert "region" in outside.json()["extra"]["fields"]
    client.post(
        "/api/v1/budget/allocations/",
        {"sub_programme": "prevention", "region": ABAI, "year": 2024, "approved": "100"},
        content_type="application/json",
    )
    over = client.post(
        "/api/v1/budget/execution/",
        {
            "sub_programme": "prevention",
            "region": ABAI,
            "year": 2024,
            "month": 1,
            "executed": "150",
        },  # fmt: skip
        content_type="application/json",
    )
    assert over.status_code == 400 and "executed" in over.json()["extra"]["fields"]
    flagged = client.post(
        "/api/v1/budget/execution/",
        {
            "sub_programme": "prevention",
            "region": ABAI,
            "year": 2024,
            "month": 1,
            "executed": "150",
            "over_allocation": True,
            "justification": "campaign",
            "people_served": 40,
        },  # fmt: skip
        content_type="application/json",
    )
    assert flagged.status_code == 201, flagged.json()
    listed = client.get("/api/v1/budget/execution/?region=" + ABAI).json()
    assert listed["count"] == 1 and listed["results"][0]["people_served"] == 40
    table = client.get("/api/v1/budget/analysis/sub-programmes/?year=2024").json()
    assert float(table["rows"][0]["cost_per_person"]) == 3.75  # 150 / 40


def test_api_upload_queues_a_job_that_reports_row_errors(
    make_user, signed_in, xlsx, django_capture_on_commit_callbacks
):
    client = signed_in(make_user(Role.FINANCE_OFFICER, COUNTRY))
    content = xlsx(
        {
            "allocations": [
                ["region", "year", "sub_programme", "approved"],
                [ABAI, 2024, "hotlines", 500],
                [ABAI, 2024, "hotlines2", 500],
            ]
        }
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/budget/upload/",
            {"file": SimpleUploadedFile("budget.xlsx", content)},
        )
    body = response.json()
    assert response.status_code == 202, body
    assert body["status"] == "queued" and body["processed_rows"] == 0
    job = client.get(f"/api/v1/budget/upload/{body['id']}/").json()
    assert (job["status"], job["created"], job["rejected_rows"]) == ("done", 1, 1)
    assert job["rejected"] == [
        {
            "sheet": "allocations",
            "row": 3,
            "column": "sub_programme",
            "reason": "Unknown sub-programme 'hotlines2'.",
        }
    ]


def test_entry_forms_save_and_show_history(make_user, signed_in):
    client = signed_in(make_user(Role.FINANCE_OFFICER, ABAI))
    response = client.post(
        "/budget/allocations/enter/",
        {"region": ABAI, "year": 2024, "sub_programme": "training", "approved": "5000"},
    )
    allocation = Allocation.objects.get(sub_programme__code="training")
    assert response.status_code == 302
    rejected = client.post(
        "/budget/execution/enter/",
        {
            "region": ABAI,
            "year": 2024,
            "month": 2,
            "sub_programme": "training",
            "executed": "6000",
        },  # fmt: skip
    )
    assert rejected.status_code == 200
    assert "would exceed the revised allocation" in rejected.content.decode()
    assert allocation.approved == Decimal(5000)
    page = client.get(f"/budget/allocations/{allocation.pk}/").content.decode()
    assert "Training of specialists" in page and "History of revisions" in page


def test_upload_page_lists_errors(make_user, signed_in, xlsx, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = signed_in(make_user(Role.FINANCE_OFFICER, COUNTRY))
    content = xlsx({"allocations": [["region", "year", "sub_programme", "approved"],
                                    [ABAI, 2024, "hotlines", -1]]})  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/budget/upload/", {"file": SimpleUploadedFile("b.xlsx", content)})
    assert response.status_code == 302
    assert "Cannot be negative." in client.get(response.url).content.decode()
