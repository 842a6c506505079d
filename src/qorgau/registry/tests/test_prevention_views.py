"""Law 245-VIII's prevention instruments recorded through the pages and the API: a preventive
talk, an official warning, entry on and exit from the preventive register; the law's start
date refused on the field; scope and permission as for protective orders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.audit.services import flow_token
from qorgau.conftest import ABAI, COUNTRY, MEDEU, SEMEY
from qorgau.registry import choices as c
from qorgau.registry import services as s
from qorgau.registry.models import PreventionMeasure, PreventiveRegisterEntry
from qorgau.registry.services_prevention import register_enter
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db
API = "/api/v1"
D = dt.date


@pytest.fixture
def inspector(make_user):
    return make_user(Role.POLICE_INSPECTOR, SEMEY, username="erlan")


@pytest.fixture
def person(inspector):
    return s.person_register(actor=inspector, sex="M")


@pytest.fixture
def semey():
    return Territory.objects.by_code(SEMEY)


def test_the_inspector_records_a_talk_a_warning_and_the_register_from_the_person_page(
    inspector, person, semey, signed_in
):
    client = signed_in(inspector)
    person_page = f"{person.get_absolute_url()}?flow={flow_token(inspector, person)}"
    page = client.get(person_page).content.decode()
    new_measure = f"/registry/persons/{person.pk}/prevention/new/"
    assert new_measure in page and f"/registry/persons/{person.pk}/register/new/" in page

    for kind, day in (("preventive_talk", "2026-03-05"), ("official_warning", "2026-03-10")):
        form = {"kind": kind, "held_on": day, "district": semey.pk, "note": "after the call"}
        assert client.post(new_measure, form).status_code == 302
    talk, warning = PreventionMeasure.objects.order_by("held_on")
    assert (talk.kind, talk.ends_on) == (c.PreventionKind.PREVENTIVE_TALK, None)
    assert warning.ends_on == D(2026, 4, 8) and "art. 51" in warning.legal_basis

    enter = {"entered_on": "2026-04-01", "district": semey.pk, "grounds": "two warnings"}
    assert client.post(f"/registry/persons/{person.pk}/register/new/", enter).status_code == 302
    entry = PreventiveRegisterEntry.objects.get()
    with translation.override("en"):
        listed = client.get("/registry/register/?state=active").content.decode()
    assert f"/registry/register/{entry.pk}/leave/" in listed and person.label in listed
    leave = {"left_on": "2026-09-01", "reason": "a year without incidents"}
    assert client.post(f"/registry/register/{entry.pk}/leave/", leave).status_code == 302
    entry.refresh_from_db()
    assert (entry.left_on, entry.exit_reason) == (D(2026, 9, 1), "a year without incidents")
    assert person.label not in client.get("/registry/register/?state=active").content.decode()
    assert person.label in client.get("/registry/register/?state=left").content.decode()

    shown = client.get(person_page).content.decode()
    for text in ("a year without incidents", "two warnings", "after the call"):
        assert text in shown
    assert "2026-" not in shown and "None" not in shown  # dates localised, no raw values
    audited = AuditEntry.objects.filter(object_type="registry.preventionmeasure")
    assert audited.filter(action=AuditAction.CREATE).count() == 2
    assert AuditEntry.objects.filter(
        object_type="registry.preventiveregisterentry", action=AuditAction.VIEW
    ).exists()


def test_a_measure_before_the_law_is_refused_on_the_date_field_with_the_rule(
    inspector, person, semey, signed_in
):
    client = signed_in(inspector)
    with translation.override("en"):
        response = client.post(
            f"/registry/persons/{person.pk}/prevention/new/",
            {"kind": "official_warning", "held_on": "2026-03-01", "district": semey.pk},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    errors = response.context["form"].errors["held_on"]
    assert "245-VIII" in errors[0] and "2026-03-01" not in errors[0]
    assert not PreventionMeasure.objects.exists()


def test_an_officer_of_another_district_neither_sees_nor_records(
    inspector, person, semey, signed_in, make_user
):
    entry = register_enter(
        actor=inspector, person=person, district=semey, entered_on=D(2026, 4, 1), grounds="x"
    )
    other = signed_in(make_user(Role.POLICE_INSPECTOR, MEDEU))
    form = {"kind": "preventive_talk", "held_on": "2026-04-02", "district": semey.pk}
    assert other.post(f"/registry/persons/{person.pk}/prevention/new/", form).status_code == 404
    leave = {"left_on": "2026-05-01", "reason": "moved"}
    assert other.post(f"/registry/register/{entry.pk}/leave/", leave).status_code == 404
    assert person.label not in other.get("/registry/register/").content.decode()
    analyst = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    assert analyst.get("/registry/register/").status_code == 403
    assert not PreventionMeasure.objects.exists()


def test_the_api_records_lists_in_scope_and_refuses_with_the_field(
    inspector, person, semey, signed_in, make_user
):
    client = signed_in(inspector)
    body = {"kind": "official_warning", "person": person.pk, "held_on": "2026-03-10"}
    response = client.post(
        f"{API}/prevention-measures/", {**body, "district": SEMEY}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["ends_on"] == "2026-04-08"
    early = client.post(
        f"{API}/prevention-measures/",
        {**body, "held_on": "2026-02-01", "district": SEMEY},
        content_type="application/json",
    )
    assert early.status_code == 400 and "held_on" in early.json()["extra"]["fields"]
    no_district = client.post(f"{API}/prevention-measures/", body, content_type="application/json")
    assert no_district.status_code == 400 and "district" in no_district.json()["extra"]["fields"]

    enter = {"person": person.pk, "district": SEMEY, "entered_on": "2026-04-01", "grounds": "x"}
    created = client.post(f"{API}/preventive-register/", enter, content_type="application/json")
    assert created.status_code == 201
    again = client.post(f"{API}/preventive-register/", enter, content_type="application/json")
    assert again.status_code == 400 and "person" in again.json()["extra"]["fields"]
    pk = created.json()["id"]
    left = client.post(
        f"{API}/preventive-register/{pk}/leave/",
        {"left_on": "2026-06-01", "reason": " "},
        content_type="application/json",
    )
    assert left.status_code == 400 and "reason" in left.json()["extra"]["fields"]
    assert client.get(f"{API}/preventive-register/?state=active").json()["count"] == 1
    assert client.get(f"{API}/preventive-register/?state=left").json()["count"] == 0

    other = signed_in(make_user(Role.POLICE_INSPECTOR, MEDEU))
    assert other.get(f"{API}/prevention-measures/").json()["count"] == 0
    assert other.get(f"{API}/preventive-register/").json()["count"] == 0
    clerk = signed_in(make_user(Role.COURT_LIAISON, ABAI))
    refused = clerk.post(f"{API}/prevention-measures/", body, content_type="application/json")
    assert refused.status_code == 403
    assert PreventionMeasure.objects.count() == 1
