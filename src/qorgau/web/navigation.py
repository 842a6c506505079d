"""The menu each role sees: entries are shown only to users holding their permission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.roles import (
    ACCEPT_AGGREGATES,
    ACT_FOR_AGENCY,
    APPROVE_AGGREGATES,
    BROWSE_AUDIT,
    ENTER_AGGREGATES,
    EVALUATE_PROGRAMMES,
    IMPORT_RECORDS,
    IMPORT_REGISTER_PERMISSIONS,
    KEEP_COORDINATING_BODY,
    KEEP_HELP_DIRECTORY,
    KEEP_PROVIDER_REGISTER,
    MANAGE_BUDGET,
    MANAGE_ORDERS,
    MANAGE_PROGRAMMES,
    MANAGE_REQUIREMENTS,
    MANAGE_USERS,
    REVIEW_LINKAGE,
    RUN_LINKAGE,
    TRIAGE_CITIZEN_REPORTS,
    VET_VOLUNTEERS,
    VIEW_AGGREGATES,
    VIEW_PERSONAL_DATA,
    VIEW_TERRITORY,
)


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    permission: str | tuple[str, ...] | None = None  # any one of them shows the entry


MENU: tuple[MenuEntry, ...] = (
    MenuEntry(_("Home"), "web:home"),
    MenuEntry(_("Case registry"), "registry:work", VIEW_PERSONAL_DATA),
    MenuEntry(
        _("Imports"),
        "registry_import:list",
        (IMPORT_RECORDS, *IMPORT_REGISTER_PERMISSIONS.values()),
    ),
    MenuEntry(_("Monitoring"), "monitoring:dashboard", VIEW_AGGREGATES),
    MenuEntry(
        _("Aggregate reports"),
        "monitoring:aggregate_list",
        (ENTER_AGGREGATES, APPROVE_AGGREGATES, ACCEPT_AGGREGATES),
    ),
    MenuEntry(_("Hidden violence"), "latency:index", VIEW_AGGREGATES),
    MenuEntry(_("Rating of akimats"), "rating:index", VIEW_AGGREGATES),
    MenuEntry(_("Periodic reports"), "reports:index", VIEW_AGGREGATES),
    MenuEntry(_("Coordination"), "coordination:index", (KEEP_COORDINATING_BODY, ACT_FOR_AGENCY)),
    MenuEntry(
        _("Psychocorrection programmes"),
        "programs:index",
        (MANAGE_PROGRAMMES, KEEP_PROVIDER_REGISTER, EVALUATE_PROGRAMMES),
    ),
    MenuEntry(
        _("Missed programme sessions"),
        "programs:violations",
        (MANAGE_ORDERS, MANAGE_REQUIREMENTS),
    ),
    MenuEntry(_("Budget programme"), "budget:index", (MANAGE_BUDGET, VIEW_AGGREGATES)),
    MenuEntry(_("Citizen reports"), "citizens:triage_queue", TRIAGE_CITIZEN_REPORTS),
    MenuEntry(_("Help directory"), "citizens:directory_manage", KEEP_HELP_DIRECTORY),
    MenuEntry(_("Volunteers"), "citizens:vetting_list", VET_VOLUNTEERS),
    MenuEntry(_("Record linkage"), "linkage:index", (RUN_LINKAGE, REVIEW_LINKAGE)),
    MenuEntry(_("Territories"), "territory:list", VIEW_TERRITORY),
    MenuEntry(_("Users"), "accounts:user_list", MANAGE_USERS),
    MenuEntry(_("Audit trail"), "audit:list", BROWSE_AUDIT),
    MenuEntry(_("API"), "api-docs"),
)


def menu_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    entries = []
    for entry in MENU:
        needed = (entry.permission,) if isinstance(entry.permission, str) else entry.permission
        if needed and not any(user.has_perm(permission) for permission in needed):
            continue
        url = reverse(entry.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        entries.append({"label": entry.label, "url": url, "active": active})
    return entries
