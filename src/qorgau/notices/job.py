"""The daily job: find the events each survivor asked to hear of, and send each one once.

``qorgau notices send [--as-of DATE]`` runs :func:`notices_send`, as the system. For every
active subscription whose case's consent is in force, it looks for events concerning *her* —
the registry person whose IIN pseudonym is the case's (only when she gave her IIN; no link, no
registry events) — and creates one :class:`~qorgau.notices.models.NoticeMessage` per event and
subscription (``notice_once``), then hands the queued messages to the gateway:

* her protective order served; ending within ``ending_days`` (once per end date: an extension
  that moves the end brings a new warning); a violation of it recorded;
* the offender's special behaviour requirement protecting her ending within ``ending_days``;
* a case conference that discussed her (once the meeting is held); an action of her safety
  plan completed.

Dated events are looked for from the previous run's day (or :data:`LOOKBACK_DAYS` before
``as_of``, whichever is earlier — an event the police record a few days late is still found),
never before she agreed. A message waits (stays queued) during her quiet hours; a gateway
failure is tried again on the next run and marked failed after ``MAX_ATTEMPTS``. Consent no
longer in force, the subscription stopped, or the event no longer wanted: nothing is sent, and
what was still queued is withheld with the reason. Every message created, sent, failed or
withheld is written to the audit trail (by the system, no actor); no text, contact or name goes
into the audit entry.

The job reads the registry and the case files as the system: it is listed in
``accounts/tests/access_exemptions.py``. Nothing it reads leaves except the texts, which carry
only a date and the number she may call.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.cases.models import SurvivorCase
from qorgau.coordination.models import ConferenceCase, ItemStatus, MeetingStatus, SafetyAction
from qorgau.lib.crypto import decrypt_text, encrypt_text
from qorgau.notices.gateways import GatewayError, MessageGateway, configured_gateway
from qorgau.notices.models import (
    MAX_ATTEMPTS,
    EventKind,
    MessageStatus,
    NoticeMessage,
    NoticeRun,
    NoticeSubscription,
)
from qorgau.notices.texts import notice_text
from qorgau.registry.models import OrderViolation, Person, ProtectiveOrder
from qorgau.registry.models.requirements import BehaviourRequirement

log = logging.getLogger(__name__)

LOOKBACK_DAYS = 7

# Reasons recorded on a message (stored as written, shown translated on the pages).
QUIET_HOURS = "quiet_hours"
CONSENT_ENDED = "consent_not_in_force"
STOPPED = "subscription_stopped"
NOT_WANTED = "event_no_longer_wanted"
REASONS = {
    QUIET_HOURS: _("waiting for the end of her quiet hours"),
    CONSENT_ENDED: _("her consent is no longer in force"),
    STOPPED: _("the notifications were stopped"),
    NOT_WANTED: _("she no longer wants to hear of this event"),
}


def reason_display(reason: str) -> str:
    """A message's reason in the reader's language (a gateway's error is shown as recorded)."""
    return str(REASONS.get(reason, reason))


@dataclass(frozen=True)
class Event:
    kind: str
    key: str
    day: dt.date


@dataclass
class SendReport:
    subscriptions: int = 0
    found: int = 0
    sent: int = 0
    queued: int = 0
    failed: int = 0
    retrying: int = 0
    withheld: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def consent_holds(case: SurvivorCase, day: dt.date) -> bool:
    """The case's consent rule, as every share asks it (``SurvivorCase.consent_in_force``).

    The subscription is her agreement to be told; the case's consent is what lets the centre
    use her case (her IIN pseudonym) at all. Withdrawn or expired, nothing further is sent.
    """
    return case.consent_in_force(day)


# --- Events ------------------------------------------------------------------------------------


def linked_person(case: SurvivorCase) -> Person | None:
    """The registry person the case is linked to by her IIN pseudonym, if she gave her IIN."""
    if not case.iin_pseudonym:
        return None
    return Person.objects.filter(iin_pseudonym=case.iin_pseudonym).first()


def events_for(
    subscription: NoticeSubscription, person: Person, *, since: dt.date, as_of: dt.date
) -> Iterator[Event]:
    """The events concerning ``person`` that ``subscription`` asked for, dated in
    [``since``, ``as_of``] (an end: due within ``ending_days`` of ``as_of``)."""
    start = max(since, subscription.opted_in_on)
    horizon = as_of + dt.timedelta(days=subscription.ending_days)

    def wanted(kind: str) -> bool:
        return subscription.wants(kind)

    if wanted(EventKind.ORDER_SERVED):
        served = ProtectiveOrder.objects.filter(
            protected_persons=person, served_on__gte=start, served_on__lte=as_of
        ).exclude(revoked_on__lte=as_of)
        for order in served.only("pk", "served_on"):
            assert order.served_on is not None
            yield Event(EventKind.ORDER_SERVED, f"order:{order.pk}:served", order.served_on)
    if wanted(EventKind.ORDER_ENDING):
        ending = ProtectiveOrder.objects.in_force_on(as_of).filter(
            protected_persons=person, ends_on__lte=horizon
        )
        for order in ending.only("pk", "ends_on"):
            assert order.ends_on is not None
            key = f"order:{order.pk}:ending:{order.ends_on.isoformat()}"
            yield Event(EventKind.ORDER_ENDING, key, order.ends_on)
    if wanted(EventKind.ORDER_BREACHED):
        violations = OrderViolation.objects.filter(
            order__protected_persons=person, occurred_on__gte=start, occurred_on__lte=as_of
        )
        for violation in violations.only("pk", "occurred_on"):
            key = f"violation:{violation.pk}"
            yield Event(EventKind.ORDER_BREACHED, key, violation.occurred_on)
    if wanted(EventKind.REQUIREMENT_ENDING):
        requirements = BehaviourRequirement.objects.in_force_on(as_of).filter(
            protected_persons=person, ends_on__lte=horizon
        )
        for requirement in requirements.only("pk", "ends_on"):
            key = f"requirement:{requirement.pk}:ending:{requirement.ends_on.isoformat()}"
            yield Event(EventKind.REQUIREMENT_ENDING, key, requirement.ends_on)
    if wanted(EventKind.CONFERENCE_DECISION):
        discussed = ConferenceCase.objects.filter(
            victim=person, meeting__status=MeetingStatus.HELD
        ).select_related("meeting")
        for conference in discussed:
            day = conference.meeting.held_on or conference.discussed_on
            if start <= day <= as_of:
                key = f"conference:{conference.pk}"
                yield Event(EventKind.CONFERENCE_DECISION, key, day)
    if wanted(EventKind.SAFETY_ACTION_DONE):
        done = SafetyAction.objects.filter(
            case__victim=person,
            status=ItemStatus.DONE,
            completed_on__gte=start,
            completed_on__lte=as_of,
        )
        for action in done.only("pk", "completed_on"):
            assert action.completed_on is not None
            key = f"action:{action.pk}:done"
            yield Event(EventKind.SAFETY_ACTION_DONE, key, action.completed_on)


def _audit(message: NoticeMessage, action: AuditAction, **details: Any) -> None:
    audit_record(
        action=action,
        target=message,
        details={
            "case": message.subscription.case_id,
            "kind": message.event_kind,
            "channel": message.channel,
            "status": message.status,
            "job": True,
            **details,
        },
    )


def _create(subscription: NoticeSubscription, event: Event, known: set[str]) -> bool:
    """One queued message for ``event``, unless the case already has one for it."""
    if event.key in known:
        return False
    text = notice_text(
        event.kind,
        language=subscription.language,
        explicit=subscription.explicit_wording,
        day=event.day,
        callback_phone=subscription.callback_phone,
    )
    try:
        with transaction.atomic():
            message = NoticeMessage.objects.create(
                subscription=subscription,
                event_kind=event.kind,
                event_key=event.key,
                event_date=event.day,
                text_token=encrypt_text(text),
                language=subscription.language,
                channel=subscription.channel,
            )
            _audit(message, AuditAction.CREATE)
    except IntegrityError:  # another run created it a moment ago
        return False
    known.add(event.key)
    return True


def _withhold(message: NoticeMessage, reason: str) -> None:
    with transaction.atomic():
        message.status = MessageStatus.WITHHELD
        message.reason = reason
        message.save(update_fields=["status", "reason"])
        _audit(message, AuditAction.CHANGE, reason=reason)


def _deliver(message: NoticeMessage, gateway: MessageGateway, now: dt.datetime) -> str:
    """Try to send one queued message; the status it ends in (queued while retrying)."""
    claimed = NoticeMessage.objects.filter(
        pk=message.pk, status=MessageStatus.QUEUED, attempts=message.attempts
    ).update(attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:  # another run is sending it
        return ""
    message.attempts += 1
    message.last_attempt_at = now
    subscription = message.subscription
    try:
        receipt = gateway.send(
            message.channel,
            decrypt_text(subscription.contact_token),
            decrypt_text(message.text_token),
        )
    except Exception as exc:  # any failure of the provider: the contract's GatewayError or not
        log.warning("notice %s: not accepted by the gateway (%s)", message.pk, type(exc).__name__)
        # Only a GatewayError's own words are kept: another exception's text may quote the
        # recipient or the message (a URL, a request body).
        detail = f": {exc}" if isinstance(exc, GatewayError) and str(exc) else ""
        message.reason = f"{type(exc).__name__}{detail}"[:200]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
    else:
        message.status = MessageStatus.SENT
        message.reason = ""
        message.gateway_reference = receipt.reference[:120]
        message.sent_at = timezone.now()
    with transaction.atomic():
        message.save(update_fields=["status", "reason", "gateway_reference", "sent_at"])
        _audit(message, AuditAction.CHANGE, attempt=message.attempts)
    return str(message.status)


def _since(as_of: dt.date) -> dt.date:
    """From when dated events are looked for: the previous run's day, at most a week back."""
    earliest = as_of - dt.timedelta(days=LOOKBACK_DAYS)
    finished = NoticeRun.objects.filter(finished_at__isnull=False, as_of__lte=as_of)
    previous = finished.order_by("-as_of").first()
    return min(previous.as_of, earliest) if previous else earliest


def notices_send(
    *,
    as_of: dt.date,
    now: dt.datetime | None = None,
    gateway: MessageGateway | None = None,
) -> SendReport:
    """Find the events up to ``as_of`` and send every message due; safe to re-run."""
    now = now or timezone.now()
    gateway = gateway or configured_gateway()
    report = SendReport()
    run = NoticeRun.objects.create(as_of=as_of, started_at=now)
    since = _since(as_of)
    subscriptions = NoticeSubscription.objects.select_related("case")
    for subscription in subscriptions.active():
        case = subscription.case
        if not consent_holds(case, as_of) or subscription.opted_in_on > as_of:
            continue
        report.subscriptions += 1
        person = linked_person(case)
        if person is None:
            continue
        known = set(
            NoticeMessage.objects.filter(subscription__case=case).values_list(
                "event_key", flat=True
            )
        )
        for event in events_for(subscription, person, since=since, as_of=as_of):
            report.found += _create(subscription, event, known)

    queued = NoticeMessage.objects.filter(status=MessageStatus.QUEUED).select_related(
        "subscription__case"
    )
    for message in queued.order_by("created_at", "pk"):
        subscription = message.subscription
        if not subscription.is_active:
            _withhold(message, STOPPED)
        elif not consent_holds(subscription.case, as_of):
            _withhold(message, CONSENT_ENDED)
        elif not subscription.wants(message.event_kind):
            _withhold(message, NOT_WANTED)
        elif subscription.quiet_at(now):
            if message.reason != QUIET_HOURS:
                message.reason = QUIET_HOURS
                message.save(update_fields=["reason"])
            report.queued += 1
            continue
        else:
            status = _deliver(message, gateway, now)
            if status == MessageStatus.SENT:
                report.sent += 1
            elif status == MessageStatus.FAILED:
                report.failed += 1
            elif status == MessageStatus.QUEUED:
                report.retrying += 1
            continue
        report.withheld += 1
    run.finished_at = timezone.now()
    run.counts = report.as_dict()
    run.save(update_fields=["finished_at", "counts"])
    return report
