"""Closed-loop referrals between agencies: sent, answered, and their outcome reported."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import Organisation
from qorgau.audit.models import AuditAction
from qorgau.coordination import selectors as s
from qorgau.coordination.models import (
    ConferenceCase,
    NotificationKind,
    Referral,
    ReferralKind,
    ReferralStatus,
    SharingBasis,
)
from qorgau.coordination.services.common import _audit, _require_agency
from qorgau.coordination.services.notifications import notify_users, users_of
from qorgau.registry.models import Person
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User


def referral_send(
    *,
    actor: User,
    kind: ReferralKind,
    sender: Organisation,
    receiver: Organisation,
    district: Territory,
    reason: str,
    sharing_basis: str,
    sharing_reference: str = "",
    person: Person | None = None,
    case: ConferenceCase | None = None,
    source: str = "",
) -> Referral:
    """Send a referral; the receiver is told and the clock of its answer starts."""
    if not actor.is_superuser and sender.pk not in s.agency_ids(actor):
        raise PermissionDenied(gettext("You may refer only on behalf of your own agency."))
    if sender.pk == receiver.pk:
        raise ValidationError({"receiver": _("Refer to another agency.")})
    if kind.receiver_kinds and receiver.kind not in kind.receiver_kinds:
        raise ValidationError({"receiver": _("This agency does not take this kind of referral.")})
    if sharing_basis not in SharingBasis.values:
        raise ValidationError({"sharing_basis": _("Record the basis for sharing.")})
    if sharing_basis == SharingBasis.CONSENT and not sharing_reference.strip():
        raise ValidationError({"sharing_reference": _("Say where and when consent was given.")})
    now = timezone.now()
    referral = Referral.objects.create(
        kind=kind,
        sender=sender,
        receiver=receiver,
        district=district,
        person=person,
        case=case,
        reason=reason,
        sharing_basis=sharing_basis,
        sharing_reference=sharing_reference,
        sent_at=now,
        respond_by=now + dt.timedelta(hours=kind.respond_within_hours),
        created_by=actor if getattr(actor, "pk", None) else None,
        source=source,
    )
    _audit(AuditAction.CREATE, actor, referral, receiver=receiver.pk, kind=kind.code)
    notify_users(
        users_of(receiver),
        referral,
        NotificationKind.NEW,
        gettext("New referral %(ref)s (%(kind)s) from %(sender)s: answer by %(due)s.")
        % {
            "ref": referral.reference,
            "kind": kind.name,
            "sender": sender.name,
            # Stored once, read in kk, ru and en: day.month.year reads alike in all three.
            "due": f"{timezone.localtime(referral.respond_by):%d.%m.%Y %H:%M}",
        },
    )
    return referral


def referral_answer(*, actor: User, referral: Referral, accept: bool, reason: str = "") -> Referral:
    """The receiver accepts or declines (also after an escalation: better late than never)."""
    _require_agency(actor, referral.receiver_id)
    if referral.status not in (ReferralStatus.SENT, ReferralStatus.ESCALATED):
        raise ValidationError({"status": _("This referral has already been answered.")})
    if not accept and not reason.strip():
        raise ValidationError({"decline_reason": _("Say why the referral is declined.")})
    now = timezone.now()
    referral.responded_at = now
    if accept:
        referral.status = ReferralStatus.ACCEPTED
        referral.outcome_due_by = now + dt.timedelta(days=referral.kind.outcome_within_days)
    else:
        referral.status = ReferralStatus.DECLINED
        referral.decline_reason = reason
    referral.save()
    _audit(AuditAction.CHANGE, actor, referral, status=referral.status)
    notify_users(
        users_of(referral.sender),
        referral,
        NotificationKind.ANSWERED,
        gettext("Referral %(ref)s was %(status)s by %(receiver)s.")
        % {
            "ref": referral.reference,
            "status": referral.get_status_display(),
            "receiver": referral.receiver.name,
        },
    )
    return referral


def referral_report_outcome(
    *, actor: User, referral: Referral, outcome: str, note: str = ""
) -> Referral:
    """Close the loop: the receiver reports what came of it."""
    _require_agency(actor, referral.receiver_id)
    if referral.status != ReferralStatus.ACCEPTED:
        raise ValidationError({"status": _("Only an accepted referral can be completed.")})
    referral.status = ReferralStatus.COMPLETED
    referral.outcome = outcome
    referral.outcome_note = note
    referral.completed_at = timezone.now()
    referral.save()
    _audit(AuditAction.CHANGE, actor, referral, status=referral.status, outcome=outcome)
    return referral


# --- Notifications ----------------------------------------------------------------------------
