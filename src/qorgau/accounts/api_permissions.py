from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings
    from rest_framework.request import Request
    from rest_framework.views import APIView

from qorgau.accounts.middleware import second_factor_owed


class SecondFactorVerified(BasePermission):
    """A browser session must have passed the second factor; tokens are only issued after it."""

    message = _("Confirm your one-time code before using the API.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not isinstance(request.successful_authenticator, SessionAuthentication):
            return True
        return not second_factor_owed(request._request)
