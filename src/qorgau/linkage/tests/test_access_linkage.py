"""Every role against every linkage page and endpoint; the review page's decryption is audited."""

from __future__ import annotations

import datetime as dt

import pytest

from qorgau.accounts.roles import (
    REVIEW_LINKAGE,
    ROLE_SCOPES,
    RUN_LINKAGE,
    VIEW_AGGREGATES,
    Role,
    ScopeKind,
    permissions_for,
)
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.conftest import ABAI, SEMEY
from qorgau.lib.crypto import encrypt_text
from qorgau.linkage.models import CandidatePair, LinkageRun, LinkedRecord, PairStatus, RunStatus
from qorgau.registry.models import RegisterRecord
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db


def test_only_the_data_steward_runs_and_reviews_linkage():
    for role in Role:
        granted = permissions_for(role)
        assert (RUN_LINKAGE in granted) == (role == Role.DATA_STEWARD)
        assert (REVIEW_LINKAGE in granted) == (role == Role.DATA_STEWARD)


@pytest.fixture
def queue(db):
    district = Territory.objects.by_code(SEMEY)
    records = [
        RegisterRecord.objects.create(
            register=register,
            source="test",
            source_record_id=f"{register}-1",
            district=district,
            seen_on=dt.date(2024, 2, 1),
            surname_token=encrypt_text(surname),
            first_name_token=encrypt_text("Айгерім"),
            sex="F",
            birth_year=1990,
        )
        for register, surname in (("health", "Әбенова"), ("line_111", "Abenova"))
    ]
    run = LinkageRun.objects.create(status=RunStatus.FINISHED, counts={"records": 2})
    left, right = (
        LinkedRecord.objects.create(
            run=run,
            register=r.register,
            source_record_id=r.pk,
            cluster=i + 1,
            region_code=ABAI,
            year=2024,
        )
        for i, r in enumerate(records)
    )
    pair = CandidatePair.objects.create(run=run, left=left, right=right, probability=0.85)
    return run, pair


def user_for(role, make_user, make_organisation):
    """A user of ``role`` in a scope the role allows (roles are read from the enum, so that a
    role added later is checked too)."""
    allowed = ROLE_SCOPES[role]
    if ScopeKind.COUNTRY in allowed:
        return make_user(role, "000000000")
    if ScopeKind.REGION in allowed:
        return make_user(role, ABAI)
    if ScopeKind.DISTRICT in allowed:
        return make_user(role, SEMEY)
    return make_user(role, organisation=make_organisation(f"Centre {role}", SEMEY))


def test_every_role_against_every_linkage_page(make_user, make_organisation, signed_in, queue):
    run, pair = queue
    aggregate_urls = ["/linkage/", f"/linkage/runs/{run.pk}/", "/api/v1/linkage/runs/",
                      f"/api/v1/linkage/runs/{run.pk}/"]  # fmt: skip
    review_urls = ["/linkage/review/", f"/linkage/review/{pair.pk}/", "/api/v1/linkage/pairs/",
                   f"/api/v1/linkage/pairs/{pair.pk}/"]  # fmt: skip
    for role in Role:
        client = signed_in(user_for(role, make_user, make_organisation))
        granted = permissions_for(role)
        for url in aggregate_urls:
            status = client.get(url).status_code
            assert status == (200 if VIEW_AGGREGATES in granted else 403), (role, url, status)
        for url in review_urls:
            status = client.get(url).status_code
            assert status == (200 if REVIEW_LINKAGE in granted else 403), (role, url, status)
        # Starting a run and deciding a pair.
        started = client.post("/linkage/", {"years": "2024", "threshold": "0.9"}).status_code
        api_started = client.post(
            "/api/v1/linkage/runs/",
            {"years": [2024], "threshold": 0.9},
            content_type="application/json",
        ).status_code
        decided = client.post(
            f"/api/v1/linkage/pairs/{pair.pk}/",
            {"decision": "bogus"},
            content_type="application/json",
        ).status_code
        if role == Role.DATA_STEWARD:
            assert (started, api_started, decided) == (302, 201, 400)
        else:
            assert started == 403 and api_started == 403 and decided == 403, (role,)
    assert LinkageRun.objects.filter(status=RunStatus.QUEUED).count() == 2


def test_analyst_pages_show_no_identity(make_user, signed_in, queue):
    run, _pair = queue
    client = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    for url in ("/linkage/", f"/linkage/runs/{run.pk}/", f"/api/v1/linkage/runs/{run.pk}/"):
        body = client.get(url).content.decode()
        assert "Әбенова" not in body and "Abenova" not in body
    assert not AuditEntry.objects.filter(action=AuditAction.DECRYPT).exists()


def test_review_page_decrypts_with_an_audit_entry_and_decides(make_user, signed_in, queue):
    run, pair = queue
    steward = make_user(Role.DATA_STEWARD, "000000000")
    client = signed_in(steward)
    page = client.get(f"/linkage/review/{pair.pk}/").content.decode()
    assert "Әбенова" in page and "Abenova" in page
    assert f"R-{pair.left.source_record_id:07d}" in page  # the record's pseudonymous label
    entry = AuditEntry.objects.get(action=AuditAction.DECRYPT, object_type="linkage.candidatepair")
    assert entry.actor == steward and entry.object_id == str(pair.pk)
    # and one under each record shown, for "who saw person P-…"
    for record in (pair.left, pair.right):
        assert AuditEntry.objects.filter(
            action=AuditAction.DECRYPT,
            object_id=str(record.source_record_id),
            details__pair=pair.pk,
        ).exists()
    api = client.get(f"/api/v1/linkage/pairs/{pair.pk}/").json()
    assert api["left"]["surname"] == "Әбенова"
    pair_entries = AuditEntry.objects.filter(
        action=AuditAction.DECRYPT, object_type="linkage.candidatepair"
    )
    assert pair_entries.count() == 2
    # The decision merges the two clusters.
    response = client.post(f"/linkage/review/{pair.pk}/", {"decision": PairStatus.MATCH})
    assert response.status_code == 302
    pair.refresh_from_db()
    pair.left.refresh_from_db()
    pair.right.refresh_from_db()
    assert pair.status == PairStatus.MATCH and pair.left.cluster == pair.right.cluster
    queue_page = client.get(f"/linkage/review/?run={run.pk}&status=match").content.decode()
    assert f"/linkage/review/{pair.pk}/" in queue_page
    listed = client.get(f"/api/v1/linkage/pairs/?run={run.pk}&status=match").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [p["id"] for p in rows] == [pair.pk]
    response = client.post(
        f"/api/v1/linkage/pairs/{pair.pk}/",
        {"decision": "non_match"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "non_match"
    pair.left.refresh_from_db()
    pair.right.refresh_from_db()
    assert pair.left.cluster != pair.right.cluster


def test_the_run_page_shows_progress(make_user, signed_in):
    run = LinkageRun.objects.create(status=RunStatus.RUNNING, progress=42, stage="scoring")
    client = signed_in(make_user(Role.DATA_STEWARD, "000000000"))
    body = client.get(f"/linkage/runs/{run.pk}/").content.decode()
    assert "42%" in body and "scoring" in body and 'http-equiv="refresh"' in body
    data = client.get(f"/api/v1/linkage/runs/{run.pk}/").json()
    assert data["progress"] == 42 and data["status"] == "running"


def test_anonymous_is_sent_to_sign_in_and_unknown_numbers_are_404(client, make_user, signed_in):
    for url in ("/linkage/", "/linkage/runs/999999/", "/linkage/review/", "/linkage/review/9/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for url in ("/api/v1/linkage/runs/", "/api/v1/linkage/pairs/"):
        assert client.get(url).status_code in (401, 403)
    steward = signed_in(make_user(Role.DATA_STEWARD, "000000000"))
    for url in (
        "/linkage/runs/999999/",
        "/linkage/review/999999/",
        "/api/v1/linkage/runs/999999/",
        "/api/v1/linkage/pairs/999999/",
    ):
        assert steward.get(url).status_code == 404, url
    assert steward.get("/linkage/review/").status_code == 200  # no run yet: an empty queue
    assert steward.get("/api/v1/linkage/pairs/").status_code == 200


def test_the_run_page_shows_unidentified_records_and_what_the_model_learned(make_user, signed_in):
    model = {
        "prior": 0.000766,
        "comparisons": [
            {
                "name": "birth",
                "levels": [
                    {"label": "same date", "m": 0.906, "u": 0.000793, "match_weight": 10.16},
                    {"label": "different", "m": 0.0278, "u": 0.9917, "match_weight": -5.16},
                ],
            },
            {
                "name": "surname",
                "levels": [
                    {"label": "Jaro-Winkler >= 0.94", "m": 0.06, "u": 0.0023, "match_weight": 4.7},
                    {"label": "different", "m": 0.001, "u": 1e-6, "u_observed": False},
                ],
            },
        ],
    }
    run = LinkageRun.objects.create(
        status=RunStatus.FINISHED,
        counts={
            "records": 10,
            "clusters": 7,
            "unidentifiable": 152,
            "unidentifiable_by_register": {"line_111": 147, "crisis_centre": 5},
        },
        model=model,
    )
    client = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    body = client.get(f"/linkage/runs/{run.pk}/").content.decode()
    assert "152 records could not be identified and are not counted" in body
    assert "contact centre 111 147" in body  # the register named, not its code
    assert "What the model learned" in body and "same date" in body and "0.000793" in body
    assert "similar spelling (Jaro–Winkler ≥ 0.94)" in body and "not observed" in body
    assert "152 records could not be identified" in client.get("/linkage/").content.decode()
    data = client.get(f"/api/v1/linkage/runs/{run.pk}/").json()
    assert data["model"]["prior"] == 0.000766 and data["counts"]["unidentifiable"] == 152


def test_the_page_of_a_failed_run_says_why(make_user, signed_in):
    run = LinkageRun.objects.create(
        status=RunStatus.FAILED,
        error="Training failed: …",
        failure={
            "code": "prior",
            "params": {"step": "EM: birth", "value": 2.3e-20, "low": 1e-6, "high": 0.5},
        },
    )
    client = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    body = client.get(f"/linkage/runs/{run.pk}/").content.decode()
    assert "Why the run failed" in body and "2.3e-20" in body and "EM: birth" in body
    assert "keep reading the latest finished run" in body
