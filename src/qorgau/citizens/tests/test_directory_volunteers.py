"""The help directory, volunteers and councils, the public API, synthetic data."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from qorgau.accounts.roles import Role
from qorgau.citizens import synthesis
from qorgau.citizens.models import (
    CitizenReport,
    HelpService,
    PreventionActivity,
    Volunteer,
)
from qorgau.citizens.services import volunteer_decide
from qorgau.conftest import ABAI, ALMATY_CITY, SEMEY
from qorgau.lib.crypto import decrypt_text
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(db) -> dict[str, HelpService]:
    abai, almaty = Territory.objects.by_code(ABAI), Territory.objects.by_code(ALMATY_CITY)
    return {
        "hotline": HelpService.objects.create(name="111 contact centre", kind="hotline"),
        "crisis": HelpService.objects.create(
            name="Crisis centre Zhanar", kind="crisis_centre", region=abai, languages="kk, ru"
        ),
        "legal": HelpService.objects.create(
            name="Legal clinic", kind="legal_aid", region=almaty, languages="kk, ru, en"
        ),
        "closed": HelpService.objects.create(
            name="Old shelter", kind="shelter", region=abai, active=False
        ),
    }


def test_directory_search_by_region_kind_and_words(directory) -> None:
    abai, almaty = Territory.objects.by_code(ABAI), Territory.objects.by_code(ALMATY_CITY)
    active = HelpService.objects.active()
    assert set(active.search(region=abai)) == {directory["hotline"], directory["crisis"]}
    assert set(active.search(region=almaty, kind="legal_aid")) == {directory["legal"]}
    assert set(active.search(text="zhanar")) == {directory["crisis"]}
    assert set(active.search(text="clinic en")) == {directory["legal"]}


def test_the_public_directory_page_and_api(client: Client, directory) -> None:
    abai = Territory.objects.by_code(ABAI)
    page = client.get(
        "/portal/help/", {"region": abai.pk, "kind": "crisis_centre"}
    ).content.decode()
    assert "Crisis centre Zhanar" in page and "Legal clinic" not in page
    assert "Old shelter" not in page
    rows = client.get("/api/v1/citizens/services/", {"region": ABAI}).json()["results"]
    assert {row["name"] for row in rows} == {"111 contact centre", "Crisis centre Zhanar"}


def test_coordinators_keep_the_directory_of_their_region(make_user, signed_in, directory) -> None:
    abai = Territory.objects.by_code(ABAI)
    client = signed_in(make_user(Role.AKIMAT_COORDINATOR, ABAI))
    data = {
        "name": "Family support centre Semey",
        "kind": "family_support",
        "region": abai.pk,
        "hours": "9-18",
        "languages": "kk, ru",
        "free_of_charge": "on",
        "active": "on",
    }
    assert client.post("/portal/directory/new/", data).status_code == 302
    assert HelpService.objects.filter(name="Family support centre Semey").exists()
    # Another region's entries are not theirs.
    assert client.get(f"/portal/directory/{directory['legal'].pk}/").status_code == 403
    data["region"] = Territory.objects.by_code(ALMATY_CITY).pk
    assert client.post("/portal/directory/new/", data).status_code == 200
    inspector = signed_in(make_user(Role.POLICE_INSPECTOR, SEMEY))
    assert inspector.get("/portal/directory/").status_code == 403


def test_volunteer_sign_up_and_vetting_workflow(client: Client, make_user, signed_in) -> None:
    abai = Territory.objects.by_code(ABAI)
    response = client.post(
        "/portal/volunteer/",
        {
            "kind": "council",
            "name": "Council of Zhana Semey",
            "region": abai.pk,
            "contact": "+7 702 000 11 22",
            "about": "",
            "website": "",
        },
    )
    assert response.status_code == 200
    applicant = Volunteer.objects.get()
    assert applicant.status == "pending" and "702" not in applicant.contact_token
    assert decrypt_text(applicant.contact_token) == "+7 702 000 11 22"

    other = make_user(Role.AKIMAT_COORDINATOR, ALMATY_CITY)
    assert signed_in(other).get(f"/portal/volunteers/{applicant.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        volunteer_decide(volunteer=applicant, user=other, decision="vetted")

    coordinator = make_user(Role.AKIMAT_COORDINATOR, ABAI)
    with pytest.raises(ValidationError):  # a refusal needs a reason
        volunteer_decide(volunteer=applicant, user=coordinator, decision="refused")
    client_c = signed_in(coordinator)
    assert (
        "+7 702 000 11 22" in client_c.get(f"/portal/volunteers/{applicant.pk}/").content.decode()
    )
    assert (
        client_c.post(f"/portal/volunteers/{applicant.pk}/", {"decision": "vetted"}).status_code
        == 302
    )
    applicant.refresh_from_db()
    assert applicant.status == "vetted" and applicant.decided_by == coordinator
    with pytest.raises(ValidationError):  # decided once
        volunteer_decide(volunteer=applicant, user=coordinator, decision="refused", note="x")

    # Trainings and events are recorded and listed publicly by region.
    recorded = client_c.post(
        "/portal/activities/new/",
        {
            "kind": "training",
            "title": "First responders training",
            "region": abai.pk,
            "held_on": "2026-10-01",
            "participants": 14,
            "volunteers": [applicant.pk],
            "public": "on",
        },
    )
    assert recorded.status_code == 302
    assert list(PreventionActivity.objects.get().volunteers.all()) == [applicant]
    page = client.get("/portal/activities/", {"region": abai.pk}).content.decode()
    assert "First responders training" in page and "Council of Zhana Semey" in page


def test_volunteer_api_and_honeypot(client: Client, make_user, signed_in) -> None:
    data = {"applicant_kind": "volunteer", "name": "Aigerim", "region": ABAI, "contact": "@aigerim"}
    assert (
        client.post(
            "/api/v1/citizens/volunteers/", data, content_type="application/json"
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/v1/citizens/volunteers/",
            {**data, "website": "x"},
            content_type="application/json",
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/portal/volunteer/",
            {"kind": "volunteer", "name": "bot", "region": 1, "contact": "x", "website": "spam"},
        ).status_code
        == 400
    )
    assert Volunteer.objects.count() == 1
    coordinator = signed_in(make_user(Role.AKIMAT_COORDINATOR, ABAI))
    rows = coordinator.get("/api/v1/citizens/volunteers/vetting/").json()["results"]
    assert [row["name"] for row in rows] == ["Aigerim"]
    decided = coordinator.post(
        f"/api/v1/citizens/volunteers/{rows[0]['id']}/decision/",
        {"decision": "refused", "note": "no references"},
        content_type="application/json",
    )
    assert decided.json()["status"] == "refused"


def test_public_report_api(client: Client, settings) -> None:
    settings.QORGAU_CITIZENS_RATE_LIMITS = {"report": (2, 3600)}
    data = {"district": SEMEY, "account": "Help", "at_risk": "child", "happening_now": True}
    answer = client.post("/api/v1/citizens/reports/", data, content_type="application/json")
    assert answer.status_code == 201
    assert answer.json()["emergency_numbers"] == ["102", "112", "111"]
    receipt = answer.json()["receipt"]
    status = client.post(
        "/api/v1/citizens/reports/status/", {"receipt": receipt}, content_type="application/json"
    )
    assert status.json()["status"] == "received"
    client.post("/api/v1/citizens/reports/", data, content_type="application/json")
    third = client.post("/api/v1/citizens/reports/", data, content_type="application/json")
    assert third.status_code == 429
    assert CitizenReport.objects.count() == 2


def test_synthetic_data_is_made_and_cleared() -> None:
    counts = synthesis.synthesise(seed=3)
    assert counts["citizen_reports"] > 1000 and counts["help_services"] >= 20 * 5 + 2
    triaged = CitizenReport.objects.exclude(status="new")
    within = sum(r.triaged_within_target for r in triaged)
    assert 0.6 < within / triaged.count() < 0.95
    assert Volunteer.objects.exists() and PreventionActivity.objects.exists()
    synthesis.clear()
    assert not CitizenReport.objects.exists() and not HelpService.objects.exists()
