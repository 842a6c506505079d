"""The review API: the same keepers, wall, services and audit as the pages; references only.

Personas as in ``test_reviews.py``: the coordinator and the police supervisor of Abai keep
Semey's reviews; the coordinator of Almaty finds nothing of them; the national analyst and a
district inspector keep no reviews at all.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditEntry
from qorgau.conftest import ABAI, ALMATY_CITY, COUNTRY, SEMEY
from qorgau.reviews.models import Recommendation, ReviewStatus, SeriousCaseReview
from qorgau.reviews.opening import review_open_for_new_cases
from qorgau.reviews.tests.conftest import Story

pytestmark = pytest.mark.django_db
API = "/api/v1/reviews"
AS_OF = dt.date(2025, 3, 10)
JSON = "application/json"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: AS_OF)


@pytest.fixture
def panel(make_user):
    return {
        "coordinator": make_user(Role.AKIMAT_COORDINATOR, ABAI, username="coord-abai"),
        "supervisor": make_user(Role.POLICE_SUPERVISOR, ABAI, username="police-abai"),
        "outsider": make_user(Role.AKIMAT_COORDINATOR, ALMATY_CITY, username="coord-almaty"),
        "analyst": make_user(Role.NATIONAL_ANALYST, COUNTRY, username="analyst"),
        "inspector": make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector"),
    }


@pytest.fixture
def review(story: Story) -> SeriousCaseReview:
    return review_open_for_new_cases(as_of=AS_OF)[0]


def _fields(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["extra"]["fields"]


def test_the_panel_reads_a_review_and_its_timeline(story: Story, review, panel, signed_in):
    client = signed_in(panel["supervisor"])
    listed = client.get(f"{API}/").json()
    assert listed["count"] == 1 and listed["results"][0]["reference"] == review.reference
    assert client.get(f"{API}/?status=closed").json()["count"] == 0
    assert client.get(f"{API}/?status=open").json()["count"] == 1
    assert "status" in _fields(client.get(f"{API}/?status=forgotten"))

    detail = client.get(f"{API}/{review.pk}/").json()
    assert detail["victim"] == story.victim.label and detail["offender"] == story.offender.label
    assert detail["incident"] == story.death.label and detail["district"] == SEMEY
    assert (detail["harm"], detail["status"]) == ("death", "open")
    assert detail["findings"] == [] and detail["recommendations"] == []

    timeline = client.get(f"{API}/{review.pk}/timeline/")
    entries = timeline.json()
    assert len(entries) == review.timeline.count() > 0
    assert {e["person_reference"] for e in entries} <= {story.victim.label, story.offender.label}
    assert "PO-1" in {e["reference"] for e in entries}
    referral = next(e for e in entries if e["source"] == "referral")
    assert referral["agency"] == story.crisis.pk and referral["who"] == "Semey crisis centre"
    assert "2025-03-05" not in timeline.content.decode()  # the check-in after her death

    seen = AuditEntry.objects.filter(actor=panel["supervisor"], action="view")
    assert seen.filter(object_type="reviews.seriouscasereview", object_id=str(review.pk)).exists()
    assert seen.filter(object_type="registry.person", object_id=str(story.victim.pk)).exists()
    assert seen.filter(details__list=True, details__api=True).exists()


def test_the_panel_records_findings_and_recommendations_and_closes(
    story: Story, review, panel, signed_in
):
    client = signed_in(panel["coordinator"])
    base = f"{API}/{review.pk}"
    assert "non_field_errors" in _fields(
        client.post(f"{base}/close/", {"summary": "Too early."}, content_type=JSON)
    )
    found = client.post(
        f"{base}/findings/",
        {"code": "failed_check", "text": "Breach on 18 Jan."},
        content_type=JSON,
    )
    assert found.status_code == 201 and found.json()["code"] == "failed_check"
    assert "code" in _fields(
        client.post(f"{base}/findings/", {"code": "bad_luck", "text": "x"}, content_type=JSON)
    )
    assert "text" in _fields(client.post(f"{base}/findings/", {"code": "other"}, content_type=JSON))

    body = {
        "text": "Act on every failed check.",
        "owner": story.police.pk,
        "deadline": "2025-06-01",
    }
    made = client.post(f"{base}/recommendations/", body, content_type=JSON)
    assert made.status_code == 201, made.content
    assert made.json()["owner_name"] == "Semey police" and made.json()["status"] == "open"
    past = client.post(
        f"{base}/recommendations/", {**body, "deadline": "2025-01-01"}, content_type=JSON
    )
    assert "deadline" in _fields(past)
    assert "owner" in _fields(
        client.post(f"{base}/recommendations/", {**body, "owner": 999999}, content_type=JSON)
    )
    assert "deadline" in _fields(
        client.post(f"{base}/recommendations/", {**body, "deadline": "June"}, content_type=JSON)
    )

    pk = made.json()["id"]
    status_url = f"{API}/recommendations/{pk}/status/"
    moved = client.post(
        status_url, {"status": "in_progress", "progress_note": "Order issued."}, content_type=JSON
    )
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    assert "status" in _fields(client.post(status_url, {"status": "lost"}, content_type=JSON))

    assert "summary" in _fields(client.post(f"{base}/close/", {"summary": ""}, content_type=JSON))
    assert "summary" in _fields(client.post(f"{base}/close/", {"summary": "  "}, content_type=JSON))
    closed = client.post(
        f"{base}/close/", {"summary": "Killed after a failed check."}, content_type=JSON
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == ReviewStatus.CLOSED
    assert [f["code"] for f in closed.json()["findings"]] == ["failed_check"]
    assert closed.json()["recommendations"][0]["progress_note"] == "Order issued."
    late = client.post(f"{base}/findings/", {"code": "other", "text": "late"}, content_type=JSON)
    assert "non_field_errors" in _fields(late)  # the review is closed
    done = client.post(status_url, {"status": "done"}, content_type=JSON)  # followed up after
    assert done.status_code == 200 and done.json()["completed_on"] == AS_OF.isoformat()
    assert Recommendation.objects.get().status == "done"
    changes = AuditEntry.objects.filter(
        object_type="reviews.seriouscasereview",
        object_id=str(review.pk),
        actor=panel["coordinator"],
        action__in=["create", "change"],
    )
    assert changes.count() == 5  # finding, recommendation, two status changes, closure


def test_other_roles_are_refused_and_other_regions_find_nothing(
    story: Story, review, panel, signed_in
):
    base = f"{API}/{review.pk}"
    finding = {"code": "other", "text": "x"}
    for role in ("analyst", "inspector"):
        client = signed_in(panel[role])
        assert client.get(f"{API}/").status_code == 403
        assert client.get(f"{base}/").status_code == 403
        assert client.get(f"{base}/timeline/").status_code == 403
        assert client.post(f"{base}/findings/", finding, content_type=JSON).status_code == 403
    outsider = signed_in(panel["outsider"])
    assert outsider.get(f"{API}/").json()["count"] == 0
    assert outsider.get(f"{base}/").status_code == 404
    assert outsider.get(f"{base}/timeline/").status_code == 404
    assert outsider.post(f"{base}/findings/", finding, content_type=JSON).status_code == 404
    assert outsider.post(f"{base}/close/", {"summary": "x"}, content_type=JSON).status_code == 404
    refused = AuditEntry.objects.filter(
        object_type="reviews.seriouscasereview", object_id=str(review.pk), actor=panel["outsider"]
    )
    assert refused.exists() and all(e.details.get("refused") for e in refused)
    assert not review.findings.exists()

    keeper = signed_in(panel["coordinator"])
    made = keeper.post(
        f"{base}/recommendations/",
        {"text": "x", "owner": story.police.pk, "deadline": "2025-06-01"},
        content_type=JSON,
    )
    pk = made.json()["id"]
    url = f"{API}/recommendations/{pk}/status/"
    assert outsider.post(url, {"status": "done"}, content_type=JSON).status_code == 404
    assert signed_in(panel["analyst"]).post(url, {"status": "done"}).status_code == 403
    assert Recommendation.objects.get().status == "open"
