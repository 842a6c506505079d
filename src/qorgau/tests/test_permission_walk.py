"""Every URL and API endpoint, with every role and without signing in: allowed or denied as
the table below says.

The table is the expected policy, written from the roles' permissions
(:mod:`qorgau.accounts.roles`). A URL missing from it fails the suite, so a new page or endpoint
cannot ship without someone deciding who may open it. Path parameters are filled with values
that name nothing (``999999``): a role that may open the page gets past the permission check and
then finds nothing (404) or has its empty form refused (400), a role that may not is refused
first (403), or finds nothing (404) where the view looks up the object before checking. An
endpoint that refuses GET (405) is asked again by POST.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from qorgau.accounts import roles as r
from qorgau.accounts.models import Organisation, OrganisationKind, User
from qorgau.accounts.roles import ROLE_SCOPES, Role, ScopeKind, permissions_for
from qorgau.conftest import ABAI, COUNTRY, SEMEY
from qorgau.programs.models import Accreditation, Ownership, Provider
from qorgau.territory.models import Territory

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed in"  # any signed-in user
SKIP = "skip"  # not a GET resource (reason given beside it)

Rule = str | tuple[str, ...]  # PUBLIC, SIGNED_IN, SKIP, or any one of these permissions

_AGG = (r.VIEW_AGGREGATES,)
_PERSONAL = (r.VIEW_PERSONAL_DATA,)
_AGGREGATE_REPORTS = (r.ENTER_AGGREGATES, r.APPROVE_AGGREGATES, r.ACCEPT_AGGREGATES)
_LINKAGE = (r.RUN_LINKAGE, r.REVIEW_LINKAGE)
_LINKAGE_COUNTS = (r.VIEW_AGGREGATES, r.RUN_LINKAGE, r.REVIEW_LINKAGE)  # runs and counts only
_PROGRAMMES = (r.MANAGE_PROGRAMMES, r.KEEP_PROVIDER_REGISTER, r.EVALUATE_PROGRAMMES)
# participants' records: the provider, the district police and the court liaison
_PARTICIPANTS = (r.MANAGE_PROGRAMMES, r.MANAGE_REQUIREMENTS, r.MANAGE_ORDERS)
_KEEPER = (r.KEEP_COORDINATING_BODY,)
_AGENCY = (r.KEEP_COORDINATING_BODY, r.ACT_FOR_AGENCY)
_TRIAGE = (r.TRIAGE_CITIZEN_REPORTS,)
# the importer: police extracts, or the records of a register the user's organisation keeps
# (the walk's agency officer sits in a health organisation, so its health permission applies)
_IMPORT = (r.IMPORT_RECORDS, *r.IMPORT_REGISTER_PERMISSIONS.values())
# setting up organisations, bodies, providers and help entries: the administrator
_SETUP = (r.SET_UP_ORGANISATIONS,)

EXPECTED: dict[str, Rule] = {
    "web:home": SIGNED_IN,
    "accounts:login": PUBLIC,
    "accounts:logout": SKIP,  # POST only
    "accounts:password_change": SIGNED_IN,
    "accounts:two_factor_setup": SIGNED_IN,
    "accounts:two_factor_verify": SIGNED_IN,
    "accounts:profile": SIGNED_IN,
    "accounts:api_token_renew": SIGNED_IN,
    "accounts:user_list": (r.MANAGE_USERS,),
    "accounts:user_create": (r.MANAGE_USERS,),
    "accounts:user_detail": (r.MANAGE_USERS,),
    "accounts:user_edit": (r.MANAGE_USERS,),
    "accounts:setup": _SETUP,
    "accounts:setup_organisation_list": _SETUP,
    "accounts:setup_organisation_create": _SETUP,
    "accounts:setup_organisation_edit": _SETUP,
    "territory:list": (r.VIEW_TERRITORY,),
    "territory:detail": (r.VIEW_TERRITORY,),
    "audit:list": (r.BROWSE_AUDIT,),
    "audit:verify": (r.BROWSE_AUDIT,),
    "registry:work": _PERSONAL,
    "registry:person_list": _PERSONAL,
    "registry:person_search": _PERSONAL,
    "registry:person_name_search": _PERSONAL,
    "registry:person_detail": _PERSONAL,
    "registry:legal_rules": SIGNED_IN,  # the law in force, no records
    "registry:incident_list": _PERSONAL,
    "registry:incident_create": (r.REGISTER_INCIDENT,),
    "registry:incident_detail": _PERSONAL,
    "registry:order_create": (r.MANAGE_ORDERS,),
    "registry:requirement_create": (r.MANAGE_REQUIREMENTS,),
    "registry:offence_create": (r.RECORD_OFFENCES,),
    "registry:risk_create": (r.ASSESS_RISK,),
    "registry:order_list": _PERSONAL,
    "registry:order_detail": _PERSONAL,
    "registry:order_serve": (r.MANAGE_ORDERS,),
    "registry:order_check_in": (r.MANAGE_ORDERS,),
    "registry:order_violation": (r.MANAGE_ORDERS,),
    "registry:order_extend": (r.MANAGE_ORDERS,),
    "registry:order_revoke": (r.MANAGE_ORDERS,),
    "registry:requirement_list": _PERSONAL,
    "registry:requirement_detail": _PERSONAL,
    "registry:requirement_violation": (r.MANAGE_REQUIREMENTS,),
    "registry:requirement_extend": (r.MANAGE_REQUIREMENTS,),
    "registry:prevention_create": (r.MANAGE_ORDERS,),
    "registry:register_entry_create": (r.MANAGE_ORDERS,),
    "registry:register_entry_leave": (r.MANAGE_ORDERS,),
    "registry:register_list": (r.MANAGE_ORDERS,),
    "registry_import:list": _IMPORT,
    "registry_import:upload": _IMPORT,
    "registry_import:detail": (r.IMPORT_RECORDS,),
    "registry_import:progress": (r.IMPORT_RECORDS,),
    "registry_import:rejects": (r.IMPORT_RECORDS,),
    "monitoring:dashboard": _AGG,
    "monitoring:territory": _AGG,
    "monitoring:indicator": _AGG,
    "monitoring:chart": _AGG,
    "monitoring:download": _AGG,
    "monitoring:public": PUBLIC,
    "monitoring:alerts": _AGG,
    "monitoring:risk_accuracy": (r.EVALUATE_RISK_INSTRUMENT,),
    "monitoring:aggregate_list": _AGGREGATE_REPORTS,
    "monitoring:aggregate_enter": (r.ENTER_AGGREGATES,),
    "monitoring:aggregate_upload": (r.ENTER_AGGREGATES,),
    "monitoring:aggregate_detail": _AGGREGATE_REPORTS,
    "monitoring:aggregate_step": _AGGREGATE_REPORTS,
    "set_language": SKIP,  # POST only
    "api-docs": PUBLIC,
    "api-redoc": PUBLIC,
    "v1:schema": PUBLIC,
    "v1:token": SKIP,  # POST only: credentials in, token out
    "v1:me": SIGNED_IN,
    "v1:user-list": (r.MANAGE_USERS,),
    "v1:user-detail": (r.MANAGE_USERS,),
    "v1:setup-organisation-list": _SETUP,
    "v1:setup-organisation-detail": _SETUP,
    "v1:coordination-setup-body-list": _SETUP,
    "v1:coordination-setup-body-detail": _SETUP,
    "v1:coordination-setup-member-list": _SETUP,
    "v1:coordination-setup-member-detail": _SETUP,
    "v1:programme-setup-provider-list": _SETUP,
    "v1:programme-setup-provider-detail": _SETUP,
    "v1:citizens-setup-service-list": _SETUP,
    "v1:citizens-setup-service-detail": _SETUP,
    "v1:territory-list": (r.VIEW_TERRITORY,),
    "v1:territory-detail": (r.VIEW_TERRITORY,),
    "v1:audit-list": (r.BROWSE_AUDIT,),
    "v1:registry-person-list": _PERSONAL,
    "v1:registry-person-search": _PERSONAL,
    "v1:registry-person-name-search": _PERSONAL,
    "v1:registry-person-detail": _PERSONAL,
    "v1:registry-incident-list": _PERSONAL,
    "v1:registry-incident-detail": _PERSONAL,
    "v1:registry-order-list": _PERSONAL,
    "v1:registry-order-expiring": _PERSONAL,
    "v1:registry-order-check-overdue": _PERSONAL,
    "v1:registry-order-detail": _PERSONAL,
    "v1:registry-order-serve": (r.MANAGE_ORDERS,),
    "v1:registry-order-check-in": (r.MANAGE_ORDERS,),
    "v1:registry-order-violation": (r.MANAGE_ORDERS,),
    "v1:registry-order-extend": (r.MANAGE_ORDERS,),
    "v1:registry-order-revoke": (r.MANAGE_ORDERS,),
    "v1:registry-requirement-list": _PERSONAL,
    "v1:registry-requirement-detail": _PERSONAL,
    "v1:registry-requirement-violation": (r.MANAGE_REQUIREMENTS,),
    "v1:registry-requirement-extension": (r.MANAGE_REQUIREMENTS,),
    "v1:registry-offence-list": _PERSONAL,
    "v1:registry-risk-list": _PERSONAL,
    "v1:registry-risk-overdue": _PERSONAL,
    "v1:registry-prevention-list": _PERSONAL,
    "v1:registry-register-list": _PERSONAL,
    "v1:registry-register-leave": (r.MANAGE_ORDERS,),
    "v1:indicator-catalogue": _AGG,
    "v1:indicator-values": _AGG,
    "v1:aggregate-reports": _AGGREGATE_REPORTS,
    "v1:aggregate-report-step": _AGGREGATE_REPORTS,
    "v1:import-create": _IMPORT,
    "v1:import-detail": (r.IMPORT_RECORDS,),
    # record linkage (the data steward)
    "linkage:index": _LINKAGE_COUNTS,
    "linkage:run_detail": _LINKAGE_COUNTS,
    "linkage:review": (r.REVIEW_LINKAGE,),
    "linkage:pair": (r.REVIEW_LINKAGE,),
    "v1:linkage-runs": _LINKAGE_COUNTS,
    "v1:linkage-run": _LINKAGE_COUNTS,
    "v1:linkage-pairs": (r.REVIEW_LINKAGE,),
    "v1:linkage-pair": (r.REVIEW_LINKAGE,),
    # hidden violence (aggregates)
    "latency:index": _AGG,
    "latency:region": _AGG,
    "latency:chart": _AGG,
    "latency:download": _AGG,
    "latency:run_start": (r.RUN_ESTIMATION,),
    "latency:run": _AGG,
    "v1:latency-results": _AGG,
    "v1:latency-runs": _AGG,
    # rating of akimats; its method is public
    "rating:index": _AGG,
    "rating:run": _AGG,
    "rating:chart": _AGG,
    "rating:map": _AGG,
    "rating:download": _AGG,
    "rating:scorecard": _AGG,
    "rating:start": (r.RUN_RATING,),
    "rating:compare": _AGG,
    "rating:method": PUBLIC,
    "rating:method_file": PUBLIC,
    "rating:method_edit": (r.EDIT_RATING_METHOD,),
    "rating:method_version": PUBLIC,
    "v1:rating-methods": PUBLIC,
    "v1:rating-runs": _AGG,
    "v1:rating-run": _AGG,
    "v1:rating-results": _AGG,
    # psychocorrection programmes: coordinators keep the register and never see people
    "programs:index": _PROGRAMMES + (r.MANAGE_REQUIREMENTS, r.MANAGE_ORDERS),
    "programs:provider_list": _PROGRAMMES,
    "programs:provider_create": (r.KEEP_PROVIDER_REGISTER,),
    "programs:provider_detail": _PROGRAMMES,
    "programs:programme_create": (r.KEEP_PROVIDER_REGISTER,),
    "programs:programme_detail": _PROGRAMMES,
    "programs:programme_edit": (r.KEEP_PROVIDER_REGISTER,),
    "programs:demand": _PROGRAMMES,
    "programs:participants": (r.MANAGE_PROGRAMMES,),
    "programs:enrol": (r.MANAGE_PROGRAMMES,),
    "programs:enrolment_detail": _PARTICIPANTS,
    "programs:enrolment_action": (r.MANAGE_PROGRAMMES,),
    "programs:partner_report": (r.MANAGE_PROGRAMMES,),
    "programs:attendance_import": (r.MANAGE_PROGRAMMES,),
    "programs:violations": _PARTICIPANTS,
    "programs:violation_resolve": (r.MANAGE_REQUIREMENTS, r.MANAGE_ORDERS),
    "programs:evaluation": _PROGRAMMES,
    "programs:evaluation_chart": _PROGRAMMES,
    "programs:evaluation_csv": _PROGRAMMES,
    "programs:setup_provider_list": _SETUP,
    "programs:setup_provider_create": _SETUP,
    "programs:setup_provider_edit": _SETUP,
    "v1:programme-providers": _PROGRAMMES,
    "v1:programmes": _PROGRAMMES,
    "v1:programme-demand": _PROGRAMMES,
    "v1:programme-candidates": (r.MANAGE_PROGRAMMES,),
    "v1:programme-enrolments": _PARTICIPANTS,
    "v1:programme-enrolment": _PARTICIPANTS,
    "v1:programme-enrolment-attendance": (r.MANAGE_PROGRAMMES,),
    "v1:programme-enrolment-complete": (r.MANAGE_PROGRAMMES,),
    "v1:programme-enrolment-admit": (r.MANAGE_PROGRAMMES,),
    "v1:programme-enrolment-drop-out": (r.MANAGE_PROGRAMMES,),
    "v1:programme-attendance-import": (r.MANAGE_PROGRAMMES,),
    "v1:programme-possible-violations": _PARTICIPANTS,
    "v1:programme-evaluation": _PROGRAMMES,
    # coordinating bodies: the secretary (keeper) and the agencies
    "coordination:index": _AGENCY,
    "coordination:body_detail": _AGENCY,
    "coordination:meeting_detail": _AGENCY,
    "coordination:candidates": _KEEPER,
    "coordination:case_list": _KEEPER,
    "coordination:case_detail": _KEEPER,
    "coordination:action_list": _AGENCY,
    "coordination:action_detail": _AGENCY,
    "coordination:decision_list": _AGENCY,
    "coordination:decision_detail": _AGENCY,
    "coordination:referral_list": _AGENCY,
    "coordination:referral_new": _AGENCY,
    "coordination:referral_detail": _AGENCY,
    "coordination:notifications": SIGNED_IN,
    "coordination:notifications_read": SIGNED_IN,
    "coordination:calendar": _AGENCY,
    "coordination:calendar_feed": PUBLIC,  # the secret token in the address stands for the user
    "coordination:setup_body_list": _SETUP,
    "coordination:setup_body_create": _SETUP,
    "coordination:setup_body_edit": _SETUP,
    "coordination:setup_member_add": _SETUP,
    "coordination:setup_member_edit": _SETUP,
    "v1:coordination-body-list": _AGENCY,
    "v1:coordination-meeting-list": _AGENCY,
    "v1:coordination-candidates": _KEEPER,
    "v1:coordination-decision-list": _AGENCY,
    "v1:coordination-decision-update": _AGENCY,
    "v1:coordination-case-list": _KEEPER,
    "v1:coordination-action-list": _AGENCY,
    "v1:coordination-action-update": _AGENCY,
    "v1:coordination-referral-list": _AGENCY,
    "v1:coordination-referral-detail": _AGENCY,
    "v1:coordination-referral-answer": _AGENCY,
    "v1:coordination-referral-outcome": _AGENCY,
    "v1:coordination-referral-kinds": _AGENCY,
    "v1:coordination-notification-list": SIGNED_IN,
    "v1:coordination-notification-read": SIGNED_IN,
    # survivor case files: the holding organisation's caseworkers only
    "cases:case_list": (r.MANAGE_SURVIVOR_CASES,),
    "cases:case_open": (r.MANAGE_SURVIVOR_CASES,),
    "cases:case_detail": (r.MANAGE_SURVIVOR_CASES,),
    "cases:consent_withdraw": (r.MANAGE_SURVIVOR_CASES,),
    "cases:safety_plan": (r.MANAGE_SURVIVOR_CASES,),
    "cases:followup_schedule": (r.MANAGE_SURVIVOR_CASES,),
    "cases:followup_record": (r.MANAGE_SURVIVOR_CASES,),
    "cases:closure_request": (r.MANAGE_SURVIVOR_CASES,),
    "cases:closure_approve": (r.MANAGE_SURVIVOR_CASES,),
    "cases:reopen": (r.MANAGE_SURVIVOR_CASES,),
    "cases:assess": (r.MANAGE_SURVIVOR_CASES,),
    "cases:advocate": (r.MANAGE_SURVIVOR_CASES,),
    "cases:refer": (r.MANAGE_SURVIVOR_CASES,),
    "cases:transfer": (r.MANAGE_SURVIVOR_CASES,),
    "cases:transfer_list": (r.MANAGE_SURVIVOR_CASES,),
    "cases:transfer_answer": (r.MANAGE_SURVIVOR_CASES,),
    "cases:statistics": (r.MANAGE_SURVIVOR_CASES,),
    "v1:case-list": (r.MANAGE_SURVIVOR_CASES,),
    "v1:case-detail": (r.MANAGE_SURVIVOR_CASES,),
    "v1:case-assess": (r.MANAGE_SURVIVOR_CASES,),
    "v1:case-refer": (r.MANAGE_SURVIVOR_CASES,),
    "v1:case-consent-withdraw": (r.MANAGE_SURVIVOR_CASES,),
    "v1:case-statistics": (r.MANAGE_SURVIVOR_CASES,),
    # notifications to survivors: the caseworkers of the case's organisation
    "notices:case": (r.MANAGE_SURVIVOR_CASES,),
    "notices:stop": (r.MANAGE_SURVIVOR_CASES,),
    "notices:outbox": (r.MANAGE_SURVIVOR_CASES,),
    "v1:notices-case": (r.MANAGE_SURVIVOR_CASES,),
    # serious-case reviews: the panel's keepers; the summaries also for the aggregate roles
    "reviews:review_list": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "reviews:review_open": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "reviews:review_detail": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "reviews:review_timeline": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "reviews:review_finding": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "reviews:review_recommendation": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "reviews:review_close": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "reviews:recommendation_status": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "v1:review-list": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "v1:review-detail": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "v1:review-timeline": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "v1:review-finding": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "v1:review-recommendation": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "v1:review-close": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "v1:review-recommendation-status": (r.KEEP_SERIOUS_CASE_REVIEWS,),
    "reviews:review_summaries": (r.VIEW_AGGREGATES, r.KEEP_SERIOUS_CASE_REVIEWS),
    # budget programme
    "budget:index": _AGG,
    "budget:analysis": _AGG,
    "budget:programme": _AGG,
    "budget:allocations": _AGG,
    "budget:allocation": _AGG,
    "budget:allocation_enter": (r.MANAGE_BUDGET,),
    "budget:execution_enter": (r.MANAGE_BUDGET,),
    "budget:upload": (r.MANAGE_BUDGET,),
    "budget:upload_job": (r.MANAGE_BUDGET,),
    "budget:upload_job_progress": (r.MANAGE_BUDGET,),
    "budget:upload_job_rejects": (r.MANAGE_BUDGET,),
    "budget:upload_template": (r.MANAGE_BUDGET,),
    "budget:chart": _AGG,
    "budget:download": _AGG,
    "v1:budget-sub-programmes": _AGG,
    "v1:budget-allocations": _AGG,
    "v1:budget-execution": _AGG,
    "v1:budget-upload": (r.MANAGE_BUDGET,),
    "v1:budget-upload-job": (r.MANAGE_BUDGET,),
    "v1:budget-analysis": _AGG,
    # the citizen portal: public pages, and the staff's triage, directory and vetting
    "citizens:index": PUBLIC,
    "citizens:report": PUBLIC,
    "citizens:status": PUBLIC,
    "citizens:directory": PUBLIC,
    "citizens:volunteer": PUBLIC,
    "citizens:activities": PUBLIC,
    "citizens:statistics": PUBLIC,
    "citizens:safety": PUBLIC,
    "citizens:weather": PUBLIC,
    "citizens:triage_queue": _TRIAGE,
    "citizens:triage_detail": _TRIAGE,
    "citizens:directory_manage": (r.KEEP_HELP_DIRECTORY,),
    "citizens:directory_new": (r.KEEP_HELP_DIRECTORY,),
    "citizens:directory_edit": (r.KEEP_HELP_DIRECTORY,),
    "citizens:vetting_list": (r.VET_VOLUNTEERS,),
    "citizens:vetting_detail": (r.VET_VOLUNTEERS,),
    "citizens:activity_new": (r.VET_VOLUNTEERS,),
    "citizens:setup_help_list": _SETUP,
    "citizens:setup_help_create": _SETUP,
    "citizens:setup_help_edit": _SETUP,
    "v1:citizens-report-submit": PUBLIC,
    "v1:citizens-report-status": PUBLIC,
    "v1:citizens-triage-queue": _TRIAGE,
    "v1:citizens-triage-action": _TRIAGE,
    "v1:citizens-services": PUBLIC,
    "v1:citizens-volunteer-sign-up": PUBLIC,
    "v1:citizens-vetting-list": (r.VET_VOLUNTEERS,),
    "v1:citizens-vetting-decide": (r.VET_VOLUNTEERS,),
    # periodic reports
    "reports:index": _AGG,
    "reports:detail": _AGG,
    "reports:download": _AGG,
    "v1:report-list": _AGG,
    "v1:report-detail": _AGG,
    "v1:report-file": _AGG,
}

# Values for path parameters that name no object.
PLACEHOLDERS = {
    "int": "999999",
    "slug": "no-such-thing",
    "str": "nothing",
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    api: bool


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Endpoint]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if not pattern.name or route.startswith(("static/", "media/")):
                continue
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield Endpoint(name, "/" + _fill(route), route.startswith("api/"))


def _fill(route: str) -> str:
    def value(match: re.Match[str]) -> str:
        converter = match.group(1) or "str"
        return PLACEHOLDERS.get(converter, "nothing")

    return re.sub(r"<(?:(\w+):)?\w+>", value, route)


ENDPOINTS = sorted(_walk(get_resolver().url_patterns), key=lambda e: e.name)


def test_every_endpoint_has_a_rule() -> None:
    missing = sorted({e.name for e in ENDPOINTS} - set(EXPECTED))
    stale = sorted(set(EXPECTED) - {e.name for e in ENDPOINTS})
    assert not missing, f"URLs without an access rule in this table: {missing}"
    assert not stale, f"rules for URLs that no longer exist: {stale}"


def _allowed(rule: Rule, user: User | None) -> bool:
    if rule == PUBLIC:
        return True
    if user is None:
        return False
    if rule == SIGNED_IN:
        return True
    granted = permissions_for(user.role)
    return any(permission in granted for permission in rule)


def _scope(role: str) -> tuple[str | None, bool]:
    """The KATO code a user of ``role`` is given, or that it belongs to an organisation."""
    kinds = ROLE_SCOPES[role]
    if ScopeKind.ORGANISATION in kinds:
        return None, True
    if ScopeKind.COUNTRY in kinds:
        return COUNTRY, False
    if ScopeKind.REGION in kinds:
        return ABAI, False
    return SEMEY, False


@pytest.fixture
def people(
    make_user: Callable[..., User], make_organisation: Any, settings: Any
) -> dict[str, User]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    organisation: Organisation = make_organisation("Walk test centre", SEMEY)
    users: dict[str, User] = {}
    for role in Role:
        code, in_organisation = _scope(role)
        if in_organisation:
            kind = {
                Role.PROGRAM_PROVIDER: OrganisationKind.PROGRAM_PROVIDER,
                Role.AGENCY_OFFICER: OrganisationKind.HEALTH,
            }.get(role, OrganisationKind.CRISIS_CENTRE)
            organisation = Organisation.objects.create(
                name=f"Walk {role}", kind=kind, territory=organisation.territory
            )
            users[role] = make_user(role, organisation=organisation)
            if role == Role.PROGRAM_PROVIDER:  # a provider works once it is in the register
                Provider.objects.create(
                    organisation=organisation,
                    region=Territory.objects.by_code(ABAI),
                    ownership=Ownership.NGO,
                    accreditation=Accreditation.ACCREDITED,
                )
        else:
            users[role] = make_user(role, code)
    return users


def _denied(response: Any, endpoint: Endpoint, signed_in: bool) -> bool:
    status = response.status_code
    if status in (401, 403, 404):
        return True
    return not signed_in and status == 302 and "/accounts/login/" in response.get("Location", "")


@pytest.mark.django_db
def test_every_role_on_every_endpoint(
    people: dict[str, User], signed_in: Callable[[User], Client]
) -> None:
    clients: list[tuple[str, User | None, Client]] = [("anonymous", None, Client())]
    clients += [(str(role), user, signed_in(user)) for role, user in people.items()]
    wrong: list[str] = []
    for endpoint in ENDPOINTS:
        rule = EXPECTED.get(endpoint.name, SKIP)
        if rule == SKIP:
            continue
        for label, user, client in clients:
            response = client.get(endpoint.path)
            if response.status_code == 405:  # an action: asked for by POST (with nothing)
                response = client.post(endpoint.path)
            status = response.status_code
            if status >= 500:
                wrong.append(f"{endpoint.name} as {label}: server error {status}")
            elif _allowed(rule, user):
                if status in (401, 403) or (
                    status == 302 and "/accounts/login/" in response.get("Location", "")
                ):
                    wrong.append(f"{endpoint.name} as {label}: refused ({status}), expected open")
            elif not _denied(response, endpoint, user is not None):
                wrong.append(f"{endpoint.name} as {label}: {status}, expected refused")
    assert not wrong, "\n".join(wrong)
