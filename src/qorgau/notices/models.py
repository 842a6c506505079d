"""Notifications to the survivor of a case file (issue 26): what she asked to be told, and what
was sent to her.

A :class:`NoticeSubscription` belongs to one :class:`~qorgau.cases.models.SurvivorCase` and is
seen exactly where the case is (by the users of the organisation that holds it). She chooses a
safe channel and contact, the language, whether the texts may name what happened ("protective
order", "offender") or must stay neutral, which events she wants to hear of, how many days
before an end she is warned, and hours when nothing may arrive. Her contact is a Fernet token.

A :class:`NoticeMessage` is one text for one event, created once per subscription and event
(``notice_once``: the daily job is safe to re-run), with its text as sent (a token), its status
and the gateway's reference. :class:`OutboxEntry` is the local test gateway's "phone": what
would have left the system, kept in the database instead of a provider's network.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data_of
from qorgau.cases.models import SurvivorCase


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")


class EventKind(models.TextChoices):
    """What she may be told of; each comes from the registry or a case conference."""

    ORDER_SERVED = "order_served", _("her protective order was served")
    ORDER_ENDING = "order_ending", _("her protective order ends soon")
    ORDER_BREACHED = "order_breached", _("a violation of her protective order was recorded")
    REQUIREMENT_ENDING = (
        "requirement_ending",
        _("the offender's behaviour requirement concerning her ends soon"),
    )
    CONFERENCE_DECISION = "conference_decision", _("a case conference discussed her safety")
    SAFETY_ACTION_DONE = "safety_action_done", _("an action of her safety plan was completed")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    WITHHELD = "withheld", _("withheld")


LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
DEFAULT_ENDING_DAYS = 3
MAX_ATTEMPTS = 3


class NoticeSubscriptionQuerySet(models.QuerySet["NoticeSubscription"]):
    def active(self) -> NoticeSubscriptionQuerySet:
        return self.filter(stopped_on__isnull=True)


@personal_data_of(SurvivorCase, via="case")
class NoticeSubscription(models.Model):
    """Her wish to be told of events concerning her, by a channel she chose as safe."""

    case = models.ForeignKey(
        SurvivorCase, on_delete=models.CASCADE, related_name="notice_subscriptions"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    contact_token = models.TextField()
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES)
    explicit_wording = models.BooleanField(
        _("the texts may name what happened"),
        default=False,
        help_text=_(
            "Only if she asked for it: the texts then say “protective order”, "
            "“offender”, “violation”. Anyone who sees her phone may read them."
        ),
    )
    events = models.JSONField(_("events she wants to hear of"), default=list)
    ending_days = models.PositiveSmallIntegerField(
        _("warn this many days before an end"),
        default=DEFAULT_ENDING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    quiet_from = models.TimeField(_("no messages from"), null=True, blank=True)
    quiet_until = models.TimeField(_("no messages until"), null=True, blank=True)
    callback_phone = models.CharField(
        _("number she may call"),
        max_length=30,
        help_text=_("The centre's number that every text gives her to call."),
    )
    opted_in_on = models.DateField(_("she agreed on"))
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    stop_reason = models.CharField(_("reason for stopping"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = NoticeSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification subscription")
        verbose_name_plural = _("notification subscriptions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(stopped_on__isnull=True), name="notice_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.label} {self.channel}"

    @property
    def is_active(self) -> bool:
        return self.stopped_on is None

    def wants(self, kind: str) -> bool:
        return kind in self.events

    def quiet_at(self, moment: dt.datetime) -> bool:
        """Whether ``moment`` falls in her quiet hours (local time; may span midnight)."""
        start, end = self.quiet_from, self.quiet_until
        if start is None or end is None or start == end:
            return False
        clock = timezone.localtime(moment).time()
        if start < end:
            return start <= clock < end
        return clock >= start or clock < end

    def events_display(self) -> list[str]:
        labels = dict(EventKind.choices)
        return [str(labels[kind]) for kind in EventKind.values if kind in self.events]


@personal_data_of(SurvivorCase, via="subscription__case")
class NoticeMessage(models.Model):
    """One text about one event, for one subscription: created once, sent once."""

    subscription = models.ForeignKey(
        NoticeSubscription, on_delete=models.CASCADE, related_name="messages"
    )
    event_kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    event_key = models.CharField(max_length=80)
    event_date = models.DateField(_("event date"))
    text_token = models.TextField()
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    gateway_reference = models.CharField(_("gateway reference"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification message")
        verbose_name_plural = _("notification messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_key"], name="notice_once")
        ]
        indexes = [models.Index(fields=["status"], name="notice_status")]

    def __str__(self) -> str:
        return f"{self.subscription.case.label} {self.event_key}"


class NoticeRun(models.Model):
    """One run of the daily job: the day it looked at and what it did (no personal data)."""

    as_of = models.DateField(_("as of"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    counts = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("notification run")
        verbose_name_plural = _("notification runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.as_of.isoformat()}"


class OutboxEntry(models.Model):
    """What the local test gateway "sent": kept here, never on a network (offline by design).

    The recipient and the text are tokens, as everywhere else; the outbox page decrypts them
    for the caseworkers of the case the message belongs to, and audits it.
    """

    reference = models.CharField(max_length=120, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    to_token = models.TextField()
    text_token = models.TextField()
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("local outbox message")
        verbose_name_plural = _("local outbox messages")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.reference
