"""The client's address behind a reverse proxy: X-Real-IP is believed only from a trusted proxy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from qorgau.accounts.middleware import TrustedProxyClientAddressMiddleware
from qorgau.accounts.roles import Role
from qorgau.conftest import COUNTRY

PROXY = "127.0.0.1"
CLIENT = "203.0.113.7"


def _seen(remote: str, **headers: str) -> str:
    """REMOTE_ADDR as the view behind the middleware sees it."""
    seen = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)
    TrustedProxyClientAddressMiddleware(view)(request)
    return seen["address"]


def test_it_comes_first_in_the_middleware():
    assert settings.MIDDLEWARE[0] == (
        "qorgau.accounts.middleware.TrustedProxyClientAddressMiddleware"
    )


@override_settings(TRUSTED_PROXIES=frozenset({PROXY, "::1"}))
def test_a_trusted_proxy_passes_the_client_address():
    assert _seen(PROXY, x_real_ip=CLIENT) == CLIENT
    assert _seen("::1", x_real_ip=" 2001:db8::1 ") == "2001:db8::1"


@override_settings(TRUSTED_PROXIES=frozenset({PROXY}))
def test_the_header_from_anybody_else_is_ignored():
    assert _seen("198.51.100.9", x_real_ip=CLIENT) == "198.51.100.9"


@override_settings(TRUSTED_PROXIES=frozenset({PROXY}))
@pytest.mark.parametrize("header", ["", "not-an-address", "203.0.113.7, 10.0.0.1", "999.1.1.1"])
def test_an_invalid_header_is_ignored(header):
    assert _seen(PROXY, x_real_ip=header) == PROXY


@override_settings(TRUSTED_PROXIES=frozenset({PROXY}))
def test_without_the_header_the_proxy_address_stays():
    assert _seen(PROXY) == PROXY


@override_settings(TRUSTED_PROXIES=frozenset())
def test_with_no_trusted_proxy_the_header_is_never_believed():
    assert _seen(PROXY, x_real_ip=CLIENT) == PROXY


def _trusted_proxies_with(value: str | None) -> str:
    """``settings.TRUSTED_PROXIES`` as a fresh process computes it from the environment."""
    environment = {k: v for k, v in os.environ.items() if k != "QORGAU_TRUSTED_PROXIES"}
    if value is not None:
        environment["QORGAU_TRUSTED_PROXIES"] = value
    code = "from qorgau import settings; print(sorted(settings.TRUSTED_PROXIES))"
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_default_trusts_no_proxy_and_the_setting_lists_the_trusted_ones():
    assert _trusted_proxies_with(None) == "[]"
    assert _trusted_proxies_with("127.0.0.1, ::1,") == "['127.0.0.1', '::1']"


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=frozenset({PROXY}))
def test_the_audit_trail_records_the_client_behind_the_proxy(make_user, signed_in):
    from qorgau.audit.models import AuditEntry

    client = signed_in(make_user(Role.ADMINISTRATOR, COUNTRY))
    response = client.get("/accounts/users/", REMOTE_ADDR=PROXY, headers={"x-real-ip": CLIENT})
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(object_type="accounts.user").latest("pk")
    assert entry.ip_address == CLIENT
    # A forged header from outside is not believed.
    client.get("/accounts/users/", REMOTE_ADDR="198.51.100.9", headers={"x-real-ip": CLIENT})
    assert AuditEntry.objects.filter(object_type="accounts.user").latest("pk").ip_address == (
        "198.51.100.9"
    )


@pytest.mark.django_db
@override_settings(
    TRUSTED_PROXIES=frozenset({PROXY}), QORGAU_CITIZENS_RATE_LIMITS={"report": (2, 3600)}
)
def test_the_portal_rate_limit_counts_each_client_behind_the_proxy():
    from qorgau.citizens.tests.helpers import post_report
    from qorgau.conftest import SEMEY

    def through_proxy(address: str) -> Client:
        return Client(REMOTE_ADDR=PROXY, headers={"x-real-ip": address})

    first, second = through_proxy(CLIENT), through_proxy("203.0.113.8")
    assert [post_report(first, SEMEY).status_code for _ in range(3)] == [200, 200, 429]
    # Another person behind the same proxy is not refused for the first one's reports.
    assert post_report(second, SEMEY).status_code == 200
