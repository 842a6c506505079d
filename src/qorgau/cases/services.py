"""Workflows of a survivor case file: each checks the organisation scope, then writes, then audits.

The case a workflow acts on is checked again here through the access layer (:func:`_held`),
not only by the view that found it: an API or a command calling a service gets the same refusal
as a page. A refusal is :class:`PermissionDenied`; a rule of the workflow broken (a closure
approved by the one who asked for it) is a :class:`ValidationError` with the messages below.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import audit_refused, refusals_audited, restrict
from qorgau.accounts.roles import APPROVE_CASE_CLOSURE, MANAGE_SURVIVOR_CASES
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.cases.models import (
    LEGAL_TYPES,
    CaseFollowUp,
    CaseStatus,
    ReferredBy,
    SafetyPlan,
    ShareWith,
    SurvivorCase,
)
from qorgau.cases.register_feed import case_register_record
from qorgau.lib.crypto import decrypt_text, encrypt_text
from qorgau.registry import choices as c
from qorgau.registry.iin import IinError, iin_parse
from qorgau.registry.services_persons import iin_pseudonym
from qorgau.territory.models import Territory
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.models import User


NOT_A_CENTRE_USER = _("Only a user of a crisis or support centre keeps survivor cases.")
CASEWORKER_ELSEWHERE = _("The caseworker must be a user of the same organisation.")
DISTRICT_ELSEWHERE = _("Choose a district of the organisation's region.")
NOT_ACTIVE = _("Only an open case can be changed this way.")
NOT_REQUESTED = _("No closure of this case is waiting for approval.")
NOT_A_SUPERVISOR = _("Only the centre's supervisor approves the closure of a case.")
SAME_APPROVER = _("Another user of the organisation must approve the closure.")
NOT_CLOSED = _("Only a closed case can be reopened.")
ALREADY_DONE = _("This follow-up is already recorded.")
IN_FUTURE = _("The date cannot be in the future.")
CONSENT_ORDER = _("Consent cannot expire before it is given.")
NOTHING_TO_WITHDRAW = _("Consent is already withdrawn.")


def _held(actor: User, case: SurvivorCase, *, permission: str = MANAGE_SURVIVOR_CASES) -> None:
    """Refuse unless ``actor`` may act on ``case`` (held by his or her organisation)."""
    held = restrict(SurvivorCase.objects.filter(pk=case.pk), actor, permission=permission)
    if not held.exists():
        audit_refused(SurvivorCase, actor, case.pk)
        raise PermissionDenied(_("This case is held by another organisation."))


def _not_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: IN_FUTURE})


def _active(case: SurvivorCase) -> None:
    if not case.is_active:
        raise ValidationError(NOT_ACTIVE)


def _audit(
    action: AuditAction, actor: User, request: HttpRequest | None, target: Any, **details: Any
) -> None:
    audit_record(action=action, actor=actor, request=request, target=target, details=details)


def districts_for(organisation: Any) -> set[int]:
    """Ids of the districts where an organisation's survivors may live: its region's."""
    territory = organisation.territory
    region = territory.parent if territory.level == 2 else territory
    return territory_scope_ids(region)


@refusals_audited
@transaction.atomic
def case_open(
    *,
    actor: User,
    request: HttpRequest | None = None,
    district: Territory,
    opened_on: dt.date,
    gbvims_type: str,
    consent_share: list[str],
    consent_given_on: dt.date,
    consent_expires_on: dt.date | None = None,
    caseworker: Any = None,
    iin: str = "",
    alias: str = "",
    contact: str = "",
    birth_year: int | None = None,
    legal_types: tuple[str, ...] | list[str] = (),
    sex: str = c.Sex.FEMALE,
    referred_by: str = ReferredBy.SELF,
    injury: str = "",
) -> SurvivorCase:
    """Take in a survivor: a new case file of the actor's organisation, with her consent.

    Her line in the crisis-centre register is written at once (:mod:`register_feed`)."""
    organisation = getattr(actor, "organisation", None)
    if organisation is None or not actor.has_perm(MANAGE_SURVIVOR_CASES):
        raise PermissionDenied(NOT_A_CENTRE_USER)
    caseworker = caseworker or actor
    if caseworker.organisation_id != organisation.pk or not caseworker.has_perm(
        MANAGE_SURVIVOR_CASES
    ):
        raise ValidationError({"caseworker": CASEWORKER_ELSEWHERE})
    if district.pk not in districts_for(organisation):
        raise ValidationError({"district": DISTRICT_ELSEWHERE})
    _not_future(opened_on, "opened_on")
    _not_future(consent_given_on, "consent_given_on")
    if consent_expires_on is not None and consent_expires_on < consent_given_on:
        raise ValidationError({"consent_expires_on": CONSENT_ORDER})
    pseudonym = ""
    if iin.strip():
        try:
            iin_parse(iin)
        except IinError as exc:
            raise ValidationError({"iin": exc.args[0]}) from None
        pseudonym = iin_pseudonym(iin)
    case = SurvivorCase(
        organisation=organisation,
        opened_on=opened_on,
        caseworker=caseworker,
        iin_pseudonym=pseudonym,
        alias_token=encrypt_text(alias) if alias else "",
        contact_token=encrypt_text(contact) if contact else "",
        birth_year=birth_year,
        sex=sex,
        referred_by=referred_by,
        injury=injury,
        district=district,
        gbvims_type=gbvims_type,
        consent_share=[kind for kind in ShareWith.values if kind in consent_share],
        consent_given_on=consent_given_on,
        consent_expires_on=consent_expires_on,
        created_by=actor,
        **{name: name in legal_types for name in LEGAL_TYPES},
    )
    case.full_clean()
    case.save()
    _audit(AuditAction.CREATE, actor, request, case, consent_share=case.consent_share)
    case_register_record(case, seen_on=opened_on, actor_id=actor.pk)
    return case


@refusals_audited
@transaction.atomic
def case_safety_plan_write(
    *,
    actor: User,
    case: SurvivorCase,
    text: str,
    review_on: dt.date,
    request: HttpRequest | None = None,
) -> SafetyPlan:
    """A new version of the safety plan; the previous one stays as history."""
    _held(actor, case)
    _active(case)
    plan = SafetyPlan(
        case=case,
        text_token=encrypt_text(text),
        written_on=timezone.localdate(),
        review_on=review_on,
        written_by=actor,
    )
    plan.full_clean()
    plan.save()
    _audit(AuditAction.CREATE, actor, request, plan, case=case.pk)
    return plan


@refusals_audited
@transaction.atomic
def case_followup_schedule(
    *,
    actor: User,
    case: SurvivorCase,
    due_on: dt.date,
    note: str = "",
    request: HttpRequest | None = None,
) -> CaseFollowUp:
    """Plan a follow-up contact on ``due_on``."""
    _held(actor, case)
    _active(case)
    followup = CaseFollowUp(
        case=case,
        due_on=due_on,
        note_token=encrypt_text(note) if note else "",
        scheduled_by=actor,
    )
    followup.full_clean()
    followup.save()
    _audit(AuditAction.CREATE, actor, request, followup, case=case.pk)
    return followup


@refusals_audited
@transaction.atomic
def case_followup_record(
    *,
    actor: User,
    followup: CaseFollowUp,
    done_on: dt.date,
    note: str = "",
    request: HttpRequest | None = None,
) -> CaseFollowUp:
    """Record that the follow-up was made, with what came of it."""
    _held(actor, followup.case)
    _active(followup.case)
    if followup.done_on is not None:
        raise ValidationError(ALREADY_DONE)
    _not_future(done_on, "done_on")
    followup.done_on = done_on
    if note:
        followup.note_token = encrypt_text(note)
    followup.save(update_fields=["done_on", "note_token"])
    _audit(AuditAction.CHANGE, actor, request, followup, case=followup.case_id)
    return followup


@refusals_audited
@transaction.atomic
def case_closure_request(
    *, actor: User, case: SurvivorCase, reason: str, request: HttpRequest | None = None
) -> SurvivorCase:
    """Ask for the case to be closed; it closes only once another user approves."""
    _held(actor, case)
    _active(case)
    case.status = CaseStatus.CLOSURE_REQUESTED
    case.closure_reason = reason
    case.closure_requested_by = actor
    case.closure_requested_on = timezone.localdate()
    case.save(
        update_fields=["status", "closure_reason", "closure_requested_by", "closure_requested_on"]
    )
    _audit(AuditAction.CHANGE, actor, request, case, status=case.status)
    return case


@refusals_audited
@transaction.atomic
def case_closure_approve(
    *, actor: User, case: SurvivorCase, request: HttpRequest | None = None
) -> SurvivorCase:
    """Close the case: a supervisor's approval, never the requester's own (four eyes)."""
    if not actor.has_perm(APPROVE_CASE_CLOSURE):
        raise PermissionDenied(NOT_A_SUPERVISOR)
    _held(actor, case, permission=APPROVE_CASE_CLOSURE)
    if case.status != CaseStatus.CLOSURE_REQUESTED:
        raise ValidationError(NOT_REQUESTED)
    if case.closure_requested_by_id == actor.pk:
        raise ValidationError(SAME_APPROVER)
    case.status = CaseStatus.CLOSED
    case.closed_by = actor
    case.closed_on = timezone.localdate()
    case.save(update_fields=["status", "closed_by", "closed_on"])
    _audit(AuditAction.CHANGE, actor, request, case, status=case.status)
    return case


@refusals_audited
@transaction.atomic
def case_reopen(
    *, actor: User, case: SurvivorCase, reason: str, request: HttpRequest | None = None
) -> SurvivorCase:
    """Open a closed case again (she came back); the closure stays in the audit trail."""
    _held(actor, case)
    if case.status != CaseStatus.CLOSED:
        raise ValidationError(NOT_CLOSED)
    case.status = CaseStatus.REOPENED
    case.reopened_on = timezone.localdate()
    case.closure_requested_by = None
    case.closure_requested_on = None
    case.save(
        update_fields=["status", "reopened_on", "closure_requested_by", "closure_requested_on"]
    )
    _audit(AuditAction.CHANGE, actor, request, case, status=case.status, reason=reason)
    case_register_record(case, seen_on=case.reopened_on, actor_id=actor.pk)
    return case


def case_texts(
    *, actor: User, case: SurvivorCase, request: HttpRequest | None = None
) -> dict[str, Any]:
    """The decrypted texts of a case (name she gave, contact, safety plans, follow-up notes),
    for a user of the holding organisation; the decryption is audited once per reading."""
    _held(actor, case)
    plans = list(case.safety_plans.select_related("written_by"))
    followups = list(case.followups.all())
    audit_record(
        action=AuditAction.DECRYPT,
        actor=actor,
        request=request,
        target=case,
        details={"fields": ["alias", "contact", "safety_plan", "followup_notes"]},
    )
    return {
        "alias": decrypt_text(case.alias_token) if case.alias_token else "",
        "contact": decrypt_text(case.contact_token) if case.contact_token else "",
        "plans": [(plan, decrypt_text(plan.text_token)) for plan in plans],
        "followups": [
            (item, decrypt_text(item.note_token) if item.note_token else "") for item in followups
        ],
    }
