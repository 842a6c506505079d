"""The inspector's caseload by name: names on the pages, a search by name, contacts on the
incident form, and the audit trail of every decryption and search.

The probe found the caseload anonymous to the officers who handle it (pseudonyms only, no
search by name, no address for the weekly checks of an order, one victim per form).
"""

from __future__ import annotations

import pytest
from django.db import connection

from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.audit.services import audit_chain_verify, flow_token
from qorgau.conftest import SEMEY
from qorgau.registry import services
from qorgau.registry.models import Incident, Person
from qorgau.registry.names import (
    name_index,
    name_normalise,
    person_contacts_update,
    person_identities,
)
from qorgau.registry.tests import test_views
from qorgau.territory.models import Territory

staff = test_views.staff
case = test_views.case

pytestmark = pytest.mark.django_db


def _decrypted(person: Person) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action=AuditAction.DECRYPT, object_type="registry.person", object_id=str(person.pk)
        )
    )


# --- Names on the pages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/registry/persons/", "/registry/incidents/", "/registry/orders/", "/registry/"]
)
def test_an_inspector_sees_the_names_of_the_caseload_and_each_decryption_is_audited(
    staff, case, signed_in, url
):
    inspector = staff["inspector.semey"]
    page = signed_in(inspector).get(url).content.decode()
    assert "Akhmetova Aigul" in page and case["victim"].label in page
    assert "Akhmetov" in page
    for person in (case["victim"], case["offender"]):
        entries = _decrypted(person)
        assert [e.actor for e in entries] == [inspector]
        assert entries[0].details["list"]
    assert audit_chain_verify().intact


def test_names_stay_hidden_outside_the_scope_and_from_an_analyst(staff, case, signed_in):
    page = signed_in(staff["inspector.medeu"]).get("/registry/incidents/").content.decode()
    assert "Akhmetova" not in page
    assert signed_in(staff["analyst"]).get("/registry/persons/").status_code == 403
    api = signed_in(staff["analyst"]).get("/api/v1/persons/")
    assert api.status_code == 403 and "Akhmetova" not in api.content.decode()
    assert person_identities([case["victim"]], actor=staff["analyst"]) == {}
    assert not _decrypted(case["victim"])


def test_the_detail_pages_name_the_persons(staff, case, signed_in):
    inspector = staff["inspector.semey"]
    client = signed_in(inspector)
    for record in (case["incident"], case["order"], case["requirement"]):
        url = f"{record.get_absolute_url()}?flow={flow_token(inspector, record)}"
        page = client.get(url).content.decode()
        assert "Akhmetova Aigul" in page and "Akhmetov" in page, url


# --- The search by name ----------------------------------------------------------------------


def _search(client, **fields):
    data = {"reason": "casework", **fields}
    return client.post("/registry/persons/search/name/", data)


def test_a_person_is_found_by_name_in_scope_with_the_reason_audited(staff, case, signed_in):
    inspector = staff["inspector.semey"]
    page = _search(signed_in(inspector), surname="  AKHMETOVA ", first_name="aigul")
    html = page.content.decode()
    assert page.status_code == 200 and "Akhmetova Aigul" in html
    assert f"/registry/persons/{case['victim'].pk}/?flow=" in html
    search = AuditEntry.objects.get(details__search="name")
    assert search.object_id == str(case["victim"].pk) and search.actor == inspector
    assert search.reason == "Case work assigned to me" and search.details["found"] == 1
    assert _decrypted(case["victim"])[0].reason == search.reason
    # The surname alone finds her too; another first name does not.
    assert "Akhmetova Aigul" in _search(signed_in(inspector), surname="Akhmetova").content.decode()
    other = _search(signed_in(inspector), surname="Akhmetova", first_name="Dana")
    assert "No person with this name" in other.content.decode()


def test_the_name_search_finds_nobody_outside_the_scope_and_is_audited(staff, case, signed_in):
    medeu = staff["inspector.medeu"]
    page = _search(signed_in(medeu), surname="Akhmetova").content.decode()
    assert "No person with this name" in page and "Aigul" not in page
    search = AuditEntry.objects.get(details__search="name", actor=medeu)
    assert search.object_id == "" and search.details["found"] == 0
    assert not _decrypted(case["victim"])


def test_the_name_search_asks_a_reason_and_keeps_names_out_of_the_address(staff, signed_in):
    client = signed_in(staff["inspector.semey"])
    response = client.post("/registry/persons/search/name/", {"surname": "Akhmetova"})
    assert response.status_code == 200 and b"This field is required" in response.content
    assert not AuditEntry.objects.filter(details__search="name").exists()
    page = client.get("/registry/persons/search/name/").content.decode()
    assert 'method="post"' in page


def test_the_api_finds_a_person_by_name_in_the_body_of_a_post_only(staff, case, signed_in):
    url = "/api/v1/persons/search/name/"
    client = signed_in(staff["inspector.semey"])
    assert client.get(url, {"surname": "Akhmetova"}).status_code == 405
    body = {"surname": "akhmetova", "reason": "casework"}
    found = client.post(url, body, content_type="application/json").json()
    assert [p["label"] for p in found] == [case["victim"].label]
    other = signed_in(staff["inspector.medeu"]).post(url, body, content_type="application/json")
    assert other.json() == []
    assert AuditEntry.objects.filter(details__search="name").count() == 2


def test_the_iin_search_still_finds_the_person(staff, case, signed_in):
    client = signed_in(staff["inspector.semey"])
    response = client.post(
        "/registry/persons/search/", {"iin": test_views.new_iin(1), "reason": "casework"}
    )
    assert response["Location"] == f"/registry/persons/{case['victim'].pk}/"


def test_spellings_of_one_name_share_a_blind_index():
    assert name_normalise(" Сейітова-Ахмет ") == "сейитоваахмет"
    assert name_index("Сейітова", part="surname") == name_index("СЕЙИТОВА", part="surname")
    assert name_index("Семёнова", part="surname") == name_index("семенова", part="surname")
    assert name_index("Aigul", part="surname") != name_index("Aigul", part="first_name")
    assert name_index("  -  ", part="surname") == ""


def test_every_write_path_fills_the_blind_index(staff):
    inspector = staff["inspector.semey"]
    person = services.person_register(actor=inspector, surname="Нұрланова", first_name="Әлия")
    assert person.surname_index == name_index("нурланова", part="surname")
    assert person.first_name_index == name_index("алия", part="first_name")
    nameless = services.person_register(actor=inspector, sex="M")
    assert nameless.surname_index == nameless.first_name_index == ""


# --- The incident form -----------------------------------------------------------------------


def _raw_person_row(person: Person) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Person._meta.db_table} WHERE id = %s", [person.pk])
        return " ".join(str(value) for value in cursor.fetchone())


def test_the_incident_form_stores_address_and_phone_encrypted(staff, signed_in):
    inspector = staff["inspector.semey"]
    client = signed_in(inspector)
    data = test_views._incident_post(
        Territory.objects.by_code(SEMEY),
        **{"victim-0-address": "Abai street 12, flat 3", "victim-0-phone": "+7 701 555 12 34"},
    )
    response = client.post("/registry/incidents/new/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    victim = Incident.objects.get().participants.get(role="victim").person
    raw = _raw_person_row(victim)
    assert "Abai street" not in raw and "555 12 34" not in raw and "Serikova" not in raw
    identity = person_identities([victim], actor=inspector)[victim.pk]
    assert identity.address == "Abai street 12, flat 3" and identity.phone == "+7 701 555 12 34"


def test_the_order_page_gives_the_address_for_the_weekly_checks(staff, case, signed_in):
    inspector = staff["inspector.semey"]
    victim = case["victim"]
    assert person_contacts_update(
        actor=inspector, request=None, person=victim, address="Shakarim avenue 5"
    )
    assert not person_contacts_update(
        actor=inspector, request=None, person=victim, address="Shakarim avenue 5"
    )
    order = case["order"]
    page = signed_in(inspector).get(
        f"/registry/orders/{order.pk}/?flow={flow_token(inspector, order)}"
    )
    assert "Shakarim avenue 5" in page.content.decode()


def test_a_known_victim_gets_the_new_address_typed_on_the_form(staff, case, signed_in):
    inspector = staff["inspector.semey"]
    data = test_views._incident_post(
        Territory.objects.by_code(SEMEY),
        **{"victim-0-iin": test_views.new_iin(1), "victim-0-address": "New flat 7"},
    )
    assert signed_in(inspector).post("/registry/incidents/new/", data).status_code == 302
    victim = Person.objects.get(pk=case["victim"].pk)
    identity = person_identities([victim], actor=inspector)[victim.pk]
    assert identity.address == "New flat 7" and identity.surname == "Akhmetova"
    assert AuditEntry.objects.filter(
        action=AuditAction.CHANGE, object_id=str(case["victim"].pk), details__changed=["address"]
    ).exists()


def test_the_only_district_of_an_inspector_is_preselected(staff, signed_in):
    semey = Territory.objects.current().get(kato_code=SEMEY)
    page = signed_in(staff["inspector.semey"]).get("/registry/incidents/new/").content.decode()
    assert f'<option value="{semey.pk}" selected>' in page
    region = signed_in(staff["supervisor.abai"]).get("/registry/incidents/new/").content.decode()
    assert f'<option value="{semey.pk}" selected>' not in region


def test_two_victims_are_registered_in_one_form(staff, signed_in):
    data = test_views._incident_post(
        Territory.objects.by_code(SEMEY),
        **{"victim-1-surname": "Serikova", "victim-1-first_name": "Aru", "victim-1-sex": "F"},
    )
    response = signed_in(staff["inspector.semey"]).post("/registry/incidents/new/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    victims = Incident.objects.get().participants.filter(role="victim")
    assert victims.count() == 2


def test_add_another_victim_gives_one_more_slot_and_keeps_what_was_typed(staff, signed_in):
    client = signed_in(staff["inspector.semey"])
    page = client.get("/registry/incidents/new/").content.decode()
    assert 'name="victim-TOTAL_FORMS" value="1"' in page and 'value="victim"' in page
    data = {
        "add": "victim",
        "victim-TOTAL_FORMS": "1",
        "victim-INITIAL_FORMS": "0",
        "victim-0-surname": "Serikova",
        "offender-TOTAL_FORMS": "1",
        "offender-INITIAL_FORMS": "0",
    }
    html = client.post("/registry/incidents/new/", data).content.decode()
    assert 'name="victim-TOTAL_FORMS" value="2"' in html and "victim-1-surname" in html
    assert 'value="Serikova"' in html and "This field is required" not in html
    assert not Incident.objects.exists() and not Person.objects.exists()
