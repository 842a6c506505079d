"""What leaves a survivor case file: referrals, transfers and the crisis-centre register record.

Every share asks the one rule, :meth:`SurvivorCase.may_share`: only to the kinds of body she
agreed to, only while her consent holds. A withdrawal of consent (:func:`case_consent_withdraw`)
also withdraws the referrals still waiting for an answer and any transfer not yet accepted, so
that nothing further leaves the centre after the day she said no.

The crisis-centre register record (:mod:`qorgau.cases.register_feed`) is not a share with an
agency and is not stopped by a withdrawal: it is the centre's own statistical line.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import refusals_audited, restrict
from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.accounts.roles import MANAGE_SURVIVOR_CASES
from qorgau.audit.models import AuditAction
from qorgau.cases.models import (
    CENTRE_KINDS,
    CaseReferral,
    CaseTransfer,
    ShareWith,
    SurvivorCase,
    TransferStatus,
)
from qorgau.cases.services import NOTHING_TO_WITHDRAW, _active, _audit, _held, _not_future
from qorgau.coordination.models import Referral, ReferralKind, ReferralStatus, SharingBasis
from qorgau.coordination.services import referral_send

if TYPE_CHECKING:
    from qorgau.accounts.models import User


WAITING = (ReferralStatus.SENT, ReferralStatus.ESCALATED)

# Whom a referral shares her case with: the body that receives it decides (the police are the
# police whatever they are asked), else the kind of help asked for.
_SHARE_BY_RECEIVER = {
    OrganisationKind.POLICE: ShareWith.POLICE,
    OrganisationKind.PROSECUTOR: ShareWith.POLICE,
}
_SHARE_BY_KIND = {
    "health": ShareWith.HEALTH,
    "psychologist": ShareWith.PSYCHOLOGIST,
    "legal_aid": ShareWith.LEGAL_AID,
    "social_protection": ShareWith.SOCIAL,
    "crisis_centre": ShareWith.SOCIAL,
    "education": ShareWith.SOCIAL,
}
_SHARE_BY_RECEIVER_KIND = {
    OrganisationKind.HEALTH: ShareWith.HEALTH,
    OrganisationKind.LEGAL_AID: ShareWith.LEGAL_AID,
    OrganisationKind.JUSTICE: ShareWith.LEGAL_AID,
    OrganisationKind.SOCIAL_PROTECTION: ShareWith.SOCIAL,
    OrganisationKind.FAMILY_SUPPORT_CENTRE: ShareWith.SOCIAL,
    OrganisationKind.EDUCATION: ShareWith.SOCIAL,
    OrganisationKind.SHELTER: ShareWith.SOCIAL,
    OrganisationKind.CRISIS_CENTRE: ShareWith.PSYCHOLOGIST,
    OrganisationKind.NGO: ShareWith.PSYCHOLOGIST,
}

NO_CONSENT = _("She has not agreed to share her case with %(whom)s, or her consent has ended.")
NOT_FOR_SURVIVORS = _("This kind of referral is not made from a survivor's case.")
TRANSFER_ELSEWHERE = _("Transfer to another crisis or support centre.")
TRANSFER_PENDING = _("A transfer of this case is already waiting for an answer.")
TRANSFER_NOT_PENDING = _("This transfer has already been answered.")
TRANSFER_NOT_YOURS = _("Only the receiving organisation answers a transfer.")
DECLINE_NEEDS_REASON = _("Say why the transfer is declined.")


def share_kind_for(kind: ReferralKind, receiver: Organisation) -> str | None:
    """The consent box a referral of ``kind`` to ``receiver`` needs; ``None``: never allowed."""
    if receiver.kind in _SHARE_BY_RECEIVER:
        return _SHARE_BY_RECEIVER[OrganisationKind(receiver.kind)]
    if kind.code in _SHARE_BY_KIND:
        return _SHARE_BY_KIND[kind.code]
    if kind.code == "programme":
        return None
    return _SHARE_BY_RECEIVER_KIND.get(OrganisationKind(receiver.kind))


def _consent_needed(case: SurvivorCase, share: str, on: dt.date) -> None:
    if not case.may_share(share, on):
        raise ValidationError(NO_CONSENT % {"whom": ShareWith(share).label})


def _consent_reference(case: SurvivorCase) -> str:
    given = case.consent_given_on.isoformat()
    return f"{case.label}: consent of {given}" + (
        f" until {case.consent_expires_on.isoformat()}" if case.consent_expires_on else ""
    )


@refusals_audited
@transaction.atomic
def case_refer(
    *,
    actor: User,
    case: SurvivorCase,
    kind: ReferralKind,
    receiver: Organisation,
    reason: str,
    request: HttpRequest | None = None,
) -> CaseReferral:
    """Refer her to another agency through the closed loop, on her consent as the basis.

    The referral names no one (the receiver sees the case's reference and what is asked); the
    receiver answers and reports the outcome as for any referral, and the case page follows it.
    """
    _held(actor, case)
    _active(case)
    share = share_kind_for(kind, receiver)
    if share is None:
        raise ValidationError({"kind": NOT_FOR_SURVIVORS})
    _consent_needed(case, share, timezone.localdate())
    referral = referral_send(
        actor=actor,
        kind=kind,
        sender=case.organisation,
        receiver=receiver,
        district=case.district,
        reason=reason,
        sharing_basis=SharingBasis.CONSENT,
        sharing_reference=_consent_reference(case),
        source="survivor_case",
    )
    link = CaseReferral.objects.create(case=case, referral=referral, share_kind=share)
    _audit(AuditAction.CREATE, actor, request, link, case=case.pk, referral=referral.pk)
    return link


def _withdraw_waiting(actor: User, case: SurvivorCase, request: HttpRequest | None) -> int:
    """Withdraw the case's referrals still waiting for an answer and its pending transfer."""
    waiting = Referral.objects.filter(
        pk__in=CaseReferral.objects.filter(case=case).values("referral_id"), status__in=WAITING
    )
    withdrawn = list(waiting)
    for referral in withdrawn:  # saved one by one: monitoring recounts the referrals it counted
        referral.status = ReferralStatus.WITHDRAWN
        referral.save(update_fields=["status"])
        _audit(AuditAction.CHANGE, actor, request, referral, status=referral.status)
    pending = CaseTransfer.objects.filter(case=case, status=TransferStatus.PENDING)
    for transfer in pending:
        transfer.status = TransferStatus.DECLINED
        transfer.decline_reason = str(_("Her consent was withdrawn."))
        transfer.answered_on = timezone.localdate()
        transfer.save(update_fields=["status", "decline_reason", "answered_on"])
        _audit(AuditAction.CHANGE, actor, request, transfer, status=transfer.status)
    return len(withdrawn)


@refusals_audited
@transaction.atomic
def case_consent_withdraw(
    *,
    actor: User,
    case: SurvivorCase,
    withdrawn_on: dt.date,
    request: HttpRequest | None = None,
) -> SurvivorCase:
    """Record that she withdrew her consent: from that day nothing of the case is shared, and
    what was waiting to be shared (unanswered referrals, a pending transfer) is withdrawn."""
    _held(actor, case)
    if case.consent_withdrawn_on is not None:
        raise ValidationError(NOTHING_TO_WITHDRAW)
    _not_future(withdrawn_on, "withdrawn_on")
    case.consent_withdrawn_on = max(withdrawn_on, case.consent_given_on)
    case.save(update_fields=["consent_withdrawn_on"])
    _audit(AuditAction.CHANGE, actor, request, case, consent_withdrawn=str(withdrawn_on))
    _withdraw_waiting(actor, case, request)
    return case


@refusals_audited
@transaction.atomic
def case_transfer_request(
    *,
    actor: User,
    case: SurvivorCase,
    to_organisation: Organisation,
    reason: str,
    request: HttpRequest | None = None,
) -> CaseTransfer:
    """Ask another centre to take the case over; her consent to social services is the basis."""
    _held(actor, case)
    _active(case)
    if to_organisation.pk == case.organisation_id or to_organisation.kind not in CENTRE_KINDS:
        raise ValidationError({"to_organisation": TRANSFER_ELSEWHERE})
    _consent_needed(case, ShareWith.SOCIAL, timezone.localdate())
    if CaseTransfer.objects.filter(case=case, status=TransferStatus.PENDING).exists():
        raise ValidationError(TRANSFER_PENDING)
    transfer = CaseTransfer.objects.create(
        case=case,
        from_organisation=case.organisation,
        to_organisation=to_organisation,
        reason=reason,
        consent_reference=_consent_reference(case),
        requested_by=actor,
        requested_on=timezone.localdate(),
    )
    _audit(AuditAction.CREATE, actor, request, transfer, case=case.pk, to=to_organisation.pk)
    return transfer


@refusals_audited
@transaction.atomic
def case_transfer_answer(
    *,
    actor: User,
    transfer: CaseTransfer,
    accept: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> CaseTransfer:
    """The receiving centre accepts (the case becomes its own, the answering user its
    caseworker) or declines with a reason."""
    visible = restrict(
        CaseTransfer.objects.filter(pk=transfer.pk), actor, permission=MANAGE_SURVIVOR_CASES
    )
    if not visible.exists() or actor.organisation_id != transfer.to_organisation_id:
        raise PermissionDenied(TRANSFER_NOT_YOURS)
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(TRANSFER_NOT_PENDING)
    case = transfer.case
    if accept and not case.may_share(ShareWith.SOCIAL):
        raise ValidationError(NO_CONSENT % {"whom": ShareWith.SOCIAL.label})
    if not accept and not reason.strip():
        raise ValidationError({"reason": DECLINE_NEEDS_REASON})
    transfer.status = TransferStatus.ACCEPTED if accept else TransferStatus.DECLINED
    transfer.decline_reason = "" if accept else reason
    transfer.answered_by = actor
    transfer.answered_on = timezone.localdate()
    transfer.save()
    if accept:
        case.organisation = transfer.to_organisation
        case.caseworker = actor
        case.advocate = actor if case.advocate_id else None
        case.save(update_fields=["organisation", "caseworker", "advocate"])
    _audit(AuditAction.CHANGE, actor, request, transfer, case=case.pk, status=transfer.status)
    return transfer
