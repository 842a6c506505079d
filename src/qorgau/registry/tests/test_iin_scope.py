"""An IIN looks a person up only within the caller's scope: registering a known IIN from
another territory must not hand back the person (birth date, home district), and is audited."""

from __future__ import annotations

import pytest

from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.conftest import MEDEU, SEMEY
from qorgau.registry.models import Incident, Person
from qorgau.registry.tests import test_views
from qorgau.registry.tests.test_views import _incident_post, moment, new_iin
from qorgau.territory.models import Territory

staff = test_views.staff
case = test_views.case

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _outside_scope_attempts(person: Person) -> int:
    return AuditEntry.objects.filter(
        action=AuditAction.VIEW, object_id=str(person.pk), details__outside_scope=True
    ).count()


def test_registering_a_known_iin_outside_scope_reveals_nothing_and_is_audited(
    staff, case, signed_in
):
    victim, persons = case["victim"], Person.objects.count()
    other = signed_in(staff["inspector.medeu"])
    response = other.post(
        f"{API}/persons/", {"iin": new_iin(1), "surname": "X"}, content_type="application/json"
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert victim.label not in body and str(victim.birth_date) not in body and SEMEY not in body
    assert "iin" in response.json()["extra"]["fields"]
    assert Person.objects.count() == persons
    assert _outside_scope_attempts(victim) == 1

    # In scope the same IIN still links to the recorded person, never a duplicate.
    own = signed_in(staff["inspector.semey"])
    response = own.post(f"{API}/persons/", {"iin": new_iin(1)}, content_type="application/json")
    assert response.status_code == 201 and response.json()["id"] == victim.pk


def test_an_incident_naming_a_known_iin_outside_scope_is_refused(staff, case, signed_in):
    other = signed_in(staff["inspector.medeu"])
    body = {
        "occurred_at": moment(2).isoformat(),
        "reported_at": moment(2, 12).isoformat(),
        "district": MEDEU,
        "settlement_type": "urban",
        "source_channel": "school",
        "victims": [{"iin": new_iin(1)}],
        "offenders": [{"surname": "Nurlanov", "sex": "M", "relationship": "spouse"}],
    }
    response = other.post(f"{API}/incidents/", body, content_type="application/json")
    assert response.status_code == 400 and case["victim"].label not in response.content.decode()

    medeu = Territory.objects.by_code(MEDEU)
    data = _incident_post(medeu, **{"victim-0-iin": new_iin(1)})
    response = other.post("/registry/incidents/new/", data)
    assert response.status_code == 200
    assert "cannot be recorded with this IIN" in response.content.decode()
    assert Incident.objects.count() == 1  # only the case's own incident
    assert _outside_scope_attempts(case["victim"]) == 2


def test_a_search_outside_scope_is_not_found_and_the_attempt_audited(staff, case, signed_in):
    other = signed_in(staff["inspector.medeu"])
    response = other.post("/registry/persons/search/", {"iin": new_iin(1), "reason": "casework"})
    assert b"No person with this IIN" in response.content
    search = AuditEntry.objects.filter(details__search="iin").latest("position")
    assert search.details["outside_scope"] and search.details["person"] == case["victim"].pk


def test_the_web_search_never_takes_the_iin_from_the_url(staff, case, signed_in):
    client = signed_in(staff["inspector.semey"])
    page = client.get(f"/registry/persons/search/?iin={new_iin(1)}&reason=casework")
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    assert not AuditEntry.objects.filter(details__search="iin").exists()
