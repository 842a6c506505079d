from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

if TYPE_CHECKING:
    from qorgau.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind ``login_required``: ``user`` is a real account (for the type checker)."""

    user: User


def account_of(request: Any) -> User:
    """The signed-in account of a page's or an API's ``request`` (Django or DRF), typed as one.

    API views sit behind ``IsAuthenticated``, so ``request.user`` is always an account there;
    the type stubs cannot know it and give ``User | AnonymousUser``. Services take a ``User``,
    and this is the one place that narrows, refusing rather than trusting when the gate was
    forgotten.
    """
    from qorgau.accounts.models import User

    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
