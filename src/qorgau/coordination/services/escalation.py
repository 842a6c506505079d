"""The escalation of overdue decisions, actions and referrals to the keepers (a scheduled
command: ``qorgau coordination escalate``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from qorgau.accounts.models import User
from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditAction
from qorgau.coordination.models import (
    Decision,
    ItemStatus,
    NotificationKind,
    Referral,
    ReferralStatus,
    SafetyAction,
)
from qorgau.coordination.services.common import DUE_SOON_DAYS, _audit
from qorgau.coordination.services.notifications import notify_owner, notify_users, users_of


@dataclass
class EscalationReport:
    due: int = 0
    escalated_items: int = 0
    escalated_referrals: int = 0
    outcomes_overdue: int = 0
    notices: int = 0


def escalate(*, now: dt.datetime | None = None) -> EscalationReport:
    """Find what is due and overdue and tell its owners; idempotent (run it every hour)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = EscalationReport()
    with translation.override(settings.LANGUAGE_CODE):
        for model in (Decision, SafetyAction):
            related = (
                ("owner", "meeting__body__territory")
                if model is Decision
                else (
                    "owner",
                    "case__meeting__body__territory",
                )
            )
            manager: Any = model.objects
            for item in manager.due_within(today, DUE_SOON_DAYS).select_related(*related):
                report.due += 1
                report.notices += notify_owner(item, NotificationKind.DUE)
            for item in manager.overdue_on(today).select_related(*related):
                if item.status != ItemStatus.ESCALATED:
                    item.status = ItemStatus.ESCALATED
                    item.escalated_at = now
                    item.save(update_fields=["status", "escalated_at"])
                    _audit(AuditAction.CHANGE, None, item, status=item.status, by="escalation")
                    report.escalated_items += 1
                report.notices += notify_owner(item, NotificationKind.OVERDUE)
        report.notices += _escalate_referrals(now, report)
    return report


def _referral_keepers(referral: Referral) -> list[User]:
    region = referral.district.parent_id or referral.district_id
    return list(
        User.objects.filter(
            is_active=True,
            role=Role.AKIMAT_COORDINATOR,
            territory_id__in={region, referral.district_id},
        )
    )


def _escalate_referrals(now: dt.datetime, report: EscalationReport) -> int:
    notices = 0
    late = Referral.objects.unanswered_by(now).select_related("receiver", "sender", "district")
    for referral in late:
        referral.status = ReferralStatus.ESCALATED
        referral.escalated_at = now
        referral.save(update_fields=["status", "escalated_at"])
        _audit(AuditAction.CHANGE, None, referral, status=referral.status, by="escalation")
        report.escalated_referrals += 1
    for referral in Referral.objects.filter(status=ReferralStatus.ESCALATED).select_related(
        "receiver", "sender", "district"
    ):
        message = gettext(
            "Referral %(ref)s to %(receiver)s was not answered by %(due)s and was escalated."
        ) % {
            "ref": referral.reference,
            "receiver": referral.receiver.name,
            "due": f"{timezone.localtime(referral.respond_by):%d.%m.%Y %H:%M}",
        }
        users = users_of(referral.receiver) + users_of(referral.sender)
        notices += notify_users(
            users + _referral_keepers(referral), referral, NotificationKind.OVERDUE, message
        )
    for referral in Referral.objects.outcome_overdue_on(now).select_related("receiver"):
        report.outcomes_overdue += 1
        message = gettext("The outcome of referral %(ref)s is overdue since %(due)s.") % {
            "ref": referral.reference,
            "due": f"{timezone.localtime(referral.outcome_due_by):%d.%m.%Y}",
        }
        notices += notify_users(
            users_of(referral.receiver),
            referral,
            NotificationKind.OVERDUE,
            message,
            object_type="coordination.referral.outcome",
        )
    return notices
