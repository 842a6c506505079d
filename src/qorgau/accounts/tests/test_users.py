from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qorgau.accounts.models import User
from qorgau.accounts.roles import Role
from qorgau.accounts.services import user_create, user_update
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.conftest import ABAI, COUNTRY, MEDEU, SEMEY
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-enough-Passphrase-2026"


def test_a_regional_administrator_creates_an_inspector_in_the_region(make_user, signed_in):
    admin = make_user(Role.ADMINISTRATOR, ABAI)
    client = signed_in(admin)
    semey = Territory.objects.by_code(SEMEY)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "new.inspector",
            "role": Role.POLICE_INSPECTOR,
            "territory": semey.pk,
            "first_name": "Aibek",
            "last_name": "Nurlan",
            "email": "aibek@example.kz",
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(username="new.inspector")
    assert (user.role, user.territory, user.must_change_password) == (
        Role.POLICE_INSPECTOR,
        semey,
        True,
    )
    assert user.password.startswith("argon2")
    entry = AuditEntry.objects.get(action=AuditAction.CREATE)
    assert (entry.actor_id, entry.object_id) == (admin.pk, str(user.pk))
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and "Aibek" in detail.content.decode()


def test_an_administrator_cannot_place_a_user_outside_the_region(make_user, signed_in):
    admin = make_user(Role.ADMINISTRATOR, ABAI)
    client = signed_in(admin)
    medeu = Territory.objects.by_code(MEDEU)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "elsewhere",
            "role": Role.POLICE_INSPECTOR,
            "territory": medeu.pk,
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="elsewhere").exists()
    with pytest.raises(PermissionDenied):
        user_create(
            actor=admin,
            username="elsewhere",
            password=NEW_PASSWORD,
            role=Role.POLICE_INSPECTOR,
            territory=medeu,
        )
    with pytest.raises(PermissionDenied):
        user_create(
            actor=admin,
            username="boss",
            password=NEW_PASSWORD,
            role=Role.ADMINISTRATOR,
            territory=Territory.objects.by_code(COUNTRY),
        )


def test_a_role_must_have_the_scope_it_works_in(make_user):
    admin = make_user(Role.ADMINISTRATOR, COUNTRY)
    with pytest.raises(ValidationError) as error:
        user_create(
            actor=admin,
            username="x",
            password=NEW_PASSWORD,
            role=Role.POLICE_INSPECTOR,
            territory=Territory.objects.by_code(ABAI),
        )
    assert "territory" in error.value.message_dict
    with pytest.raises(ValidationError):
        user_create(
            actor=admin,
            username="y",
            password=NEW_PASSWORD,
            role=Role.CRISIS_CENTRE,
            territory=Territory.objects.by_code(SEMEY),
        )
    with pytest.raises(ValidationError):  # a past version of a district is not a place to work
        user_create(
            actor=admin,
            username="z",
            password=NEW_PASSWORD,
            role=Role.POLICE_INSPECTOR,
            territory=Territory.objects.valid_on(__import__("datetime").date(2021, 1, 1)).get(
                kato_code=SEMEY
            ),
        )


def test_weak_passwords_are_refused(make_user):
    admin = make_user(Role.ADMINISTRATOR, COUNTRY)
    with pytest.raises(ValidationError):
        user_create(
            actor=admin,
            username="weak",
            password="12345678",
            role=Role.NATIONAL_ANALYST,
            territory=Territory.objects.by_code(COUNTRY),
        )


def test_an_administrator_deactivates_a_user_but_not_himself(make_user, signed_in):
    admin = make_user(Role.ADMINISTRATOR, ABAI)
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY)
    user_update(actor=admin, user=inspector, is_active=False)
    inspector.refresh_from_db()
    assert not inspector.is_active
    with pytest.raises(PermissionDenied):
        user_update(actor=admin, user=admin, is_active=False)
    outsider = make_user(Role.POLICE_INSPECTOR, MEDEU)
    with pytest.raises(PermissionDenied):
        user_update(actor=admin, user=outsider, first_name="x")


def test_the_api_creates_users_and_answers_errors_in_one_shape(make_user, signed_in):
    client = signed_in(make_user(Role.ADMINISTRATOR, ABAI))
    created = client.post(
        "/api/v1/users/",
        {
            "username": "api.user",
            "password": NEW_PASSWORD,
            "role": Role.COURT_LIAISON,
            "territory": ABAI,
        },
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["territory"] == ABAI
    outside = client.post(
        "/api/v1/users/",
        {
            "username": "api.user2",
            "password": NEW_PASSWORD,
            "role": Role.POLICE_INSPECTOR,
            "territory": MEDEU,
        },
        content_type="application/json",
    )
    assert outside.status_code == 403 and set(outside.json()) == {"message", "extra"}
    invalid = client.post(
        "/api/v1/users/", {"username": "bad name!", "role": "king"}, content_type="application/json"
    )
    assert invalid.status_code == 400
    assert {"username", "role", "password"} <= set(invalid.json()["extra"]["fields"])
    wrong_scope = client.post(
        "/api/v1/users/",
        {
            "username": "api.user3",
            "password": NEW_PASSWORD,
            "role": Role.POLICE_INSPECTOR,
            "territory": ABAI,
        },
        content_type="application/json",
    )
    assert wrong_scope.status_code == 400 and "territory" in wrong_scope.json()["extra"]["fields"]
    assert client.get("/api/v1/users/999999/").json() == {"message": "Not found.", "extra": {}}


def test_opening_a_user_directly_asks_why_and_records_the_reason(make_user, signed_in):
    admin = make_user(Role.ADMINISTRATOR, ABAI)
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY, first_name="Erlan")
    client = signed_in(admin)
    url = f"/accounts/users/{inspector.pk}/"
    asked = client.get(url).content.decode()
    assert "Reason for access" in asked and "Erlan" not in asked
    missing = client.post(url, {"reason": "other", "explanation": ""})
    assert "Explain why" in missing.content.decode()
    answered = client.post(url, {"reason": "request", "explanation": "prosecutor letter 12"})
    assert answered.status_code == 302
    shown = client.get(url).content.decode()
    assert "Erlan" in shown
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(inspector.pk)).get()
    assert entry.reason == "Request from a court or a prosecutor: prosecutor letter 12"


def test_a_user_reached_from_the_list_opens_without_a_reason(make_user, signed_in):
    admin = make_user(Role.ADMINISTRATOR, ABAI)
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY, first_name="Erlan")
    client = signed_in(admin)
    listing = client.get("/accounts/users/").content.decode()
    link = listing.split(f'href="/accounts/users/{inspector.pk}/?flow=')[1].split('"')[0]
    assert "Erlan" in client.get(f"/accounts/users/{inspector.pk}/?flow={link}").content.decode()
    other = make_user(Role.POLICE_INSPECTOR, SEMEY, username="other")
    stolen = client.get(f"/accounts/users/{other.pk}/?flow={link}").content.decode()
    assert "Reason for access" in stolen  # a token is bound to one record
