"""Out-of-scope attempts are audited, and the auditor can answer "who saw person P-…".

The probe found neither: a 404 for a record outside the caller's scope left no trace, and the
decryptions of a person were filed under lists of ids or under a linkage pair, so the
auditor could not ask the trail about one person.
"""

from __future__ import annotations

import pytest

from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.registry import services
from qorgau.registry.tests import test_views

staff = test_views.staff
case = test_views.case

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _refused(object_type: str, pk: int) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=object_type, object_id=str(pk), details__outside_scope=True
        )
    )


@pytest.mark.parametrize(
    ("kind", "object_type", "page", "api"),
    [
        ("victim", "registry.person", "/registry/persons/{}/", API + "/persons/{}/?reason=x"),
        ("incident", "registry.incident", "/registry/incidents/{}/", API + "/incidents/{}/"),
        ("order", "registry.protectiveorder", "/registry/orders/{}/", API + "/orders/{}/"),
    ],
)
def test_opening_a_record_outside_scope_is_a_404_and_audited(
    staff, case, signed_in, kind, object_type, page, api
):
    other = staff["inspector.medeu"]
    client = signed_in(other)
    pk = case[kind].pk
    assert client.get(page.format(pk)).status_code == 404
    assert client.get(api.format(pk)).status_code == 404
    attempts = _refused(object_type, pk)
    assert len(attempts) == 2 and {a.actor for a in attempts} == {other}
    assert all(a.action == AuditAction.VIEW and a.details["refused"] for a in attempts)
    # a record that does not exist is no attempt on anyone
    assert client.get(page.format(999_999)).status_code == 404
    assert not AuditEntry.objects.filter(object_id="999999").exists()


def test_naming_a_record_outside_scope_in_api_input_is_refused_and_audited(staff, case, signed_in):
    """An order naming another territory's offender and incident by id: an unknown id, and
    an attempt on each record in the trail."""
    other = staff["inspector.medeu"]
    response = signed_in(other).post(
        f"{API}/orders/",
        {
            "incident": case["incident"].pk,
            "offender": case["offender"].pk,
            "protected": [case["victim"].pk],
            "issued_on": test_views.days_ago(1).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"incident", "offender", "protected"} <= set(response.json()["extra"]["fields"])
    for object_type, record in (
        ("registry.incident", case["incident"]),
        ("registry.person", case["offender"]),
        ("registry.person", case["victim"]),
    ):
        assert [a.actor for a in _refused(object_type, record.pk)] == [other]


def test_the_auditor_finds_who_saw_a_person_including_linkage_style_lists(staff, case, signed_in):
    victim, offender = case["victim"], case["offender"]
    court = staff["court.abai"]
    services.person_identities([victim, offender], actor=court, reason="hearing")
    signed_in(staff["inspector.medeu"]).get(f"/registry/persons/{victim.pk}/")

    auditor = signed_in(staff["auditor"])
    entries = auditor.get(f"{API}/audit/", {"person": victim.label}).json()["results"]
    seen = {(e["actor_username"], e["action"]) for e in entries}
    assert (court.username, AuditAction.DECRYPT) in seen
    assert (staff["inspector.medeu"].username, AuditAction.VIEW) in seen
    assert all(e["object_id"] == str(victim.pk) for e in entries)
    refused = auditor.get(f"{API}/audit/", {"person": victim.label, "outside_scope": "true"})
    assert [e["actor_username"] for e in refused.json()["results"]] == [
        staff["inspector.medeu"].username
    ]
    page = auditor.get("/audit/", {"person": victim.label}).content.decode()
    assert court.username in page
