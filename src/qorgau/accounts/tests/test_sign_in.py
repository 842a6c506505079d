from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from qorgau.accounts.roles import Role
from qorgau.conftest import PASSWORD, SEMEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.QORGAU_REQUIRE_2FA = True


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2(make_user):
    assert make_user(Role.NATIONAL_ANALYST, "000000000").password.startswith("argon2$")


def test_an_inspector_must_enrol_a_second_factor_before_working(make_user, client):
    make_user(Role.POLICE_INSPECTOR, SEMEY, username="erlan")
    assert _sign_in(client, "erlan").status_code == 302
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/accounts/2fa/setup/")
    assert client.get("/territories/")["Location"].startswith("/accounts/2fa/setup/")
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and "one-time code" in api.json()["message"]
    setup = client.get("/accounts/2fa/setup/")
    assert "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user__username="erlan")
    wrong = client.post(
        "/accounts/2fa/setup/", {"otp_token": "000000" if _code(device) != "000000" else "111111"}
    )
    assert "not valid" in wrong.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # brute force slows down
    device.throttle_reset()
    assert client.post("/accounts/2fa/setup/", {"otp_token": _code(device)}).status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").json()["username"] == "erlan"


def test_an_enrolled_user_confirms_each_sign_in(make_user, client):
    user = make_user(Role.POLICE_INSPECTOR, SEMEY, username="erlan")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _sign_in(client, "erlan")
    assert client.get("/")["Location"].startswith("/accounts/2fa/verify/")
    assert (
        client.post("/accounts/2fa/verify/", {"otp_token": _code(device), "next": "/territories/"})[
            "Location"
        ]
        == "/territories/"
    )
    assert client.get("/").status_code == 200


def test_an_analyst_who_sees_no_personal_data_needs_no_second_factor(make_user, client):
    make_user(Role.NATIONAL_ANALYST, "000000000", username="askar")
    _sign_in(client, "askar")
    assert client.get("/").status_code == 200


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    make_user, client, settings
):
    make_user(Role.NATIONAL_ANALYST, "000000000", username="askar")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "askar", "wrong-password").status_code == 200
    assert _sign_in(client, "askar", "wrong-password").status_code == 429
    locked = _sign_in(client, "askar")
    assert locked.status_code == 429 and "locked" in locked.content.decode()
    assert client.get("/").status_code == 302  # not signed in


def test_failures_from_elsewhere_do_not_lock_the_officer_out(make_user, settings):
    """Lockout by user name alone let anyone lock a named officer out from anywhere."""
    make_user(Role.NATIONAL_ANALYST, "000000000", username="askar")
    attacker, officer = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(attacker, "askar", "wrong-password")
    assert _sign_in(attacker, "askar").status_code == 429
    assert _sign_in(officer, "askar").status_code == 302
    assert officer.get("/").status_code == 200


def test_the_csrf_cookie_ends_with_the_browser_session(client, settings):
    response = client.get("/accounts/login/")
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie.value and not cookie["max-age"] and not cookie["expires"]


def test_an_idle_session_expires(make_user, client, settings):
    make_user(Role.NATIONAL_ANALYST, "000000000", username="askar")
    _sign_in(client, "askar")
    assert client.get("/").status_code == 200
    assert client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE == 30 * 60
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_a_new_user_changes_the_password_first(make_user, client):
    make_user(Role.NATIONAL_ANALYST, "000000000", username="askar", must_change_password=True)
    _sign_in(client, "askar")
    assert client.get("/")["Location"].startswith("/accounts/password/")
    new = "another-long-Passphrase-77"
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_api_tokens_need_the_one_time_code_for_roles_with_a_second_factor(make_user, client):
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY, username="erlan")
    make_user(Role.NATIONAL_ANALYST, "000000000", username="askar")
    refused = client.post("/api/v1/auth/token/", {"username": "erlan", "password": PASSWORD})
    assert refused.status_code in (401, 403) and "one-time code" in refused.json()["message"]
    device = TOTPDevice.objects.create(user=inspector, name="phone", confirmed=True)
    token = client.post(
        "/api/v1/auth/token/",
        {"username": "erlan", "password": PASSWORD, "otp_token": _code(device)},
    ).json()["token"]
    me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.json()["username"] == "erlan"
    analyst = client.post("/api/v1/auth/token/", {"username": "askar", "password": PASSWORD})
    assert analyst.status_code == 200 and analyst.json()["token"]
    wrong = client.post("/api/v1/auth/token/", {"username": "askar", "password": "nope"})
    assert wrong.status_code in (401, 403) and set(wrong.json()) == {"message", "extra"}
