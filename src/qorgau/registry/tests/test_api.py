"""The registry API: every role against every endpoint, and the create, list and filter flows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from qorgau.accounts.roles import (
    ASSESS_RISK,
    MANAGE_ORDERS,
    MANAGE_REQUIREMENTS,
    RECORD_OFFENCES,
    REGISTER_INCIDENT,
    VIEW_PERSONAL_DATA,
)
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.conftest import MEDEU, SEMEY
from qorgau.registry.models import BehaviourRequirement, Incident, ProtectiveOrder
from qorgau.registry.tests import test_views
from qorgau.registry.tests.test_views import SEES_SEMEY, TODAY, days_ago, moment, new_iin

staff = test_views.staff  # the personas and the Semey case of the page tests
case = test_views.case

pytestmark = pytest.mark.django_db

API = "/api/v1"

READS = [
    ("persons", lambda k: f"{API}/persons/", False),
    ("person", lambda k: f"{API}/persons/{k['victim'].pk}/?reason=casework", True),
    ("incidents", lambda k: f"{API}/incidents/", False),
    ("incident", lambda k: f"{API}/incidents/{k['incident'].pk}/", True),
    ("orders", lambda k: f"{API}/orders/", False),
    ("order", lambda k: f"{API}/orders/{k['order'].pk}/", True),
    ("expiring", lambda k: f"{API}/orders/expiring/?days=30", False),
    ("check-overdue", lambda k: f"{API}/orders/check-overdue/", False),
    ("requirements", lambda k: f"{API}/requirements/", False),
    ("requirement", lambda k: f"{API}/requirements/{k['requirement'].pk}/", True),
    ("offences", lambda k: f"{API}/offences/", False),
    ("risk", lambda k: f"{API}/risk-assessments/", False),
    ("risk-overdue", lambda k: f"{API}/risk/overdue/", False),
]

WRITES = [
    ("person-create", lambda k: f"{API}/persons/", REGISTER_INCIDENT, False),
    ("incident-create", lambda k: f"{API}/incidents/", REGISTER_INCIDENT, False),
    ("order-create", lambda k: f"{API}/orders/", MANAGE_ORDERS, False),
    *[
        (
            f"order-{action}",
            (lambda a: lambda k: f"{API}/orders/{k['order'].pk}/{a}/")(action),
            MANAGE_ORDERS,
            True,
        )
        for action in ("serve", "check-in", "violation", "extend", "revoke")
    ],
    ("requirement-create", lambda k: f"{API}/requirements/", MANAGE_REQUIREMENTS, False),
    (
        "requirement-violation",
        lambda k: f"{API}/requirements/{k['requirement'].pk}/violation/",
        "violation",
        True,
    ),
    (
        "requirement-extension",
        lambda k: f"{API}/requirements/{k['requirement'].pk}/extension/",
        MANAGE_REQUIREMENTS,
        True,
    ),
    ("offence-create", lambda k: f"{API}/offences/", RECORD_OFFENCES, False),
    ("risk-create", lambda k: f"{API}/risk-assessments/", ASSESS_RISK, False),
]


def _may(user, permission):
    if permission == "violation":
        return user.has_perm(MANAGE_REQUIREMENTS) or user.has_perm(MANAGE_ORDERS)
    return user.has_perm(permission)


def test_every_role_against_every_registry_endpoint(staff, case, signed_in):
    for name, user in staff.items():
        client = signed_in(user)
        for endpoint, url, placed in READS:
            response = client.get(url(case))
            if not user.has_perm(VIEW_PERSONAL_DATA):
                expected = 403
            elif placed and name not in SEES_SEMEY:
                expected = 404
            else:
                expected = 200
            assert response.status_code == expected, (name, endpoint, response.status_code)
            if expected == 200 and "results" in response.json():
                assert bool(response.json()["results"]) == (name in SEES_SEMEY), (name, endpoint)
        for endpoint, url, permission, placed in WRITES:
            response = client.post(url(case), {}, content_type="application/json")
            if not (user.has_perm(VIEW_PERSONAL_DATA) and _may(user, permission)):
                expected = 403
            elif placed and name not in SEES_SEMEY:
                expected = 404
            else:
                expected = 400
            assert response.status_code == expected, (name, endpoint, response.status_code)
            assert set(response.json()) == {"message", "extra"}


def test_an_incident_is_registered_with_new_people_listed_and_filtered(staff, signed_in):
    client = signed_in(staff["inspector.semey"])
    person = client.post(
        f"{API}/persons/",
        {"iin": new_iin(70), "surname": "Nurlanova", "home_district": SEMEY},
        content_type="application/json",
    )
    assert person.status_code == 201 and person.json()["sex"] == "F"
    body = {
        "occurred_at": moment(2).isoformat(),
        "reported_at": moment(2, 12).isoformat(),
        "district": SEMEY,
        "settlement_type": "urban",
        "source_channel": "school",
        "psychological": True,
        "victims": [{"id": person.json()["id"]}],
        "offenders": [{"surname": "Nurlanov", "sex": "M", "relationship": "former_spouse"}],
    }
    response = client.post(f"{API}/incidents/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["district"] == SEMEY and data["psychological"]
    roles = {p["role"]: p for p in data["participants"]}
    assert roles["victim"]["person"] == person.json()["id"]
    assert roles["offender"]["relationship"] == "former_spouse"

    listed = client.get(f"{API}/incidents/?source_channel=school&violence=psychological").json()
    assert [row["id"] for row in listed["results"]] == [data["id"]]
    assert client.get(f"{API}/incidents/?violence=sexual").json()["results"] == []

    # Outside the inspector's scope: refused by the service.
    response = client.post(
        f"{API}/incidents/", {**body, "district": MEDEU}, content_type="application/json"
    )
    assert response.status_code == 403 and Incident.objects.count() == 1
    # Another inspector cannot name this person.
    other = signed_in(staff["inspector.medeu"])
    response = other.post(
        f"{API}/incidents/", {**body, "district": MEDEU}, content_type="application/json"
    )
    assert response.status_code == 400 and "victims" in response.json()["extra"]["fields"]


def test_person_detail_decrypts_with_audit_and_search_needs_a_reason(staff, case, signed_in):
    client = signed_in(staff["court.abai"])
    victim = case["victim"]
    data = client.get(f"{API}/persons/{victim.pk}/?reason=hearing").json()
    assert data["identity"]["surname"] == "Akhmetova" and data["label"] == victim.label
    decrypt = AuditEntry.objects.filter(action=AuditAction.DECRYPT).latest("position")
    assert decrypt.actor == staff["court.abai"] and decrypt.reason == "hearing"
    assert "identity" not in client.get(f"{API}/persons/").json()["results"][0]

    search = f"{API}/persons/search/"
    assert (
        client.post(search, {"iin": new_iin(1)}, content_type="application/json").status_code == 400
    )
    found = client.post(
        search, {"iin": new_iin(1), "reason": "court request"}, content_type="application/json"
    )
    assert found.status_code == 200 and found.json()["id"] == victim.pk
    assert AuditEntry.objects.filter(details__search="iin", reason="court request").exists()
    bad = client.post(search, {"iin": "1234", "reason": "x"}, content_type="application/json")
    assert bad.status_code == 400
    other = signed_in(staff["inspector.medeu"])
    body = {"iin": new_iin(1), "reason": "x"}
    assert other.post(search, body, content_type="application/json").status_code == 404


def test_the_api_search_never_takes_the_iin_from_the_url(staff, case, signed_in):
    """A GET with the IIN in the query is refused before any look-up, telling to POST."""
    client = signed_in(staff["court.abai"])
    before = AuditEntry.objects.filter(details__search="iin").count()
    with translation.override("en"):
        response = client.get(
            f"{API}/persons/search/?iin={new_iin(1)}&reason=x", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 405 and "POST" in response.content.decode()
    assert "id" not in response.json()
    assert AuditEntry.objects.filter(details__search="iin").count() == before
    schema = client.get("/api/v1/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/persons/search/"]
    assert set(operations) == {"post"}
    assert "iin" not in str(operations["post"].get("parameters", []))
    body_schema = operations["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = body_schema["$ref"].rsplit("/", 1)[-1]
    assert {"iin", "reason"} <= set(schema["components"]["schemas"][name]["required"])


def test_revealing_an_identity_needs_a_reason(staff, case, signed_in):
    client = signed_in(staff["court.abai"])
    url = f"{API}/persons/{case['victim'].pk}/"
    for query in ("", "?reason=", "?reason=%20%20%20%20%20%20", "?reason=x"):
        response = client.get(url + query)
        assert response.status_code == 400, query
        assert "reason" in response.json()["extra"]["fields"]
    assert not AuditEntry.objects.filter(action=AuditAction.DECRYPT).exists()
    assert client.get(url + "?reason=hearing").json()["identity"]["surname"] == "Akhmetova"


def test_an_order_is_issued_and_worked_through_the_api(staff, case, signed_in):
    client = signed_in(staff["inspector.semey"])
    response = client.post(
        f"{API}/orders/",
        {
            "incident": case["incident"].pk,
            "offender": case["offender"].pk,
            "protected": [case["victim"].pk],
            "issued_on": days_ago(1).isoformat(),
            "prohibitions": ["no_contact", "no_pursuit"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["status"] == "issued" and order["district"] == SEMEY
    base = f"{API}/orders/{order['id']}"
    served = client.post(
        f"{base}/serve/", {"served_on": days_ago(1).isoformat()}, content_type="application/json"
    ).json()
    assert served["status"] == "active" and served["ends_on"]
    checked = client.post(
        f"{base}/check-in/",
        {"checked_on": TODAY().isoformat(), "compliant": False, "note": "not at home"},
        content_type="application/json",
    ).json()
    assert checked["next_check_due"] == (TODAY() + dt.timedelta(days=7)).isoformat()
    assert checked["check_ins"][0]["note"] == "not at home"
    response = client.post(
        f"{base}/violation/",
        {"occurred_on": TODAY().isoformat(), "description": "calls", "sanction": "warning"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "sanction" in response.json()["extra"]["fields"]
    new_end = (TODAY() + dt.timedelta(days=60)).isoformat()
    extended = client.post(
        f"{base}/extend/",
        {"decided_on": TODAY().isoformat(), "new_end": new_end, "reason": "threats"},
        content_type="application/json",
    ).json()
    assert extended["ends_on"] == new_end and extended["status"] == "extended"
    revoked = client.post(
        f"{base}/revoke/",
        {"revoked_on": TODAY().isoformat(), "reason": "court"},
        content_type="application/json",
    ).json()
    assert revoked["status"] == "revoked"
    assert ProtectiveOrder.objects.get(pk=order["id"]).revoked_on == TODAY()

    expiring = client.get(f"{API}/orders/expiring/?days=30").json()["results"]
    assert [row["id"] for row in expiring] == [case["order"].pk]
    overdue = client.get(f"{API}/orders/check-overdue/").json()["results"]
    assert [row["id"] for row in overdue] == [case["order"].pk]
    risk = client.get(f"{API}/risk/overdue/").json()["results"]
    assert [row["id"] for row in risk] == [case["assessment"].pk]
    assert client.get(f"{API}/orders/?in_force_on={TODAY().isoformat()}").json()["count"] == 1


def test_requirements_offences_and_risk_through_the_api(staff, case, signed_in):
    court = signed_in(staff["court.abai"])
    response = court.post(
        f"{API}/requirements/",
        {
            "incident": case["incident"].pk,
            "offender": case["offender"].pk,
            "protected": [case["victim"].pk],
            "number": "2-55/2026",
            "court": "Semey city court",
            "decided_on": days_ago(1).isoformat(),
            "term_months": 4,
            "conditions": ["attend_psychocorrection"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    requirement = response.json()
    base = f"{API}/requirements/{requirement['id']}"
    response = court.post(
        f"{base}/violation/",
        {"occurred_on": TODAY().isoformat(), "condition": "no_contact", "description": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400  # the court did not set this condition
    police = signed_in(staff["inspector.semey"])
    response = police.post(
        f"{base}/violation/",
        {
            "occurred_on": TODAY().isoformat(),
            "condition": "attend_psychocorrection",
            "description": "absent",
        },
        content_type="application/json",
    )
    assert response.status_code == 200 and len(response.json()["violations"]) == 1
    response = court.post(
        f"{base}/extension/",
        {"decided_on": TODAY().isoformat(), "months": 2, "reason": "absent"},
        content_type="application/json",
    )
    assert response.status_code == 200 and len(response.json()["extensions"]) == 1
    assert BehaviourRequirement.objects.get(pk=requirement["id"]).extensions.count() == 1

    response = court.post(
        f"{API}/offences/",
        {
            "incident": case["incident"].pk,
            "offender": case["offender"].pk,
            "kind": "administrative",
            "article": "461",
            "committed_on": TODAY().isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["district"] == SEMEY
    assert police.get(f"{API}/offences/?article=461&kind=administrative").json()["count"] == 2

    response = police.post(
        f"{API}/risk-assessments/",
        {"victim": case["victim"].pk, "incident": case["incident"].pk, "answers": {"weapon": 1}},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["level"] == "high"
    response = police.post(
        f"{API}/risk-assessments/",
        {
            "victim": case["victim"].pk,
            "incident": case["incident"].pk,
            "answers": {"weapon": 1},
            "level": "low",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "level" in response.json()["extra"]["fields"]
    response = police.post(
        f"{API}/risk-assessments/",
        {"victim": case["victim"].pk, "district": SEMEY, "answers": {"nonsense": 1}},
        content_type="application/json",
    )
    assert response.status_code == 400
    levels = police.get(f"{API}/risk-assessments/?level=high").json()["results"]
    assert len(levels) == 2


def test_the_schema_documents_the_registry(staff, signed_in):
    paths = signed_in(staff["analyst"]).get(f"{API}/schema/?format=json").json()["paths"]
    for path in ("/api/v1/incidents/", "/api/v1/orders/{id}/check-in/", "/api/v1/risk/overdue/"):
        assert path in paths


def test_a_key_filter_out_of_range_is_a_bad_request_not_a_server_error(staff, signed_in):
    """Found by the schema fuzzer: ``?incident=-1.05e+123`` reached SQLite as an integer too
    large for it (500)."""
    client = signed_in(staff["inspector.semey"])
    for query in (
        "incident=-1.0476453562179708e%2B123",
        "incident=1.5",
        "incident=99999999999999999999",
    ):
        assert client.get(f"/api/v1/orders/?{query}").status_code == 400
    assert client.get("/api/v1/persons/?birth_year=1e300").status_code == 400
    assert client.get("/api/v1/orders/?incident=12").status_code == 200
