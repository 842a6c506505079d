"""The importer's IIN matching keeps to the importing user's scope (``registry.identities``).

An extract names persons by IIN or by the source's person number; matched country-wide, a
regional data clerk could link anyone in the country to a made-up case (or take them over
through a ``persons`` extract) and learn that they are recorded. These tests fail on an
importer that matches without the scope rule of the forms.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.conftest import ABAI, MEDEU, SEMEY
from qorgau.registry.models import Incident, IncidentParticipant, Person, ProtectiveOrder
from qorgau.registry.services import IIN_NOT_USABLE, iin_pseudonym
from qorgau.registry.tests.test_import import run
from qorgau.registry.tests.test_import_helpers import iin, incident_row, read_rejects, write_csv

pytestmark = pytest.mark.django_db

ALMATY_VICTIM = iin(1991, 7, "F")  # recorded in Medeu (Almaty), outside the Abai region


@pytest.fixture
def almaty_person(tmp_path: Path) -> Person:
    """A person recorded by the system in an incident in Medeu, with a source record number."""
    row = incident_row(90, district=MEDEU, victim_iin=ALMATY_VICTIM)
    assert run("incidents", str(write_csv(tmp_path / "almaty.csv", [row])), "--source", "mvd") == 0
    person = Person.objects.get(iin_pseudonym=iin_pseudonym(ALMATY_VICTIM))
    Person.objects.filter(pk=person.pk).update(source_record_id="P-ALM")
    return person


@pytest.fixture
def clerk(make_user):
    return make_user(Role.DATA_CLERK, ABAI, username="clerk.abai")


def _import(tmp_path: Path, kind: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    rejects = tmp_path / f"{kind}-rejects.csv"
    source = write_csv(tmp_path / f"{kind}.csv", rows)
    run(kind, str(source), "--user", "clerk.abai", "--source", "mvd", "--rejects", str(rejects))
    return read_rejects(rejects)


def _attempts(person: Person) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action=AuditAction.VIEW,
            object_type="registry.person",
            object_id=str(person.pk),
            details__outside_scope=True,
        )
    )


def test_an_incident_naming_a_person_outside_scope_is_refused_and_audited(
    tmp_path, almaty_person, clerk
) -> None:
    rows = [
        incident_row(1, district=SEMEY, victim_iin=ALMATY_VICTIM),
        incident_row(2, district=SEMEY),  # new persons: accepted
    ]
    rejects = _import(tmp_path, "incidents", rows)

    assert rejects == [
        {"row": "2", "field": "victim_iin", "value": "", "reason": str(IIN_NOT_USABLE)}
    ]
    assert Incident.objects.filter(created_by=clerk).count() == 1
    assert not IncidentParticipant.objects.filter(
        person=almaty_person, incident__created_by=clerk
    ).exists()
    (attempt,) = _attempts(almaty_person)
    assert attempt.actor == clerk and attempt.details["matched_by"] == "iin"


def test_a_person_record_number_outside_scope_is_unknown(tmp_path, almaty_person, clerk) -> None:
    row = incident_row(1, district=SEMEY, victim_iin="", victim_person_id="P-ALM")
    rejects = _import(tmp_path, "incidents", [row])
    assert [(r["field"], r["reason"]) for r in rejects] == [
        (
            "victim_person_id",
            "No person with this record number from this source has been imported.",
        )
    ]
    assert [a.details["matched_by"] for a in _attempts(almaty_person)] == ["record_id"]


def test_a_persons_extract_neither_takes_over_nor_reveals_a_person_outside_scope(
    tmp_path, almaty_person, clerk
) -> None:
    Person.objects.filter(pk=almaty_person.pk).update(source_record_id=None)
    rows = [{"record_id": "P-1", "iin": ALMATY_VICTIM, "surname": "X", "home_district": SEMEY}]
    rejects = _import(tmp_path, "persons", rows)
    assert [(r["field"], r["reason"]) for r in rejects] == [("iin", str(IIN_NOT_USABLE))]
    almaty_person.refresh_from_db()
    assert almaty_person.source_record_id is None and almaty_person.home_district is None
    assert len(_attempts(almaty_person)) == 1


def test_an_order_protecting_a_person_outside_scope_is_refused(
    tmp_path, almaty_person, clerk
) -> None:
    row = {
        "record_id": "O-1",
        "number": "ZP-1",
        "district": SEMEY,
        "issued_on": "2024-07-02",
        "served_on": "2024-07-02",
        "offender_iin": iin(1980, 11, "M"),
        "protected_iins": f"{iin(1990, 12, 'F')};{ALMATY_VICTIM}",
        "prohibitions": "no_contact",
    }
    rejects = _import(tmp_path, "orders", [row])
    assert [(r["field"], r["reason"]) for r in rejects] == [("protected_iins", str(IIN_NOT_USABLE))]
    assert not ProtectiveOrder.objects.exists()
    assert len(_attempts(almaty_person)) == 1


def test_persons_in_scope_or_recorded_by_the_clerk_are_still_matched(tmp_path, clerk) -> None:
    """The rule refuses only what the forms refuse: the clerk's own earlier rows link."""
    first = incident_row(1, district=SEMEY)
    assert _import(tmp_path, "incidents", [first]) == []
    again = incident_row(2, district=SEMEY, victim_iin=first["victim_iin"])
    assert _import(tmp_path, "incidents", [again]) == []
    assert Person.objects.filter(iin_pseudonym=iin_pseudonym(first["victim_iin"])).count() == 1
    assert not AuditEntry.objects.filter(details__outside_scope=True).exists()
