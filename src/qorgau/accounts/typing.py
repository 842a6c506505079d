"""The types of who asks, for annotations across the apps.

``Viewer`` is anyone a page, an API or a selector may be asked by: a signed-in ``User``, the
``AnonymousUser`` of a request nobody signed in to, or ``None`` (a command, a job, a test with
no request). The access layer decides what each of them may see, so selectors take a
``Viewer``; services whose actor is always a signed-in account take
``qorgau.accounts.models.User`` instead. ``RequestUser`` is what ``request.user`` holds (a user or
the anonymous one, never ``None``): the type of a function that reads it as it comes, and that
narrows it with ``user.is_authenticated`` before reading an account's fields.

The alias is a string so that importing it costs no import of the models (which import the
access layer): lower layers name it under ``TYPE_CHECKING`` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from qorgau.accounts.models import User

Viewer: TypeAlias = "User | AnonymousUser | None"
RequestUser: TypeAlias = "User | AnonymousUser"

__all__ = ["RequestUser", "Viewer"]
