"""The roles of DESIGN.md §2: what each may do and over which territory.

Permissions are derived from the role in code (see :mod:`qorgau.accounts.backends`), not
granted row by row, so that a role means the same thing on every installation.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("system administrator")
    POLICE_INSPECTOR = "police_inspector", _("district police inspector")
    POLICE_SUPERVISOR = "police_supervisor", _("police supervisor")
    COURT_LIAISON = "court_liaison", _("court liaison / probation officer")
    AKIMAT_COORDINATOR = "akimat_coordinator", _("akimat coordinator")
    PROGRAM_PROVIDER = "program_provider", _("programme provider")
    CRISIS_CENTRE = "crisis_centre", _("crisis centre / family support centre")
    NATIONAL_ANALYST = "national_analyst", _("national analyst")
    AUDITOR = "auditor", _("auditor / data protection officer")
    DATA_CLERK = "data_clerk", _("data clerk")


class ScopeKind(models.TextChoices):
    COUNTRY = "country", _("the whole country")
    REGION = "region", _("a region")
    DISTRICT = "district", _("a district")
    ORGANISATION = "organisation", _("an organisation")


# The territorial scope each role may be given.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: frozenset({ScopeKind.COUNTRY, ScopeKind.REGION, ScopeKind.DISTRICT}),
    Role.POLICE_INSPECTOR: frozenset({ScopeKind.DISTRICT}),
    Role.POLICE_SUPERVISOR: frozenset({ScopeKind.REGION, ScopeKind.DISTRICT}),
    Role.COURT_LIAISON: frozenset({ScopeKind.REGION}),
    Role.AKIMAT_COORDINATOR: frozenset({ScopeKind.REGION}),
    Role.PROGRAM_PROVIDER: frozenset({ScopeKind.ORGANISATION}),
    Role.CRISIS_CENTRE: frozenset({ScopeKind.ORGANISATION}),
    Role.NATIONAL_ANALYST: frozenset({ScopeKind.COUNTRY}),
    Role.AUDITOR: frozenset({ScopeKind.COUNTRY}),
    Role.DATA_CLERK: frozenset({ScopeKind.COUNTRY, ScopeKind.REGION}),
}

VIEW_PERSONAL_DATA = "accounts.view_personal_data"
VIEW_AGGREGATES = "accounts.view_aggregates"
MANAGE_USERS = "accounts.manage_users"
BROWSE_AUDIT = "audit.browse_audit"
VIEW_TERRITORY = "territory.view_territory"

REGISTER_INCIDENT = "registry.register_incident"
MANAGE_ORDERS = "registry.manage_orders"
MANAGE_REQUIREMENTS = "registry.manage_requirements"
RECORD_OFFENCES = "registry.record_offences"
ASSESS_RISK = "registry.assess_risk"
IMPORT_RECORDS = "registry.import_records"
ENTER_AGGREGATES = "monitoring.enter_aggregates"
APPROVE_AGGREGATES = "monitoring.approve_aggregates"
ACCEPT_AGGREGATES = "monitoring.accept_aggregates"

_CASEWORK = frozenset({VIEW_PERSONAL_DATA, VIEW_AGGREGATES, VIEW_TERRITORY})
_POLICE = _CASEWORK | {REGISTER_INCIDENT, MANAGE_ORDERS, RECORD_OFFENCES, ASSESS_RISK}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: frozenset({MANAGE_USERS, VIEW_TERRITORY}),
    Role.POLICE_INSPECTOR: _POLICE,
    Role.POLICE_SUPERVISOR: _POLICE,
    Role.COURT_LIAISON: _CASEWORK | {MANAGE_REQUIREMENTS, RECORD_OFFENCES},
    Role.AKIMAT_COORDINATOR: _CASEWORK | {ENTER_AGGREGATES, APPROVE_AGGREGATES},
    Role.PROGRAM_PROVIDER: _CASEWORK,
    Role.CRISIS_CENTRE: _CASEWORK | {ENTER_AGGREGATES},
    Role.NATIONAL_ANALYST: frozenset({VIEW_AGGREGATES, VIEW_TERRITORY, ACCEPT_AGGREGATES}),
    Role.AUDITOR: frozenset({BROWSE_AUDIT, VIEW_TERRITORY}),
    Role.DATA_CLERK: frozenset({IMPORT_RECORDS, VIEW_TERRITORY}),
}

# Every role that sees personal data (of victims and offenders, or of staff in the user
# register and the audit trail) signs in with a second factor.
ROLES_REQUIRING_SECOND_FACTOR = frozenset(Role) - {Role.NATIONAL_ANALYST}
# A data clerk loads extracts full of identities, so needs the second factor too; crisis
# centres and providers see personal data of their own clients.


def permissions_for(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())
