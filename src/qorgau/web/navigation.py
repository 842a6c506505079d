"""The main menu: each role sees the pages of its own work, and only pages it may open.

An entry names the permissions of the *work* done on its page, any one of which shows it. That
set is never wider than what the page's view lets in (``web/tests/test_menu.py`` opens every
entry as every demo role and fails on a link that does not answer 200), and it is often
narrower: every role with aggregate figures may open the rating or the budget, but only the
roles that act on them find them in their menu. The other pages stay reachable from the pages
that link to them.

To add an entry (an app's own page, e.g. an administrator's set-up screen), append a
:class:`MenuEntry` to :data:`MENU` in the order it should appear::

    MenuEntry(_("Organisations"), "accounts:organisation_list", MANAGE_USERS),

with a permission the view itself requires (or a narrower one). The URL is reversed, so a
renamed page fails at start-up rather than leaving a dead link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    EVALUATE_RISK_INSTRUMENT,
    IMPORT_RECORDS,
    IMPORT_REGISTER_PERMISSIONS,
    KEEP_COORDINATING_BODY,
    KEEP_HELP_DIRECTORY,
    KEEP_PROVIDER_REGISTER,
    MANAGE_BUDGET,
    MANAGE_ORDERS,
    MANAGE_PROGRAMMES,
    MANAGE_REQUIREMENTS,
    MANAGE_SURVIVOR_CASES,
    MANAGE_USERS,
    REVIEW_LINKAGE,
    RUN_ESTIMATION,
    RUN_LINKAGE,
    RUN_RATING,
    SET_UP_ORGANISATIONS,
    TRIAGE_CITIZEN_REPORTS,
    VET_VOLUNTEERS,
    VIEW_AGGREGATES,
    VIEW_PERSONAL_DATA,
)
from qorgau.registry.importing.permissions import may_use_importer

if TYPE_CHECKING:
    from qorgau.accounts.models import User

_IMPORTERS = (IMPORT_RECORDS, *IMPORT_REGISTER_PERMISSIONS.values())


@dataclass(frozen=True)
class MenuEntry:
    """A menu item; ``permission`` is who uses the page (any one of them), ``None`` is everyone."""

    label: str | Promise
    url_name: str
    permission: str | tuple[str, ...] | None = None
    # A page whose own rule is finer than a permission (the Imports page: an organisation's
    # officer imports only the register it keeps) is listed only where that rule lets in.
    opens_for: Callable[[Any], bool] | None = None

    @property
    def permissions(self) -> tuple[str, ...]:
        if self.permission is None:
            return ()
        return (self.permission,) if isinstance(self.permission, str) else self.permission

    def shown_to(self, user: User) -> bool:
        permitted = not self.permissions or any(user.has_perm(p) for p in self.permissions)
        return permitted and (self.opens_for is None or self.opens_for(user))


MENU: tuple[MenuEntry, ...] = (
    MenuEntry(_("Home"), "web:home"),
    MenuEntry(_("Case registry"), "registry:work", VIEW_PERSONAL_DATA),
    MenuEntry(_("Imports"), "registry_import:list", _IMPORTERS, opens_for=may_use_importer),
    MenuEntry(_("Monitoring"), "monitoring:dashboard", VIEW_AGGREGATES),
    MenuEntry(_("Risk instrument accuracy"), "monitoring:risk_accuracy", EVALUATE_RISK_INSTRUMENT),
    MenuEntry(
        _("Aggregate reports"),
        "monitoring:aggregate_list",
        (ENTER_AGGREGATES, APPROVE_AGGREGATES, ACCEPT_AGGREGATES),
    ),
    # The estimate is run by the analyst on the steward's linkage; others read it on Monitoring.
    MenuEntry(_("Hidden violence"), "latency:index", (RUN_ESTIMATION, RUN_LINKAGE)),
    # The analyst runs the rating; the akimat's coordinator answers for its place in it.
    MenuEntry(_("Rating of akimats"), "rating:index", (RUN_RATING, KEEP_COORDINATING_BODY)),
    # Those who accept or approve the periodic figures also publish the reports on them.
    MenuEntry(_("Periodic reports"), "reports:index", (ACCEPT_AGGREGATES, APPROVE_AGGREGATES)),
    MenuEntry(_("Coordination"), "coordination:index", (KEEP_COORDINATING_BODY, ACT_FOR_AGENCY)),
    MenuEntry(_("Survivor cases"), "cases:case_list", MANAGE_SURVIVOR_CASES),
    # Those who answer for the risk instrument learn from the reviews' published summaries (the
    # supervisor goes on to the reviews he keeps); the coordinator, whose body hosts the review
    # panel, finds them under Coordination.
    MenuEntry(_("Serious-case reviews"), "reviews:review_summaries", EVALUATE_RISK_INSTRUMENT),
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
    # The finance officer keeps it; the akimat's coordinator and the analyst weigh what it buys.
    MenuEntry(
        _("Budget programme"),
        "budget:index",
        (MANAGE_BUDGET, KEEP_COORDINATING_BODY, EVALUATE_PROGRAMMES),
    ),
    MenuEntry(_("Citizen reports"), "citizens:triage_queue", TRIAGE_CITIZEN_REPORTS),
    MenuEntry(_("Help directory"), "citizens:directory_manage", KEEP_HELP_DIRECTORY),
    MenuEntry(_("Volunteers"), "citizens:vetting_list", VET_VOLUNTEERS),
    MenuEntry(_("Record linkage"), "linkage:index", (RUN_LINKAGE, REVIEW_LINKAGE)),
    # Everyone may read the register (the home page links it); the administrator places users
    # in it and the analyst follows its reforms.
    MenuEntry(_("Territories"), "territory:list", (MANAGE_USERS, RUN_ESTIMATION)),
    MenuEntry(_("Users"), "accounts:user_list", MANAGE_USERS),
    MenuEntry(_("Setup"), "accounts:setup", SET_UP_ORGANISATIONS),
    MenuEntry(_("Audit trail"), "audit:list", BROWSE_AUDIT),
    # The API serves the systems that feed or read Qorgau in bulk.
    MenuEntry(_("API"), "api-docs", (MANAGE_USERS, *_IMPORTERS, RUN_ESTIMATION, RUN_LINKAGE)),
)


def active_url(urls: Iterable[str], current_path: str) -> str | None:
    """The one entry a page belongs to: the longest menu URL the path starts with.

    ``/programmes/violations/`` lies under both ``/programmes/`` and itself; marking every
    prefix lit two items at once. The home page ``/`` matches itself only.
    """
    matches = [
        url for url in urls if current_path == url or (url != "/" and current_path.startswith(url))
    ]
    return max(matches, key=len, default=None)


def menu_for(
    user: User, current_path: str, entries: Iterable[MenuEntry] = MENU
) -> list[dict[str, Any]]:
    """The entries ``user`` sees, in menu order, with the one ``current_path`` belongs to marked."""
    shown = [(entry, reverse(entry.url_name)) for entry in entries if entry.shown_to(user)]
    active = active_url((url for _entry, url in shown), current_path)
    return [{"label": entry.label, "url": url, "active": url == active} for entry, url in shown]
