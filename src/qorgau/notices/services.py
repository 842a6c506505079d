"""The caseworker's side of the notifications: set up, change and stop her subscription, and
read what was sent. Each service checks the organisation wall again through the access layer
(a refusal is :class:`PermissionDenied`, audited), writes, then audits. The daily job that
finds events and sends is :mod:`qorgau.notices.job` (:func:`notices_send`, re-exported here).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import audit_refused, refusals_audited, restrict
from qorgau.accounts.roles import MANAGE_SURVIVOR_CASES
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.cases.models import SurvivorCase
from qorgau.lib.crypto import decrypt_text, encrypt_text
from qorgau.notices.job import notices_send
from qorgau.notices.models import (
    Channel,
    EventKind,
    NoticeMessage,
    NoticeSubscription,
    OutboxEntry,
)

if TYPE_CHECKING:
    from qorgau.accounts.models import User


__all__ = [
    "case_notices",
    "notices_send",
    "outbox_read",
    "subscription_save",
    "subscription_stop",
]

NO_CONSENT = _("Her consent is not in force: no notification can be set up.")
NO_EVENTS = _("Choose at least one event she wants to hear of.")
BAD_PHONE = _("Enter a phone number with its country code, e.g. +7 701 234 56 78.")
BAD_HANDLE = _("Enter a Telegram user name (@name, 5 to 32 letters, digits or _) or a phone.")
BAD_CALLBACK = _("Enter the number she may call: digits, spaces, +, - or brackets.")
IN_FUTURE = _("The date cannot be in the future.")
BEFORE_CONSENT = _("She cannot have agreed before the case's consent was given.")
QUIET_BOTH = _("Give both ends of the quiet hours, or neither.")
NOTHING_TO_STOP = _("Notifications are already stopped.")

_HANDLE = re.compile(r"@[A-Za-z0-9_]{5,32}")
_CALLBACK = re.compile(r"\+?[0-9][0-9 ()\-]{1,28}")


def _held(actor: User, case: SurvivorCase) -> None:
    """Refuse unless ``actor`` keeps the cases of the organisation that holds ``case``."""
    held = restrict(
        SurvivorCase.objects.filter(pk=case.pk), actor, permission=MANAGE_SURVIVOR_CASES
    )
    if not held.exists():
        audit_refused(SurvivorCase, actor, case.pk)
        raise PermissionDenied(_("This case is held by another organisation."))


def normalise_phone(value: str) -> str:
    """``+7 (701) 234-56-78``, ``8 701 234 56 78`` → ``+77012345678``; ``""`` if not a phone."""
    digits = re.sub(r"[\s()\-]", "", value)
    if digits.startswith("8") and len(digits) == 11:  # the Kazakh trunk prefix
        digits = "+7" + digits[1:]
    if not re.fullmatch(r"\+?[0-9]{10,15}", digits):
        return ""
    return digits if digits.startswith("+") else "+" + digits


def normalise_contact(channel: str, value: str) -> str:
    """Her contact in a form the gateway takes, or a :class:`ValidationError`."""
    value = value.strip()
    if channel == Channel.TELEGRAM and value.startswith("@"):
        if not _HANDLE.fullmatch(value):
            raise ValidationError({"contact": BAD_HANDLE})
        return value
    phone = normalise_phone(value)
    if not phone:
        raise ValidationError({"contact": BAD_PHONE})
    return phone


@refusals_audited
@transaction.atomic
def subscription_save(
    *,
    actor: User,
    case: SurvivorCase,
    channel: str,
    contact: str,
    language: str,
    events: list[str],
    callback_phone: str,
    opted_in_on: dt.date,
    explicit_wording: bool = False,
    ending_days: int = 3,
    quiet_from: dt.time | None = None,
    quiet_until: dt.time | None = None,
    request: HttpRequest | None = None,
) -> NoticeSubscription:
    """Set up her subscription, or change the one in force (a stopped one stays history)."""
    _held(actor, case)
    today = timezone.localdate()
    if not case.consent_in_force(today):
        raise ValidationError(NO_CONSENT)
    if opted_in_on > today:
        raise ValidationError({"opted_in_on": IN_FUTURE})
    if opted_in_on < case.consent_given_on:
        raise ValidationError({"opted_in_on": BEFORE_CONSENT})
    chosen = [kind for kind in EventKind.values if kind in events]
    if not chosen:
        raise ValidationError({"events": NO_EVENTS})
    if (quiet_from is None) != (quiet_until is None):
        raise ValidationError({"quiet_until": QUIET_BOTH})
    callback_phone = callback_phone.strip()
    if not _CALLBACK.fullmatch(callback_phone):
        raise ValidationError({"callback_phone": BAD_CALLBACK})
    current = _active(actor, case)
    subscription = current or NoticeSubscription(case=case, created_by=actor)
    subscription.channel = channel
    subscription.contact_token = encrypt_text(normalise_contact(channel, contact))
    subscription.language = language
    subscription.explicit_wording = explicit_wording
    subscription.events = chosen
    subscription.ending_days = ending_days
    subscription.quiet_from = quiet_from
    subscription.quiet_until = quiet_until
    subscription.callback_phone = callback_phone
    subscription.opted_in_on = opted_in_on
    subscription.full_clean()
    subscription.save()
    audit_record(
        action=AuditAction.CHANGE if current else AuditAction.CREATE,
        actor=actor,
        request=request,
        target=subscription,
        details={
            "case": case.pk,
            "channel": channel,
            "language": language,
            "explicit": explicit_wording,
            "events": chosen,
        },
    )
    return subscription


def _active(actor: User, case: SurvivorCase) -> NoticeSubscription | None:
    subscriptions = restrict(
        NoticeSubscription.objects.filter(case=case), actor, permission=MANAGE_SURVIVOR_CASES
    )
    return subscriptions.filter(stopped_on__isnull=True).first()


@refusals_audited
@transaction.atomic
def subscription_stop(
    *,
    actor: User,
    case: SurvivorCase,
    reason: str = "",
    request: HttpRequest | None = None,
) -> NoticeSubscription:
    """Stop her notifications (she asked, or the channel is no longer safe): nothing further
    is sent, and what was still queued is withheld by the next run."""
    _held(actor, case)
    subscription = _active(actor, case)
    if subscription is None:
        raise ValidationError(NOTHING_TO_STOP)
    subscription.stopped_on = timezone.localdate()
    subscription.stopped_by = actor
    subscription.stop_reason = reason
    subscription.save(update_fields=["stopped_on", "stopped_by", "stop_reason"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=actor,
        request=request,
        target=subscription,
        details={"case": case.pk, "stopped": True},
    )
    return subscription


@dataclass(frozen=True)
class CaseNotices:
    subscription: NoticeSubscription | None
    contact: str
    messages: list[tuple[NoticeMessage, str]]
    stopped: list[NoticeSubscription]


def case_notices(
    *, actor: User, case: SurvivorCase, request: HttpRequest | None = None
) -> CaseNotices:
    """Her subscription (contact decrypted), the stopped ones, and every message sent for the
    case with its text as sent; the decryption is audited once per reading."""
    _held(actor, case)
    subscriptions = list(
        restrict(
            NoticeSubscription.objects.filter(case=case), actor, permission=MANAGE_SURVIVOR_CASES
        )
    )
    active = next((item for item in subscriptions if item.is_active), None)
    messages = list(
        restrict(
            NoticeMessage.objects.filter(subscription__case=case).select_related("subscription"),
            actor,
            permission=MANAGE_SURVIVOR_CASES,
        )
    )
    audit_record(
        action=AuditAction.DECRYPT,
        actor=actor,
        request=request,
        target=case,
        details={"fields": ["notice_contact", "notice_texts"], "messages": len(messages)},
    )
    return CaseNotices(
        subscription=active,
        contact=decrypt_text(active.contact_token) if active else "",
        messages=[(message, decrypt_text(message.text_token)) for message in messages],
        stopped=[item for item in subscriptions if not item.is_active],
    )


@dataclass(frozen=True)
class OutboxLine:
    entry: OutboxEntry
    message: NoticeMessage
    to: str
    text: str


def outbox_read(
    *,
    actor: User,
    messages: Iterable[NoticeMessage],
    request: HttpRequest | None = None,
) -> list[OutboxLine]:
    """What the local gateway received for ``messages`` (already restricted to the actor's
    cases by the caller), decrypted; audited once per reading, one entry per message."""
    by_reference = {message.gateway_reference: message for message in messages}
    entries = OutboxEntry.objects.filter(reference__in=list(by_reference)).order_by(
        "-created_at", "-pk"
    )
    lines = [
        OutboxLine(
            entry=entry,
            message=by_reference[entry.reference],
            to=decrypt_text(entry.to_token),
            text=decrypt_text(entry.text_token),
        )
        for entry in entries
    ]
    if lines:
        audit_record(
            action=AuditAction.DECRYPT,
            actor=actor,
            request=request,
            object_type="notices.outboxentry",
            details={
                "fields": ["to", "text"],
                "messages": [line.message.pk for line in lines],
            },
        )
    return lines
