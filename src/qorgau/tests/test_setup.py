"""Setting up an installation: organisations, coordinating bodies and their members,
programme providers and help-directory entries, by the administrator of a territory.

The administrator of Abai sets up each kind within Abai, on the pages and over the API; is
refused outside Abai; other roles are refused; what was set up is where it is used (a new
provider gets a programme, a new help entry is in the public directory), and audited.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from qorgau.accounts.models import Organisation, OrganisationKind, User
from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditEntry
from qorgau.citizens.models import HelpService
from qorgau.conftest import ABAI, COUNTRY, KURCHATOV, MEDEU, SEMEY
from qorgau.coordination.models import CoordinatingBody, Membership
from qorgau.programs.models import Programme, Provider
from qorgau.programs.services import programme_save
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db
ALMATY_REGION = "190000000"


def _pk(code: str) -> int:
    return Territory.objects.by_code(code).pk


@pytest.fixture
def admin_abai(make_user: Any) -> User:
    return make_user(Role.ADMINISTRATOR, ABAI)


@pytest.fixture
def browser(admin_abai: User, signed_in: Any) -> Client:
    return signed_in(admin_abai)


@pytest.fixture
def semey_ngo(make_organisation: Any) -> Organisation:
    return make_organisation("NGO «Jana jol», Semey", SEMEY, OrganisationKind.NGO)


# --- pages --------------------------------------------------------------------------------------


def test_the_administrator_sets_up_an_organisation_in_abai(browser: Client) -> None:
    form = {"name": "Crisis centre, Kurchatov", "kind": "crisis_centre", "is_active": "on"}
    answer = browser.post(
        "/accounts/setup/organisations/new/", form | {"territory": _pk(KURCHATOV)}
    )
    assert answer.status_code == 302
    made = Organisation.objects.get(name="Crisis centre, Kurchatov")
    assert made.territory.kato_code == KURCHATOV
    assert AuditEntry.objects.filter(object_id=str(made.pk), action="create").exists()
    listed = browser.get("/accounts/setup/organisations/")
    assert "Crisis centre, Kurchatov" in listed.content.decode()
    edited = browser.post(
        f"/accounts/setup/organisations/{made.pk}/",
        form | {"name": "Crisis centre «Umit», Kurchatov", "territory": _pk(KURCHATOV)},
    )
    assert edited.status_code == 302
    made.refresh_from_db()
    assert made.name == "Crisis centre «Umit», Kurchatov"


def test_a_territory_outside_abai_is_not_offered_and_is_refused(browser: Client) -> None:
    form = {"name": "Crisis centre, Medeu", "kind": "crisis_centre", "territory": _pk(MEDEU)}
    answer = browser.post("/accounts/setup/organisations/new/", form)
    assert answer.status_code == 200
    assert "territory" in answer.context["form"].errors
    assert not Organisation.objects.filter(name="Crisis centre, Medeu").exists()


def test_a_blank_name_is_a_field_error(browser: Client) -> None:
    answer = browser.post(
        "/accounts/setup/organisations/new/",
        {"name": "", "kind": "crisis_centre", "territory": _pk(SEMEY)},
    )
    assert "name" in answer.context["form"].errors


def test_the_administrator_sets_up_a_body_and_its_members(
    browser: Client, semey_ngo: Organisation, make_organisation: Any
) -> None:
    answer = browser.post(
        "/coordination/setup/bodies/new/",
        {"name": "Coordinating body, Semey", "territory": _pk(SEMEY), "is_active": "on"},
    )
    assert answer.status_code == 302
    body = CoordinatingBody.objects.get(name="Coordinating body, Semey")
    added = browser.post(
        f"/coordination/setup/bodies/{body.pk}/members/new/",
        {"organisation": semey_ngo.pk, "role": "secretary"},
    )
    assert added.status_code == 302
    member = Membership.objects.get(body=body, organisation=semey_ngo)
    assert member.role == "secretary"
    elsewhere = make_organisation("Police, Medeu", MEDEU, OrganisationKind.POLICE)
    refused = browser.post(
        f"/coordination/setup/bodies/{body.pk}/members/new/",
        {"organisation": elsewhere.pk, "role": "member"},
    )
    assert "organisation" in refused.context["form"].errors
    page = browser.get(f"/coordination/setup/bodies/{body.pk}/")
    assert semey_ngo.name in page.content.decode()


def test_a_new_provider_gets_a_programme(
    browser: Client, semey_ngo: Organisation, make_user: Any
) -> None:
    answer = browser.post(
        "/programmes/setup/providers/new/",
        {"organisation": semey_ngo.pk, "ownership": "ngo", "accreditation": "accredited"},
    )
    assert answer.status_code == 302
    provider = Provider.objects.get(organisation=semey_ngo)
    assert provider.region.kato_code == ABAI
    coordinator = make_user(Role.AKIMAT_COORDINATOR, ABAI)
    programme = Programme(
        provider=provider,
        name="Without violence",
        sessions=12,
        format="group",
        capacity=10,
        languages=["kk", "ru"],
    )
    programme_save(actor=coordinator, programme=programme)
    assert provider.programmes.count() == 1


def test_a_new_help_entry_is_in_the_public_directory(browser: Client, client: Client) -> None:
    answer = browser.post(
        "/portal/setup/help/new/",
        {
            "name": "Legal clinic «Adal», Semey",
            "kind": "legal_aid",
            "region": _pk(ABAI),
            "languages": "kk, ru",
            "free_of_charge": "on",
            "active": "on",
        },
    )
    assert answer.status_code == 302
    assert "Legal clinic «Adal», Semey" in client.get("/portal/help/").content.decode()
    national = browser.post(
        "/portal/setup/help/new/",
        {"name": "National line", "kind": "hotline", "languages": "kk", "active": "on"},
    )
    assert national.status_code == 200  # a national entry needs a country-wide administrator
    assert not HelpService.objects.filter(name="National line").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/setup/",
        "/accounts/setup/organisations/",
        "/coordination/setup/bodies/",
        "/programmes/setup/providers/",
        "/portal/setup/help/",
    ],
)
@pytest.mark.parametrize("role", [Role.AKIMAT_COORDINATOR, Role.POLICE_SUPERVISOR, Role.AUDITOR])
def test_other_roles_are_refused(make_user: Any, signed_in: Any, url: str, role: str) -> None:
    code = COUNTRY if role == Role.AUDITOR else ABAI
    assert signed_in(make_user(role, code)).get(url).status_code == 403


def test_lists_show_only_the_administrators_territory(
    browser: Client, make_organisation: Any
) -> None:
    make_organisation("Crisis centre, Medeu", MEDEU)
    make_organisation("Crisis centre, Semey", SEMEY)
    listed = browser.get("/accounts/setup/organisations/").content.decode()
    assert "Crisis centre, Semey" in listed
    assert "Crisis centre, Medeu" not in listed


# --- API ----------------------------------------------------------------------------------------


def test_the_api_sets_up_each_kind_within_abai(browser: Client, semey_ngo: Organisation) -> None:
    made = browser.post(
        "/api/v1/setup/organisations/",
        {"name": "Polyclinic No. 2, Semey", "kind": "health", "territory": SEMEY},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    organisation = made.json()["id"]
    body = browser.post(
        "/api/v1/coordination/setup/bodies/",
        {"name": "Coordinating body, Abai", "territory": ABAI},
        content_type="application/json",
    )
    assert body.status_code == 201, body.content
    member = browser.post(
        f"/api/v1/coordination/setup/bodies/{body.json()['id']}/members/",
        {"organisation": organisation, "role": "member"},
        content_type="application/json",
    )
    assert member.status_code == 201, member.content
    provider = browser.post(
        "/api/v1/programs/setup/providers/",
        {"organisation": semey_ngo.pk, "ownership": "ngo"},
        content_type="application/json",
    )
    assert provider.status_code == 201, provider.content
    entry = browser.post(
        "/api/v1/citizens/setup/services/",
        {"name": "Shelter «Ana üii»", "kind": "shelter", "region": ABAI},
        content_type="application/json",
    )
    assert entry.status_code == 201, entry.content
    renamed = browser.patch(
        f"/api/v1/setup/organisations/{organisation}/",
        {"name": "Polyclinic No. 2 of Semey"},
        content_type="application/json",
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Polyclinic No. 2 of Semey"


def test_names_in_the_three_languages_are_optional_and_shown_in_the_readers(
    browser: Client,
) -> None:
    """An organisation or a body entered with one name showed it in every language."""
    names = {"name_kk": "Дағдарыс орталығы", "name_ru": "Кризисный центр", "name_en": ""}
    form = {"name": "Crisis centre", "kind": "crisis_centre", "territory": _pk(SEMEY)}
    answer = browser.post("/accounts/setup/organisations/new/", form | names)
    assert answer.status_code == 302
    made = Organisation.objects.get(name="Crisis centre")
    assert (made.name_kk, made.name_ru, made.name_en) == (
        "Дағдарыс орталығы",
        "Кризисный центр",
        "",
    )
    browser.cookies["qorgau_language"] = "ru"
    assert "Кризисный центр" in browser.get("/accounts/setup/organisations/").content.decode()
    body = browser.post(
        "/api/v1/coordination/setup/bodies/",
        {"name": "Body, Semey", "territory": SEMEY, "name_kk": "Кеңес, Семей"},
        content_type="application/json",
    )
    assert body.status_code == 201, body.content
    assert body.json()["name"] == "Body, Semey" and body.json()["name_kk"] == "Кеңес, Семей"
    browser.cookies["qorgau_language"] = "kk"
    shown = browser.get(f"/api/v1/setup/organisations/{made.pk}/").json()
    assert shown["name"] == "Crisis centre" and shown["display_name"] == "Дағдарыс орталығы"
    body_page = browser.get(f"/coordination/setup/bodies/{body.json()['id']}/")
    assert "Кеңес, Семей" in body_page.content.decode()


def test_the_api_refuses_outside_abai(browser: Client, make_organisation: Any) -> None:
    outside = [
        ("/api/v1/setup/organisations/", {"name": "X", "kind": "ngo", "territory": MEDEU}),
        ("/api/v1/coordination/setup/bodies/", {"name": "X", "territory": ALMATY_REGION}),
        ("/api/v1/citizens/setup/services/", {"name": "X", "kind": "shelter", "region": None}),
    ]
    for url, data in outside:
        assert browser.post(url, data, content_type="application/json").status_code == 403, url
    medeu_ngo = make_organisation("NGO, Medeu", MEDEU, OrganisationKind.NGO)
    provider = browser.post(
        "/api/v1/programs/setup/providers/",
        {"organisation": medeu_ngo.pk, "ownership": "ngo"},
        content_type="application/json",
    )
    assert provider.status_code == 403


def test_the_api_gives_field_errors(browser: Client) -> None:
    answer = browser.post(
        "/api/v1/setup/organisations/",
        {"name": "", "kind": "nonsense", "territory": SEMEY},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert {"name", "kind"} <= set(answer.json()["extra"]["fields"])


def test_the_api_refuses_other_roles(make_user: Any, signed_in: Any) -> None:
    coordinator = signed_in(make_user(Role.AKIMAT_COORDINATOR, ABAI))
    for url in (
        "/api/v1/setup/organisations/",
        "/api/v1/coordination/setup/bodies/",
        "/api/v1/programs/setup/providers/",
        "/api/v1/citizens/setup/services/",
    ):
        assert coordinator.get(url).status_code == 403, url
