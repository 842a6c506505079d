"""The menu each role sees: entries are shown only to users holding their permission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.roles import BROWSE_AUDIT, MANAGE_USERS, VIEW_TERRITORY


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    permission: str | None = None


MENU: tuple[MenuEntry, ...] = (
    MenuEntry(_("Home"), "web:home"),
    MenuEntry(_("Territories"), "territory:list", VIEW_TERRITORY),
    MenuEntry(_("Users"), "accounts:user_list", MANAGE_USERS),
    MenuEntry(_("Audit trail"), "audit:list", BROWSE_AUDIT),
    MenuEntry(_("API"), "api-docs"),
)


def menu_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    entries = []
    for entry in MENU:
        if entry.permission and not user.has_perm(entry.permission):
            continue
        url = reverse(entry.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        entries.append({"label": entry.label, "url": url, "active": active})
    return entries
