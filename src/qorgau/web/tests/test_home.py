from __future__ import annotations

import pytest

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, SEMEY

pytestmark = pytest.mark.django_db

MENUS = {
    Role.ADMINISTRATOR: {"Users"},
    Role.AUDITOR: {"Audit trail"},
    Role.NATIONAL_ANALYST: set(),
    Role.POLICE_INSPECTOR: set(),
}


@pytest.mark.parametrize(
    "role,code",
    [
        (Role.ADMINISTRATOR, "000000000"),
        (Role.AUDITOR, "000000000"),
        (Role.NATIONAL_ANALYST, "000000000"),
        (Role.POLICE_INSPECTOR, SEMEY),
    ],
)
def test_each_role_gets_its_own_home_and_menu(make_user, signed_in, role, code):
    page = signed_in(make_user(role, code)).get("/").content.decode()
    menu = page.split('aria-label="Main menu"')[1].split("</nav>")[0]
    for entry in ("Users", "Audit trail"):
        assert (entry in menu) == (entry in MENUS[role]), (role, entry)
    # every role reads the register from its home page; it is in the menu of those who use it
    assert "Territories" in page
    assert ("Territories" in menu) == (role in (Role.ADMINISTRATOR, Role.NATIONAL_ANALYST))
    if role == Role.POLICE_INSPECTOR:
        assert "Semey City" in page and "Personal data" in page
    if role == Role.NATIONAL_ANALYST:
        assert "never names" in page


def test_the_demo_warns_loudly_when_the_second_factor_is_off(make_user, signed_in, settings):
    client = signed_in(make_user(Role.COURT_LIAISON, ABAI))
    settings.QORGAU_REQUIRE_2FA = False
    assert "Two-factor sign-in is switched off" in client.get("/").content.decode()
    settings.QORGAU_REQUIRE_2FA = True
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: F401

    assert (
        "Two-factor sign-in is switched off" not in client.get("/accounts/login/").content.decode()
    )


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get("/")["Location"] == "/accounts/login/"


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in policy.replace("'self'", "")


def test_the_api_documents_itself(make_user, signed_in):
    client = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "/api/v1/territories/" in schema["paths"] and "/api/v1/users/" in schema["paths"]
    docs = client.get("/api/docs/").content.decode()
    assert "swagger" in docs.lower() and "cdn" not in docs.lower()
    assert client.get("/api/redoc/").status_code == 200
