"""Coordinating bodies of the akimats, their meetings and decisions, multi-agency case
conferences for high-risk cases with safety action plans, closed-loop referrals between agencies,
and the notifications that keep every owner aware of what is due.

A case conference follows the UK MARAC model (see ``docs/coordination.md``). Agencies are
:class:`qorgau.accounts.models.Organisation` rows (police, health, education, social protection,
justice, prosecutor, legal aid, NGO, crisis centre, provider). Records that name a person are
registered with the access layer; an agency user additionally sees only what its agency owns
(:mod:`qorgau.coordination.selectors`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data
from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.accounts.roles import VIEW_PERSONAL_DATA
from qorgau.lib.languages import in_language
from qorgau.registry.models import Person
from qorgau.territory.models import Territory


class CoordinatingBody(models.Model):
    """The coordinating body for family, children and youth affairs of an akimat."""

    name = models.CharField(_("name"), max_length=300)
    name_kk = models.CharField(_("name in Kazakh"), max_length=300, blank=True, default="")
    name_ru = models.CharField(_("name in Russian"), max_length=300, blank=True, default="")
    name_en = models.CharField(_("name in English"), max_length=300, blank=True, default="")
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territory"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The region (or district) of the akimat."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coordinating body")
        verbose_name_plural = _("coordinating bodies")
        ordering = ["territory__kato_code", "name"]
        permissions = [
            ("keep_coordinating_body", _("Can keep a coordinating body and its conferences")),
            ("act_for_agency", _("Can act on the actions and referrals of own agency")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="body_unique_name"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("coordination:body_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        """The name in the reader's language, else as entered (``name`` stays the key)."""
        return in_language(self, "name")


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("chair")
    SECRETARY = "secretary", _("secretary")
    MEMBER = "member", _("member")


class Membership(models.Model):
    """An agency sitting on a coordinating body."""

    body = models.ForeignKey(CoordinatingBody, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    joined_on = models.DateField(_("member since"), default=dt.date.today)
    left_on = models.DateField(_("member until"), null=True, blank=True)

    class Meta:
        verbose_name = _("member agency")
        verbose_name_plural = _("member agencies")
        ordering = ["organisation__kind", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["body", "organisation"], name="membership_once"),
        ]

    def __str__(self) -> str:
        return f"{self.body}: {self.organisation}"


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("meeting")
    CONFERENCE = "conference", _("case conference")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")


class Meeting(models.Model):
    body = models.ForeignKey(
        CoordinatingBody,
        verbose_name=_("coordinating body"),
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=MeetingKind.choices, default=MeetingKind.REGULAR
    )
    planned_at = models.DateTimeField(_("planned for"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration, minutes"), default=120)
    place = models.CharField(_("place"), max_length=300, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    held_on = models.DateField(_("held on"), null=True, blank=True)
    attendees = models.ManyToManyField(
        Organisation, verbose_name=_("agencies present"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-planned_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.planned_at):%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("coordination:meeting_detail", args=[self.pk])


class ItemStatus(models.TextChoices):
    """The life of a decision, an action or a referral's obligation to its owner."""

    OPEN = "open", _("open")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    ESCALATED = "escalated", _("overdue, escalated")
    CANCELLED = "cancelled", _("cancelled")


OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS, ItemStatus.ESCALATED)


class TrackedQuerySet(models.QuerySet[Any]):
    """Decisions and actions share their deadline logic."""

    def still_open(self) -> TrackedQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue_on(self, day: dt.date) -> TrackedQuerySet:
        return self.still_open().filter(deadline__lt=day)

    def due_within(self, day: dt.date, days: int) -> TrackedQuerySet:
        return self.still_open().filter(
            deadline__gte=day, deadline__lte=day + dt.timedelta(days=days)
        )


class Tracked(models.Model):
    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner agency"), on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.OPEN
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    progress_note = models.CharField(_("progress"), max_length=500, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, day: dt.date | None = None) -> bool:
        return self.is_open and self.deadline < (day or timezone.localdate())

    @property
    def on_time(self) -> bool | None:
        """Done by the deadline; ``None`` while open."""
        if self.status != ItemStatus.DONE or self.completed_on is None:
            return None
        return self.completed_on <= self.deadline


class Decision(Tracked):
    """A decision of a meeting, owned by one agency, tracked to completion."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"))

    objects = TrackedQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("coordination:decision_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"D-{self.pk:06d}" if self.pk else "D-new"


# Why a case is proposed for a conference (the selectors' criteria), as shown to the reader.
CASE_REASONS: dict[str, str | Promise] = {
    "high_risk": _("high or critical risk"),
    "repeated_incidents": _("repeated incidents"),
    "violations": _("violations of an order or requirement"),
    "children_at_risk": _("children at risk"),
    "repeat_case": _("discussed before"),
}


def reason_labels(reasons: Iterable[str]) -> str:
    """A case's reasons in the reader's language, joined; an unknown code is shown as stored."""
    return ", ".join(str(CASE_REASONS.get(code, code)) for code in sorted(reasons))


class SharingBasis(models.TextChoices):
    """Why the agencies may share what they know about the case (recorded for each case)."""

    CONSENT = "consent", _("consent of the victim")
    LAW = "law", _("legal duty or power to share")
    VITAL_INTEREST = "vital_interest", _("risk to life or health without consent")


class ConferenceCaseQuerySet(models.QuerySet["ConferenceCase"]):
    pass


@personal_data(view_permission=VIEW_PERSONAL_DATA, territory=("district",))
class ConferenceCase(models.Model):
    """One high-risk case discussed at a case conference, with the basis for sharing it."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("case conference"), on_delete=models.CASCADE, related_name="cases"
    )
    victim = models.ForeignKey(
        Person, verbose_name=_("victim"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    discussed_on = models.DateField(_("discussed on"))
    reasons = models.JSONField(_("why it was proposed"), default=list)
    sharing_basis = models.CharField(
        _("basis for sharing information"), max_length=16, choices=SharingBasis.choices
    )
    sharing_reference = models.CharField(
        _("legal reference or consent record"),
        max_length=400,
        help_text=_("The article of law, or where and when the victim consented."),
    )
    summary = models.TextField(_("summary of the risk"), blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True, default="")

    objects = ConferenceCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("conference case")
        verbose_name_plural = _("conference cases")
        ordering = ["-discussed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "victim"], name="case_once_per_meeting"),
        ]
        indexes = [models.Index(fields=["victim", "discussed_on"], name="case_victim_day")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("coordination:case_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """Pseudonymous: what an agency sees instead of a name."""
        return f"MC-{self.pk:06d}" if self.pk else "MC-new"


@personal_data(
    view_permission=VIEW_PERSONAL_DATA, territory=("case__district",), organisation=("owner",)
)
class SafetyAction(Tracked):
    """One action of a case's safety action plan, owned by one agency."""

    case = models.ForeignKey(
        ConferenceCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField(_("action"), max_length=500)

    objects = TrackedQuerySet.as_manager()

    class Meta:
        verbose_name = _("safety action")
        verbose_name_plural = _("safety actions")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("coordination:action_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"A-{self.pk:06d}" if self.pk else "A-new"


class ReferralKind(models.Model):
    """A kind of referral and how long its receiver has to answer and to report: data, not code."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, help_text=_("As entered."))
    name_kk = models.CharField(_("name in Kazakh"), max_length=200, blank=True, default="")
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True, default="")
    name_en = models.CharField(_("name in English"), max_length=200, blank=True, default="")
    receiver_kinds = models.JSONField(
        _("kinds of receiving agency"),
        default=list,
        help_text=_("Organisation kinds that may receive this referral."),
    )
    respond_within_hours = models.PositiveIntegerField(_("accept or decline within, hours"))
    outcome_within_days = models.PositiveIntegerField(_("report the outcome within, days"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("kind of referral")
        verbose_name_plural = _("kinds of referral")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language, else as entered."""
        return in_language(self, "name")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("sent, awaiting an answer")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    COMPLETED = "completed", _("completed, outcome reported")
    ESCALATED = "escalated", _("unanswered, escalated")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ReferralOutcome(models.TextChoices):
    SERVICE_GIVEN = "service_given", _("service given")
    PARTLY = "partly", _("service partly given")
    CLIENT_REFUSED = "client_refused", _("the person refused the service")
    NOT_REACHED = "not_reached", _("the person could not be reached")


class ReferralQuerySet(models.QuerySet["Referral"]):
    def unanswered_by(self, moment: dt.datetime) -> ReferralQuerySet:
        return self.filter(status=ReferralStatus.SENT, respond_by__lt=moment)

    def outcome_overdue_on(self, moment: dt.datetime) -> ReferralQuerySet:
        return self.filter(status=ReferralStatus.ACCEPTED, outcome_due_by__lt=moment)


@personal_data(
    view_permission=VIEW_PERSONAL_DATA,
    territory=("district",),
    organisation=("sender", "receiver"),
)
class Referral(models.Model):
    """A closed-loop referral: the receiver answers in time, then reports the outcome."""

    kind = models.ForeignKey(
        ReferralKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person referred"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        ConferenceCase,
        verbose_name=_("conference case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    sender = models.ForeignKey(
        Organisation, verbose_name=_("referring agency"), on_delete=models.PROTECT, related_name="+"
    )
    receiver = models.ForeignKey(
        Organisation, verbose_name=_("receiving agency"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("what is asked"), max_length=500)
    sharing_basis = models.CharField(
        _("basis for sharing information"), max_length=16, choices=SharingBasis.choices
    )
    sharing_reference = models.CharField(
        _("legal reference or consent record"), max_length=400, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    sent_at = models.DateTimeField(_("sent at"))
    respond_by = models.DateTimeField(_("answer due by"))
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=500, blank=True)
    outcome_due_by = models.DateTimeField(_("outcome due by"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ReferralOutcome.choices, blank=True
    )
    outcome_note = models.CharField(_("outcome note"), max_length=500, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("source"), max_length=40, blank=True, default="")

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["status", "respond_by"], name="referral_status_due")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(sender=models.F("receiver")), name="referral_to_another_agency"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("coordination:referral_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"R-{self.pk:06d}" if self.pk else "R-new"

    @property
    def case_reference(self) -> str:
        """What the receiver sees of the person: a pseudonymous reference."""
        return f"P-{self.person_id:06d}" if self.person_id else "—"


class NotificationKind(models.TextChoices):
    NEW = "new", _("new")
    DUE = "due", _("due soon")
    OVERDUE = "overdue", _("overdue")
    ANSWERED = "answered", _("answered")


class Notification(models.Model):
    """An in-system message to one user; never names a person, only references."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordination_notices"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=NotificationKind.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    message = models.CharField(_("message"), max_length=500)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One notice per user, item and kind: the escalation run is idempotent.
            models.UniqueConstraint(
                fields=["user", "object_type", "object_id", "kind"], name="notification_once"
            )
        ]

    def __str__(self) -> str:
        return self.message


class CalendarFeed(models.Model):
    """The secret that lets a calendar application fetch one user's meetings without a session."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordination_calendar"
    )
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user}"


AGENCY_KINDS = [
    OrganisationKind.POLICE,
    OrganisationKind.HEALTH,
    OrganisationKind.EDUCATION,
    OrganisationKind.SOCIAL_PROTECTION,
    OrganisationKind.JUSTICE,
    OrganisationKind.PROSECUTOR,
    OrganisationKind.LEGAL_AID,
    OrganisationKind.NGO,
    OrganisationKind.CRISIS_CENTRE,
    OrganisationKind.FAMILY_SUPPORT_CENTRE,
    OrganisationKind.SHELTER,
    OrganisationKind.PROGRAM_PROVIDER,
]
