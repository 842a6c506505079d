"""API tokens (``accounts.tokens``): hashed at rest, shown once, expiring, idle-limited and
bound to the second factor. Each test reproduces a finding of the outside probe (issue 24)."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from qorgau.accounts.models import ApiToken
from qorgau.accounts.roles import Role
from qorgau.conftest import PASSWORD, SEMEY

pytestmark = pytest.mark.django_db

COUNTRY = "000000000"
DENIED = (401, 403)  # 401 where the token scheme answers first, else 403


@pytest.fixture(autouse=True)
def _second_factor_on(settings: Any) -> None:
    settings.QORGAU_REQUIRE_2FA = True
    settings.LANGUAGE_CODE = "en"


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    # a code may be used once per time step (tests issue twice in one), and a refused
    # attempt throttles the next: start each code afresh
    device.last_t = -1
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save(
        update_fields=["last_t", "throttling_failure_count", "throttling_failure_timestamp"]
    )
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _issue(username: str, code: str = "") -> Any:
    body = {"username": username, "password": PASSWORD, "otp_token": code}
    return Client().post("/api/v1/auth/token/", body, HTTP_ACCEPT_LANGUAGE="en")


def _me(key: str) -> Any:
    with translation.override("en"):
        return Client().get(
            "/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en"
        )


def _everything_in_the_database() -> str:
    """Every row of every table, as text: where a leaked key would show."""
    text = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            text.append(repr(cursor.fetchall()))
    return "\n".join(text)


def test_no_token_string_is_found_in_the_database(make_user: Any) -> None:
    make_user(Role.NATIONAL_ANALYST, COUNTRY, username="askar")
    answer = _issue("askar").json()
    key = answer["token"]
    assert len(key) == 64 and answer["expires_at"]
    assert _me(key).json()["username"] == "askar"
    stored = ApiToken.objects.get(user__username="askar")
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in _everything_in_the_database()
    assert not Token.objects.exists()


def test_a_token_expires(make_user: Any, settings: Any) -> None:
    settings.QORGAU_API_TOKEN_DAYS = 7
    make_user(Role.NATIONAL_ANALYST, COUNTRY, username="askar")
    key = _issue("askar").json()["token"]
    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at == dt.timedelta(days=7)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = _me(key)
    assert response.status_code in DENIED and "expired" in response.json()["message"]
    assert not ApiToken.objects.exists()  # spent: gone


def test_a_token_obeys_the_idle_timeout(make_user: Any, settings: Any) -> None:
    make_user(Role.NATIONAL_ANALYST, COUNTRY, username="askar")
    key = _issue("askar").json()["token"]
    idle = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    ApiToken.objects.update(last_used_at=timezone.now() - idle + dt.timedelta(minutes=2))
    assert _me(key).status_code == 200  # used within the limit: kept alive
    assert ApiToken.objects.get().last_used_at > timezone.now() - dt.timedelta(minutes=1)
    ApiToken.objects.update(last_used_at=timezone.now() - idle - dt.timedelta(seconds=1))
    response = _me(key)
    assert response.status_code in DENIED and "not used for too long" in response.json()["message"]


def test_a_token_issued_before_2fa_was_required_stops_working(
    make_user: Any, settings: Any
) -> None:
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY, username="erlan")
    settings.QORGAU_REQUIRE_2FA = False
    key = _issue("erlan").json()["token"]
    assert _me(key).status_code == 200
    settings.QORGAU_REQUIRE_2FA = True
    response = _me(key)
    assert response.status_code in DENIED and "one-time code" in response.json()["message"]
    # re-issued with a verified code, it works again
    device = TOTPDevice.objects.create(user=inspector, name="phone", confirmed=True)
    fresh = _issue("erlan", _code(device)).json()["token"]
    assert _me(fresh).status_code == 200 and _me(key).status_code in DENIED


def test_a_token_issued_before_2fa_was_enabled_stops_working(make_user: Any) -> None:
    analyst = make_user(Role.NATIONAL_ANALYST, COUNTRY, username="askar")
    key = _issue("askar").json()["token"]
    device = TOTPDevice.objects.create(user=analyst, name="phone", confirmed=True)
    assert _me(key).status_code in DENIED
    assert _issue("askar").status_code in DENIED  # now the code is needed
    fresh = _issue("askar", _code(device)).json()["token"]
    assert _me(fresh).status_code == 200


def test_enrolling_an_authenticator_revokes_the_token(make_user: Any) -> None:
    make_user(Role.NATIONAL_ANALYST, COUNTRY, username="askar")
    key = _issue("askar").json()["token"]
    client = Client()
    client.post("/accounts/login/", {"username": "askar", "password": PASSWORD})
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user__username="askar")
    client.post("/accounts/2fa/setup/", {"otp_token": _code(device)})
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert not ApiToken.objects.exists() and _me(key).status_code in DENIED


def test_the_page_shows_the_key_once_and_needs_the_code(make_user: Any) -> None:
    analyst = make_user(Role.NATIONAL_ANALYST, COUNTRY, username="askar")
    device = TOTPDevice.objects.create(user=analyst, name="phone", confirmed=True)
    client = Client()
    client.post("/accounts/login/", {"username": "askar", "password": PASSWORD})
    refused = client.post("/accounts/profile/token/")
    assert refused.status_code == 302 and "/accounts/2fa/verify/" in refused["Location"]
    assert not ApiToken.objects.exists()
    client.post("/accounts/2fa/verify/", {"otp_token": _code(device)})
    page = client.post("/accounts/profile/token/").content.decode()
    token = ApiToken.objects.get()
    assert token.second_factor
    key = page.split('<code class="secret">')[1].split("<")[0]
    assert hashlib.sha256(key.encode()).hexdigest() == token.digest
    assert key not in client.get("/accounts/profile/").content.decode()
    assert _me(key).status_code == 200


def test_the_migration_hashes_plain_tokens_and_marks_them_without_second_factor(
    make_user: Any,
) -> None:
    analyst = make_user(Role.NATIONAL_ANALYST, COUNTRY, username="askar")
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY, username="erlan")
    old = {user.username: Token.objects.create(user=user).key for user in (analyst, inspector)}
    migration = importlib.import_module("qorgau.accounts.migrations.0005_hash_api_tokens")
    migration.hash_tokens(apps, None)
    assert not Token.objects.exists() and ApiToken.objects.count() == 2
    assert all(key not in _everything_in_the_database() for key in old.values())
    assert _me(old["askar"]).status_code == 200  # no second factor owed: works on
    refused = _me(old["erlan"])
    assert refused.status_code in DENIED and "one-time code" in refused.json()["message"]
