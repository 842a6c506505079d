"""Workflows of the programmes: the register, enrolment, attendance, completion, drop-out.

Every rule lives here (the pages, the API and the attendance import call these functions), and
every change writes an audit entry. A missed session or a drop-out is reported to the district
police and the court liaison as a *possible* violation of the requirement; an officer decides.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import can_place_in_scope, restrict
from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.accounts.roles import (
    KEEP_PROVIDER_REGISTER,
    MANAGE_ORDERS,
    MANAGE_PROGRAMMES,
    MANAGE_REQUIREMENTS,
)
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.crypto import decrypt_text, encrypt_text
from qorgau.programs import selectors
from qorgau.programs.models import (
    ACTIVE_STATUSES,
    DropOutReason,
    Enrolment,
    EnrolmentStatus,
    PartnerSafetyReport,
    PossibleViolation,
    Programme,
    Provider,
    ReportStatus,
    SessionAttendance,
)
from qorgau.registry import choices as c
from qorgau.registry.models import BehaviourRequirement
from qorgau.registry.services import requirement_violation_record
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.models import User


NOT_ALLOWED = _("Your role may not do this.")
OUTSIDE_SCOPE = _("This record is outside your organisation or territory.")
IN_FUTURE = _("The date cannot be in the future.")
NOT_OBLIGED = _("The court did not oblige this offender to attend a programme.")
NOT_IN_FORCE = _("The requirement was not in force on that date.")
OTHER_REGION = _("The offender's requirement was set in another region.")
NOT_ACCREDITED = _("The programme or its provider is not accredited on that date.")
ALREADY_LISTED = _("The offender is already waiting for or attending a programme.")
ALREADY_COMPLETED = _("The offender has already completed a programme under this requirement.")
NOT_ENROLLED = _("The participant is not enrolled.")
NOT_ACTIVE = _("The participant is neither waiting nor enrolled.")
NO_PLACE = _("The programme has no free place; the offender stays on the waiting list.")
BEFORE_ENROLMENT = _("The date is before the enrolment.")
SESSION_RANGE = _("The programme has %(sessions)s sessions.")
SESSION_TAKEN = _("This session or this day is already recorded.")
TOO_FEW_SESSIONS = _("Completion needs %(needed)s attended sessions; %(attended)s are recorded.")
BEFORE_LAST_SESSION = _("The programme cannot end before its last recorded session.")
NO_CONSENT = _("A partner's report is recorded only with her consent, given on or before it.")
REPORT_CLOSED = _("This report has already been decided.")
NOT_A_PROVIDER = _("The organisation is not a programme provider.")


def _today() -> dt.date:
    return timezone.localdate()


def _require(actor: User, *permissions: str) -> None:
    if not any(actor.has_perm(p) for p in permissions):
        raise PermissionDenied(NOT_ALLOWED)


def _not_future(day: dt.date, field: str) -> None:
    if day > _today():
        raise ValidationError({field: IN_FUTURE})


def _audit(
    action: str, actor: User, request: HttpRequest | None, target: Any, **details: Any
) -> None:
    audit_record(action=action, request=request, actor=actor, target=target, details=details)


# --- The register ------------------------------------------------------------------------------


@transaction.atomic
def provider_register(
    *,
    actor: User,
    request: HttpRequest | None = None,
    organisation: Organisation,
    ownership: str,
    accreditation: str,
    accredited_from: dt.date | None = None,
    accredited_until: dt.date | None = None,
) -> Provider:
    """Put a provider organisation on the register of its region (coordinators only)."""
    _require(actor, KEEP_PROVIDER_REGISTER)
    if organisation.kind not in (OrganisationKind.PROGRAM_PROVIDER, OrganisationKind.NGO):
        raise ValidationError({"organisation": NOT_A_PROVIDER})
    if not can_place_in_scope(actor, None, organisation.pk):
        raise PermissionDenied(OUTSIDE_SCOPE)
    region = organisation.territory
    while region.parent is not None and region.level > 1:
        region = region.parent
    provider = Provider(
        organisation=organisation,
        region=region,
        ownership=ownership,
        accreditation=accreditation,
        accredited_from=accredited_from,
        accredited_until=accredited_until,
    )
    provider.full_clean()
    provider.save()
    _audit(AuditAction.CREATE, actor, request, provider)
    return provider


def _keeps_register_of(actor: User, provider: Provider) -> None:
    _require(actor, KEEP_PROVIDER_REGISTER)
    if not selectors.providers_for(actor).filter(pk=provider.pk).exists():
        raise PermissionDenied(OUTSIDE_SCOPE)


@transaction.atomic
def programme_save(
    *,
    actor: User,
    request: HttpRequest | None = None,
    programme: Programme,
) -> Programme:
    """Create or change a programme of a provider on the actor's register."""
    _keeps_register_of(actor, programme.provider)
    created = programme.pk is None
    programme.full_clean()
    programme.save()
    _audit(AuditAction.CREATE if created else AuditAction.CHANGE, actor, request, programme)
    return programme


# --- Enrolment ---------------------------------------------------------------------------------


def _works_for(actor: User, provider: Provider) -> None:
    _require(actor, MANAGE_PROGRAMMES)
    if not (actor.is_superuser or actor.organisation_id == provider.organisation_id):
        raise PermissionDenied(OUTSIDE_SCOPE)


def _own(actor: User, enrolment: Enrolment) -> None:
    _require(actor, MANAGE_PROGRAMMES)
    visible = restrict(
        Enrolment.objects.filter(pk=enrolment.pk), actor, permission=MANAGE_PROGRAMMES
    )
    if not visible.exists():
        raise PermissionDenied(OUTSIDE_SCOPE)


def _check_enrolment(requirement: BehaviourRequirement, programme: Programme, on: dt.date) -> None:
    _not_future(on, "on")
    if c.RequirementCondition.ATTEND_PSYCHOCORRECTION not in requirement.conditions:
        raise ValidationError({"requirement": NOT_OBLIGED})
    if not requirement.starts_on <= on <= requirement.ends_on:
        raise ValidationError({"on": NOT_IN_FORCE})
    if requirement.district_id not in territory_scope_ids(programme.provider.region):
        raise ValidationError({"requirement": OTHER_REGION})
    if not selectors.is_accredited(programme, on):
        raise ValidationError({"programme": NOT_ACCREDITED})
    taken = Enrolment.objects.filter(requirement=requirement).exclude(
        status=EnrolmentStatus.DROPPED_OUT
    )
    if taken.filter(status__in=ACTIVE_STATUSES).exists():
        raise ValidationError({"requirement": ALREADY_LISTED})
    if taken.filter(status=EnrolmentStatus.COMPLETED).exists():
        raise ValidationError({"requirement": ALREADY_COMPLETED})


@transaction.atomic
def enrolment_create(
    *,
    actor: User,
    request: HttpRequest | None = None,
    requirement: BehaviourRequirement,
    programme: Programme,
    on: dt.date,
    note: str = "",
) -> Enrolment:
    """Take an obliged offender onto a programme: enrolled if a place is free, else waiting."""
    _works_for(actor, programme.provider)
    Programme.objects.select_for_update().filter(pk=programme.pk).first()  # serialise places
    _check_enrolment(requirement, programme, on)
    has_place = selectors.places_taken(programme) < programme.capacity
    enrolment = Enrolment.objects.create(
        requirement=requirement,
        offender_id=requirement.offender_id,
        district_id=requirement.district_id,
        programme=programme,
        status=EnrolmentStatus.ENROLLED if has_place else EnrolmentStatus.WAITING,
        listed_on=on,
        enrolled_on=on if has_place else None,
        note=note,
        created_by=actor,
    )
    _audit(AuditAction.CREATE, actor, request, enrolment, status=enrolment.status)
    return enrolment


@transaction.atomic
def enrolment_admit(
    *, actor: User, request: HttpRequest | None = None, enrolment: Enrolment, on: dt.date
) -> Enrolment:
    """Move a waiting offender onto the programme when a place is free."""
    _own(actor, enrolment)
    _not_future(on, "on")
    if enrolment.status != EnrolmentStatus.WAITING:
        raise ValidationError(NOT_ACTIVE)
    if on < enrolment.listed_on:
        raise ValidationError({"on": BEFORE_ENROLMENT})
    if selectors.places_taken(enrolment.programme) >= enrolment.programme.capacity:
        raise ValidationError(NO_PLACE)
    enrolment.status, enrolment.enrolled_on = EnrolmentStatus.ENROLLED, on
    enrolment.save(update_fields=["status", "enrolled_on"])
    _audit(AuditAction.CHANGE, actor, request, enrolment, status=enrolment.status)
    return enrolment


def _admit_next(
    actor: User, request: HttpRequest | None, programme: Programme, on: dt.date
) -> None:
    """A freed place goes to the first on the waiting list whose requirement is still in force."""
    for waiting in selectors.waiting_list(programme).select_related("requirement"):
        if waiting.requirement.ends_on >= on and on >= waiting.listed_on:
            enrolment_admit(actor=actor, request=request, enrolment=waiting, on=on)
            return


# --- Attendance --------------------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *,
    actor: User,
    request: HttpRequest | None = None,
    enrolment: Enrolment,
    held_on: dt.date,
    attended: bool,
    reason: str = "",
    number: int | None = None,
) -> SessionAttendance:
    """Record one session; a missed one is reported as a possible violation of the requirement."""
    _own(actor, enrolment)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(NOT_ENROLLED)
    _not_future(held_on, "held_on")
    if enrolment.enrolled_on and held_on < enrolment.enrolled_on:
        raise ValidationError({"held_on": BEFORE_ENROLMENT})
    sessions = enrolment.programme.sessions
    number = number or enrolment.attendance.count() + 1
    if not 1 <= number <= sessions:
        raise ValidationError({"number": SESSION_RANGE % {"sessions": sessions}})
    if (
        enrolment.attendance.filter(number=number).exists()
        or enrolment.attendance.filter(held_on=held_on).exists()
    ):
        raise ValidationError(SESSION_TAKEN)
    session = SessionAttendance.objects.create(
        enrolment=enrolment,
        number=number,
        held_on=held_on,
        attended=attended,
        reason=reason,
        recorded_by=actor,
    )
    _audit(AuditAction.CREATE, actor, request, session, attended=attended)
    if not attended:
        _report(
            enrolment,
            held_on,
            str(_("Missed session %(number)s: %(reason)s"))
            % {"number": number, "reason": reason or "—"},
            attendance=session,
        )
    return session


def _report(
    enrolment: Enrolment,
    on: dt.date,
    description: str,
    attendance: SessionAttendance | None = None,
) -> PossibleViolation:
    return PossibleViolation.objects.create(
        enrolment=enrolment,
        requirement_id=enrolment.requirement_id,
        district_id=enrolment.district_id,
        attendance=attendance,
        occurred_on=on,
        description=description[:500],
    )


# --- The end of a programme --------------------------------------------------------------------


def _check_end(enrolment: Enrolment, on: dt.date) -> None:
    _not_future(on, "on")
    start = enrolment.enrolled_on or enrolment.listed_on
    if on < start:
        raise ValidationError({"on": BEFORE_ENROLMENT})
    last = enrolment.attendance.order_by("-held_on").values_list("held_on", flat=True).first()
    if last and on < last:
        raise ValidationError({"on": BEFORE_LAST_SESSION})


@transaction.atomic
def enrolment_complete(
    *, actor: User, request: HttpRequest | None = None, enrolment: Enrolment, on: dt.date
) -> Enrolment:
    """Completion needs the attended sessions (80% of the curriculum) recorded, not a tick."""
    _own(actor, enrolment)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(NOT_ENROLLED)
    _check_end(enrolment, on)
    attended = enrolment.attendance.filter(attended=True).count()
    needed = enrolment.programme.sessions_to_complete
    if attended < needed:
        raise ValidationError(TOO_FEW_SESSIONS % {"needed": needed, "attended": attended})
    enrolment.status, enrolment.ended_on = EnrolmentStatus.COMPLETED, on
    enrolment.save(update_fields=["status", "ended_on"])
    _audit(AuditAction.CHANGE, actor, request, enrolment, status=enrolment.status)
    _admit_next(actor, request, enrolment.programme, on)
    return enrolment


@transaction.atomic
def enrolment_drop_out(
    *,
    actor: User,
    request: HttpRequest | None = None,
    enrolment: Enrolment,
    on: dt.date,
    reason: str,
    note: str = "",
) -> Enrolment:
    """End a waiting or enrolled participant's place; reported as a possible violation."""
    _own(actor, enrolment)
    if enrolment.status not in ACTIVE_STATUSES:
        raise ValidationError(NOT_ACTIVE)
    if reason not in DropOutReason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    _check_end(enrolment, on)
    was_enrolled = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status, enrolment.ended_on = EnrolmentStatus.DROPPED_OUT, on
    enrolment.drop_out_reason, enrolment.note = reason, note or enrolment.note
    enrolment.save(update_fields=["status", "ended_on", "drop_out_reason", "note"])
    _audit(AuditAction.CHANGE, actor, request, enrolment, status=enrolment.status, reason=reason)
    _report(
        enrolment,
        on,
        str(_("Dropped out of the programme: %(reason)s"))
        % {"reason": DropOutReason(reason).label},
    )
    if was_enrolled:
        _admit_next(actor, request, enrolment.programme, on)
    return enrolment


# --- Possible violations -----------------------------------------------------------------------


@transaction.atomic
def possible_violation_resolve(
    *,
    actor: User,
    request: HttpRequest | None = None,
    report: PossibleViolation,
    confirm: bool,
    sanction: str = c.Sanction.NONE,
) -> PossibleViolation:
    """The police or the court decide: a violation goes to the registry, or it is dismissed."""
    _require(actor, MANAGE_REQUIREMENTS, MANAGE_ORDERS)
    if not selectors.possible_violations_for(actor).filter(pk=report.pk).exists():
        raise PermissionDenied(OUTSIDE_SCOPE)
    if report.status != ReportStatus.OPEN:
        raise ValidationError(REPORT_CLOSED)
    if confirm:
        requirement_violation_record(
            actor=actor,
            request=request,
            requirement=report.requirement,
            occurred_on=report.occurred_on,
            condition=c.RequirementCondition.ATTEND_PSYCHOCORRECTION,
            description=report.description,
            sanction=sanction,
        )
    report.status = ReportStatus.RECORDED if confirm else ReportStatus.DISMISSED
    report.resolved_by = actor
    report.save(update_fields=["status", "resolved_by"])
    _audit(AuditAction.CHANGE, actor, request, report, status=report.status)
    return report


# --- The partner's account ---------------------------------------------------------------------


@transaction.atomic
def partner_report_record(
    *,
    actor: User,
    request: HttpRequest | None = None,
    enrolment: Enrolment,
    reported_on: dt.date,
    consent_given_on: dt.date | None,
    feeling: str,
    abuse_since_start: bool,
    text: str = "",
) -> PartnerSafetyReport:
    """Record the partner's account of her safety; without her recorded consent, nothing."""
    _own(actor, enrolment)
    _not_future(reported_on, "reported_on")
    if consent_given_on is None or consent_given_on > reported_on:
        raise ValidationError({"consent_given_on": NO_CONSENT})
    report = PartnerSafetyReport(
        enrolment=enrolment,
        reported_on=reported_on,
        consent_given_on=consent_given_on,
        feeling=feeling,
        abuse_since_start=abuse_since_start,
        text_token=encrypt_text(text) if text else "",
        recorded_by=actor,
    )
    report.full_clean()
    report.save()
    _audit(AuditAction.CREATE, actor, request, report)
    return report


def partner_report_text(
    *, actor: User, request: HttpRequest | None = None, report: PartnerSafetyReport
) -> str:
    """Decrypt the partner's words for a user who may see the report; every reading audited."""
    if not restrict(PartnerSafetyReport.objects.filter(pk=report.pk), actor).exists():
        raise PermissionDenied(OUTSIDE_SCOPE)
    if not report.text_token:
        return ""
    _audit(AuditAction.DECRYPT, actor, request, report)
    return decrypt_text(report.text_token)
