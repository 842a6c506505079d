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
    CRISIS_CENTRE_SUPERVISOR = "crisis_centre_supervisor", _("crisis centre supervisor")
    NATIONAL_ANALYST = "national_analyst", _("national analyst")
    AUDITOR = "auditor", _("auditor / data protection officer")
    DATA_CLERK = "data_clerk", _("data clerk")
    DATA_STEWARD = "data_steward", _("data steward")
    FINANCE_OFFICER = "finance_officer", _("finance officer")
    AGENCY_OFFICER = "agency_officer", _("agency officer")


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
    Role.CRISIS_CENTRE_SUPERVISOR: frozenset({ScopeKind.ORGANISATION}),
    Role.NATIONAL_ANALYST: frozenset({ScopeKind.COUNTRY}),
    Role.AUDITOR: frozenset({ScopeKind.COUNTRY}),
    Role.DATA_CLERK: frozenset({ScopeKind.COUNTRY, ScopeKind.REGION}),
    Role.DATA_STEWARD: frozenset({ScopeKind.COUNTRY}),
    Role.FINANCE_OFFICER: frozenset({ScopeKind.COUNTRY, ScopeKind.REGION}),
    Role.AGENCY_OFFICER: frozenset({ScopeKind.ORGANISATION}),
}

VIEW_PERSONAL_DATA = "accounts.view_personal_data"
VIEW_AGGREGATES = "accounts.view_aggregates"
MANAGE_USERS = "accounts.manage_users"
# Set up the bodies the work needs: organisations, coordinating bodies and their members,
# programme providers and help-directory entries, within the administrator's territory.
SET_UP_ORGANISATIONS = "accounts.set_up_organisations"
BROWSE_AUDIT = "audit.browse_audit"
VIEW_TERRITORY = "territory.view_territory"

REGISTER_INCIDENT = "registry.register_incident"
MANAGE_ORDERS = "registry.manage_orders"
MANAGE_REQUIREMENTS = "registry.manage_requirements"
RECORD_OFFENCES = "registry.record_offences"
ASSESS_RISK = "registry.assess_risk"
IMPORT_RECORDS = "registry.import_records"
# District-year returns of social services and forensic medicine (`qorgau returns import`).
IMPORT_SOCIAL_RETURNS = "registry.import_social_returns"
# Records of the registers outside the police, each imported by the role that runs it (an
# organisation-scoped officer only for a register of its organisation's kind).
IMPORT_HEALTH_RECORDS = "registry.import_health_records"
IMPORT_CRISIS_CENTRE_RECORDS = "registry.import_crisis_centre_records"
IMPORT_LINE_111_RECORDS = "registry.import_line_111_records"
IMPORT_SOCIAL_RECORDS = "registry.import_social_records"
IMPORT_REGISTER_PERMISSIONS: dict[str, str] = {
    "health": IMPORT_HEALTH_RECORDS,
    "crisis_centre": IMPORT_CRISIS_CENTRE_RECORDS,
    "line_111": IMPORT_LINE_111_RECORDS,
    "social": IMPORT_SOCIAL_RECORDS,
}
ENTER_AGGREGATES = "monitoring.enter_aggregates"
APPROVE_AGGREGATES = "monitoring.approve_aggregates"
ACCEPT_AGGREGATES = "monitoring.accept_aggregates"
# Record linkage across registers: run it, and review the uncertain pairs (identities are
# compared inside the registry's trust zone, every decryption audited).
RUN_LINKAGE = "linkage.run_linkage"
REVIEW_LINKAGE = "linkage.review_linkage"
# Hidden-violence estimation and the rating of akimats (results are aggregates).
RUN_ESTIMATION = "latency.run_estimation"
RUN_RATING = "rating.run_rating"
EDIT_RATING_METHOD = "rating.edit_rating_method"
# Psychocorrection programmes: providers keep their programmes, enrolments and attendance;
# coordinators keep the register of providers; analysts evaluate re-offending (aggregates).
MANAGE_PROGRAMMES = "programs.manage_programmes"
KEEP_PROVIDER_REGISTER = "programs.keep_provider_register"
EVALUATE_PROGRAMMES = "programs.evaluate_programmes"
# How well the risk instrument predicted what followed (aggregates): the analyst and the police
# supervisor who answers for the assessments; not the inspector who fills them in.
EVALUATE_RISK_INSTRUMENT = "monitoring.evaluate_risk_instrument"
# Citizen portal: the triage queue of anonymous reports, the help directory, volunteers.
TRIAGE_CITIZEN_REPORTS = "citizens.triage_reports"
KEEP_HELP_DIRECTORY = "citizens.keep_help_directory"
VET_VOLUNTEERS = "citizens.vet_volunteers"
# Coordinating bodies: the secretary keeps meetings and case conferences; an agency officer
# sees and updates the actions and referrals of his or her agency only.
KEEP_COORDINATING_BODY = "coordination.keep_coordinating_body"
ACT_FOR_AGENCY = "coordination.act_for_agency"
# The budget programme: allocations, execution and outputs.
MANAGE_BUDGET = "budget.manage_budget"
# Survivor case files of a crisis centre (issue 26): kept by its caseworkers, seen by nobody
# outside the organisation; a closure is approved by another user of it who holds the approval.
MANAGE_SURVIVOR_CASES = "cases.manage_survivor_cases"
APPROVE_CASE_CLOSURE = "cases.approve_case_closure"
# Serious-case reviews of domestic homicides and near-deaths (issue 29): a regional panel kept by
# the police supervisor and the akimat's coordinator (the coordinating body hosts the panel).
# Not the national analyst: the timeline is personal data and the analyst signs in without a
# second factor; the findings reach the analyst as indicators and anonymised summaries.
KEEP_SERIOUS_CASE_REVIEWS = "reviews.keep_serious_case_reviews"

_CASEWORK = frozenset({VIEW_PERSONAL_DATA, VIEW_AGGREGATES, VIEW_TERRITORY})
_POLICE = _CASEWORK | {
    REGISTER_INCIDENT,
    MANAGE_ORDERS,
    RECORD_OFFENCES,
    ASSESS_RISK,
    TRIAGE_CITIZEN_REPORTS,
    ACT_FOR_AGENCY,
}

_CRISIS_CENTRE = _CASEWORK | {
    ENTER_AGGREGATES,
    ACT_FOR_AGENCY,
    IMPORT_CRISIS_CENTRE_RECORDS,
    MANAGE_SURVIVOR_CASES,
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: frozenset({MANAGE_USERS, SET_UP_ORGANISATIONS, VIEW_TERRITORY}),
    Role.POLICE_INSPECTOR: _POLICE,
    Role.POLICE_SUPERVISOR: _POLICE | {EVALUATE_RISK_INSTRUMENT, KEEP_SERIOUS_CASE_REVIEWS},
    Role.COURT_LIAISON: _CASEWORK | {MANAGE_REQUIREMENTS, RECORD_OFFENCES},
    Role.AKIMAT_COORDINATOR: _CASEWORK
    | {
        ENTER_AGGREGATES,
        APPROVE_AGGREGATES,
        KEEP_PROVIDER_REGISTER,
        TRIAGE_CITIZEN_REPORTS,
        KEEP_HELP_DIRECTORY,
        VET_VOLUNTEERS,
        KEEP_COORDINATING_BODY,
        KEEP_SERIOUS_CASE_REVIEWS,
    },
    Role.PROGRAM_PROVIDER: _CASEWORK | {MANAGE_PROGRAMMES, ACT_FOR_AGENCY},
    Role.CRISIS_CENTRE: _CRISIS_CENTRE,
    # The centre's head: a caseworker who also approves the closure of a case a colleague asks
    # to close (cases/services.py refuses it to whoever asked, even a supervisor).
    Role.CRISIS_CENTRE_SUPERVISOR: _CRISIS_CENTRE | {APPROVE_CASE_CLOSURE},
    Role.NATIONAL_ANALYST: frozenset(
        {
            VIEW_AGGREGATES,
            VIEW_TERRITORY,
            ACCEPT_AGGREGATES,
            RUN_ESTIMATION,
            RUN_RATING,
            EDIT_RATING_METHOD,
            EVALUATE_PROGRAMMES,
            EVALUATE_RISK_INSTRUMENT,
        }
    ),
    Role.AUDITOR: frozenset({BROWSE_AUDIT, VIEW_TERRITORY}),
    Role.DATA_CLERK: frozenset(
        {
            IMPORT_RECORDS,
            IMPORT_SOCIAL_RETURNS,
            VIEW_TERRITORY,
            *IMPORT_REGISTER_PERMISSIONS.values(),
        }
    ),
    Role.DATA_STEWARD: frozenset({RUN_LINKAGE, REVIEW_LINKAGE, VIEW_AGGREGATES, VIEW_TERRITORY}),
    Role.FINANCE_OFFICER: frozenset({MANAGE_BUDGET, VIEW_AGGREGATES, VIEW_TERRITORY}),
    Role.AGENCY_OFFICER: _CASEWORK | {ACT_FOR_AGENCY, IMPORT_HEALTH_RECORDS, IMPORT_SOCIAL_RECORDS},
}

# Every role that sees personal data (of victims and offenders, or of staff in the user
# register and the audit trail) signs in with a second factor.
ROLES_REQUIRING_SECOND_FACTOR = frozenset(Role) - {Role.NATIONAL_ANALYST, Role.FINANCE_OFFICER}
# A data clerk loads extracts full of identities, so needs the second factor too; crisis
# centres and providers see personal data of their own clients; a data steward compares
# identities when reviewing uncertain linkage pairs.


def permissions_for(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())
