"""Authentication with permissions derived from the user's role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from qorgau.accounts.roles import permissions_for


class RoleBackend(ModelBackend):
    """Django's password backend whose permissions come from ``User.role``.

    Superusers keep every permission (Django's own rule); inactive users have none.
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return set(permissions_for(getattr(user_obj, "role", "")))

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)
