"""Request middleware of the accounts part.

* :class:`TrustedProxyClientAddressMiddleware` puts the client's address behind the reverse
  proxy back in ``REMOTE_ADDR``;
* :class:`TwoFactorRequiredMiddleware` gates between signing in and working: the second factor,
  then a password change if due;
* :class:`RefusalsAuditMiddleware` writes the refusals noted inside rolled-back transactions.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from qorgau.accounts.access import refusals_flush

_OPEN_PREFIXES = ("/static/", "/i18n/", "/api/", "/favicon")


class TrustedProxyClientAddressMiddleware:
    """Behind nginx every request comes from the proxy's address, so the audit trail would
    record 127.0.0.1 for every action, and the public portal's per-address limits
    (:func:`qorgau.citizens.services.rate_limit_hit`) and the sign-in lockout would count the
    whole country as one client. nginx sends the client's address in ``X-Real-IP``.

    Anybody can send that header, so it is believed only when the request comes from an address
    in ``settings.TRUSTED_PROXIES`` and is a valid IP address; otherwise it is ignored. With no
    trusted proxy (the default: development, tests, a server without a proxy) nothing changes.
    First in ``MIDDLEWARE``, before anything that reads ``REMOTE_ADDR``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        client = client_address_behind_proxy(request.META, settings.TRUSTED_PROXIES)
        if client is not None:
            request.META["REMOTE_ADDR"] = client
        return self.get_response(request)


def client_address_behind_proxy(meta: Mapping[str, Any], trusted: Collection[str]) -> str | None:
    """The client's address from ``X-Real-IP``, when a trusted proxy (an exact address in
    ``trusted``) sent it and it is a valid IP address; otherwise None."""
    if not trusted or meta.get("REMOTE_ADDR") not in trusted:
        return None
    real = str(meta.get("HTTP_X_REAL_IP", "")).strip()
    try:
        return str(ipaddress.ip_address(real))
    except ValueError:
        return None


class TwoFactorRequiredMiddleware:
    """Sends a signed-in user who still owes a second factor (or a new password) to that page.

    The API is left to :class:`qorgau.accounts.api_permissions.SecondFactorVerified`, which
    answers with the API's error shape instead of a redirect.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        target = self._gate(request)
        if target and request.path != target and not request.path.startswith(_OPEN_PREFIXES):
            allowed = {
                reverse("accounts:logout"),
                reverse("accounts:two_factor_setup"),
                reverse("accounts:two_factor_verify"),
                reverse("accounts:password_change"),
            }
            if request.path not in allowed:
                return redirect(f"{target}?next={request.get_full_path()}")
        return self.get_response(request)

    @staticmethod
    def _gate(request: HttpRequest) -> str | None:
        user = request.user
        if not user.is_authenticated:
            return None
        if second_factor_owed(request):
            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            return reverse(
                "accounts:two_factor_verify" if has_device else "accounts:two_factor_setup"
            )
        if getattr(user, "must_change_password", False):
            return reverse("accounts:password_change")
        return None


def second_factor_owed(request: HttpRequest) -> bool:
    """Whether the signed-in user must still confirm a one-time code in this session."""
    user = request.user
    return bool(
        settings.QORGAU_REQUIRE_2FA
        and user.is_authenticated
        and getattr(user, "requires_second_factor", False)
        and not user.is_verified()  # type: ignore[attr-defined]  # added by OTPMiddleware
    )


class RefusalsAuditMiddleware:
    """Write the access layer's refusals noted inside the view's transactions, after the view
    (:func:`qorgau.accounts.access.refusals_flush`): the transaction that refused rolled back,
    the attempt must still reach the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            refusals_flush()
