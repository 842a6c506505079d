"""API tokens: issued once, stored hashed, expiring, idle-limited and bound to the second factor.

A token is a password that travels with every request, kept by scripts and integrations, so
the probe found every weakness a password can have: stored in plain (database, backups),
valid forever, untouched by the idle timeout that closes a forgotten browser session, and
blind to the second factor (issued while 2FA was off, it kept decrypting names after 2FA was
switched on). Here:

* only the SHA-256 digest of the key is stored (:class:`~qorgau.accounts.models.ApiToken`);
  the key is returned once, by :func:`token_issue`;
* a token expires ``QORGAU_API_TOKEN_DAYS`` after it was issued and, like a session, after
  ``QORGAU_SESSION_IDLE_MINUTES`` without use; a spent token is deleted;
* a token issued without the second factor stops working as soon as the second factor is due
  for its user (2FA required for the role, or an authenticator enrolled), until a new one is
  issued after a verified code; enrolling an authenticator revokes the user's token outright.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

if TYPE_CHECKING:
    from qorgau.accounts.models import User


TOKEN_INVALID = _("The API token is not valid.")
TOKEN_EXPIRED = _("The API token has expired. Issue a new one.")
TOKEN_IDLE = _("The API token was not used for too long and has expired. Issue a new one.")
TOKEN_WITHOUT_SECOND_FACTOR = _(
    "The API token was issued without the one-time code, which this account now needs. "
    "Issue a new one with the code."
)

# Writing ``last_used_at`` on every request would turn each API read into a write; once a
# minute keeps the idle limit exact to the minute.
_TOUCH_EVERY = dt.timedelta(minutes=1)


def token_digest(key: str) -> str:
    """What is stored of a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def second_factor_due(user: User) -> bool:
    """Whether ``user`` must have passed the second factor: required for the role (where the
    installation requires it at all), or chosen by enrolling an authenticator."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if settings.QORGAU_REQUIRE_2FA and getattr(user, "requires_second_factor", False):
        return True
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def token_issue(user: User, *, second_factor: bool) -> tuple[str, Any]:
    """Replace ``user``'s token with a new one; the key (to show once) and the stored row."""
    from qorgau.accounts.models import ApiToken

    key = secrets.token_hex(32)
    now = timezone.now()
    ApiToken.objects.filter(user=user).delete()
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(key),
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.QORGAU_API_TOKEN_DAYS),
        last_used_at=now,
        second_factor=second_factor,
    )
    return key, token


def token_revoke(user: User) -> bool:
    """Delete ``user``'s token; whether there was one."""
    from qorgau.accounts.models import ApiToken

    deleted, _rows = ApiToken.objects.filter(user=user).delete()
    return bool(deleted)


class HashedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, checked against the stored digest and the rules above."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from qorgau.accounts.models import ApiToken

        token = ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
        if token is None or not token.user.is_active:
            raise AuthenticationFailed(TOKEN_INVALID)
        now = timezone.now()
        idle = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        if token.expires_at <= now or token.last_used_at + idle <= now:
            token.delete()
            raise AuthenticationFailed(TOKEN_EXPIRED if token.expires_at <= now else TOKEN_IDLE)
        if not token.second_factor and second_factor_due(token.user):
            raise AuthenticationFailed(TOKEN_WITHOUT_SECOND_FACTOR)
        if now - token.last_used_at >= _TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
