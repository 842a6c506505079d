"""Survivor case files of crisis centres and family support centres (issue 26).

A :class:`SurvivorCase` is the file an organisation keeps of one survivor it helps, following
the GBVIMS/Primero workflow: intake with informed consent, the GBVIMS incident type beside the
legal types of violence, a safety plan, follow-ups on a schedule, closure approved by a
supervisor, re-opening. It belongs to the organisation that holds it and is seen by that
organisation's users only (:func:`~qorgau.accounts.access.held_by_organisation`): a survivor may
stay unknown to the police.

Identity is pseudonymised as in the registry: the IIN, if she gives it, only as its keyed
pseudonym; the name she gives, her safe contact, the safety plan and follow-up notes as Fernet
tokens (``*_token``), decrypted by :func:`qorgau.cases.services.case_texts`, which audits it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import held_by_organisation, personal_data, personal_data_of
from qorgau.accounts.roles import MANAGE_SURVIVOR_CASES
from qorgau.registry import choices as c
from qorgau.territory.models import Territory

LEGAL_TYPES = ("physical", "psychological", "sexual", "economic")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSURE_REQUESTED = "closure_requested", _("closure requested")
    CLOSED = "closed", _("closed")
    REOPENED = "reopened", _("reopened")


ACTIVE_STATUSES = (CaseStatus.OPEN, CaseStatus.REOPENED)

# The organisations that keep survivor case files and may take one over from another.
CENTRE_KINDS = ("crisis_centre", "shelter", "family_support_centre", "ngo")


class GbvimsType(models.TextChoices):
    """The six core incident types of the GBVIMS classification tool, plus its non-GBV type."""

    RAPE = "rape", _("rape")
    SEXUAL_ASSAULT = "sexual_assault", _("sexual assault")
    PHYSICAL_ASSAULT = "physical_assault", _("physical assault")
    FORCED_MARRIAGE = "forced_marriage", _("forced marriage")
    DENIAL = "denial", _("denial of resources, opportunities or services")
    PSYCHOLOGICAL = "psychological", _("psychological or emotional abuse")
    NON_GBV = "non_gbv", _("not gender-based violence")


class ShareWith(models.TextChoices):
    """Whom the survivor allows the case to be shared with (the consent form's boxes)."""

    POLICE = "police", _("police")
    HEALTH = "health", _("health services")
    LEGAL_AID = "legal_aid", _("legal aid")
    SOCIAL = "social", _("social services")
    PSYCHOLOGIST = "psychologist", _("psychological support")


class ReferredBy(models.TextChoices):
    """Who sent her to the centre: the GBVIMS intake's "referred by", and the monthly form's
    "referred by the police" figure."""

    SELF = "self", _("she came herself")
    POLICE = "police", _("police")
    HEALTH = "health", _("health services")
    SOCIAL = "social", _("social services")
    NGO = "ngo", _("non-governmental organisation")
    OTHER = "other", _("other")


class Need(models.TextChoices):
    """What she needs, as assessed: the case plan's headings."""

    SAFETY = "safety", _("safety and shelter")
    LEGAL = "legal", _("legal aid")
    HEALTH = "health", _("health care")
    PSYCHOLOGICAL = "psychological", _("psychological support")
    FINANCIAL = "financial", _("money and benefits")
    HOUSING = "housing", _("housing")
    CHILDREN = "children", _("care of the children")
    EMPLOYMENT = "employment", _("work and training")


class SurvivorCaseQuerySet(models.QuerySet["SurvivorCase"]):
    def active(self) -> SurvivorCaseQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def open_during(self, first: dt.date, last: dt.date) -> SurvivorCaseQuerySet:
        """Cases open on some day of [first, last]: opened by ``last``, not closed before
        ``first`` (a reopened case counts as open)."""
        return self.filter(opened_on__lte=last).exclude(
            status=CaseStatus.CLOSED, closed_on__lt=first
        )


@held_by_organisation(view_permission=MANAGE_SURVIVOR_CASES)
class SurvivorCase(models.Model):
    """One survivor's case file, held by one organisation."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("held by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_on = models.DateField(_("opened on"))
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caseworker"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    advocate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("advocate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The named caseworker who stands by her while the risk is high."),
    )
    referred_by = models.CharField(
        _("referred by"), max_length=10, choices=ReferredBy.choices, default=ReferredBy.SELF
    )
    injury = models.CharField(
        _("injury"), max_length=10, choices=c.InjurySeverity.choices, blank=True, default=""
    )
    iin_pseudonym = models.CharField(_("IIN pseudonym"), max_length=64, blank=True, default="")
    alias_token = models.TextField(blank=True, default="")
    contact_token = models.TextField(blank=True, default="")
    sex = models.CharField(_("sex"), max_length=1, choices=c.Sex.choices, default=c.Sex.FEMALE)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    gbvims_type = models.CharField(
        _("GBVIMS incident type"), max_length=20, choices=GbvimsType.choices
    )
    physical = models.BooleanField(_("physical violence"), default=False)
    psychological = models.BooleanField(_("psychological violence"), default=False)
    sexual = models.BooleanField(_("sexual violence"), default=False)
    economic = models.BooleanField(_("economic violence"), default=False)
    consent_share = models.JSONField(_("may be shared with"), default=list, blank=True)
    consent_given_on = models.DateField(_("consent given on"))
    consent_expires_on = models.DateField(_("consent expires on"), null=True, blank=True)
    consent_withdrawn_on = models.DateField(_("consent withdrawn on"), null=True, blank=True)
    closure_reason = models.CharField(_("reason for closure"), max_length=500, blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closure_requested_on = models.DateField(_("closure requested on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closure approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    reopened_on = models.DateField(_("reopened on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SurvivorCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("survivor case")
        verbose_name_plural = _("survivor cases")
        ordering = ["-opened_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "status"], name="survivor_case_org")]
        permissions = [
            ("manage_survivor_cases", _("Can keep the survivor case files of the organisation")),
            ("approve_case_closure", _("Can approve the closure of a survivor case")),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("cases:case_detail", args=[self.pk])

    @property
    def label(self) -> str:
        """A pseudonymous label: never a name."""
        return f"SC-{self.pk:06d}" if self.pk else "SC-new"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def legal_types(self) -> list[str]:
        return [name for name in LEGAL_TYPES if getattr(self, name)]

    def consent_in_force(self, on: dt.date | None = None) -> bool:
        """Whether her consent holds on ``on`` (today): given, not expired, not withdrawn."""
        day = on or timezone.localdate()
        if self.consent_withdrawn_on is not None and self.consent_withdrawn_on <= day:
            return False
        if self.consent_given_on > day:
            return False
        return self.consent_expires_on is None or day <= self.consent_expires_on

    def may_share(self, with_kind: str, on: dt.date | None = None) -> bool:
        """Whether the case may be shared with ``with_kind`` (a :class:`ShareWith`) on ``on``.

        The one rule every share (a referral, a register record, a notification) asks: only
        what she agreed to, only while her consent holds; a withdrawal stops everything after.
        """
        return self.consent_in_force(on) and with_kind in self.consent_share

    @property
    def is_child(self) -> bool:
        """Under 18 in the year the case opened (unknown age counts as adult)."""
        return self.birth_year is not None and self.opened_on.year - self.birth_year < 18

    def shared_with_display(self) -> list[str]:
        labels = dict(ShareWith.choices)
        return [str(labels[kind]) for kind in self.consent_share if kind in labels]


@personal_data_of(SurvivorCase, via="case")
class SafetyPlan(models.Model):
    """One version of the case's safety plan; the newest is in force, older ones are history."""

    case = models.ForeignKey(SurvivorCase, on_delete=models.CASCADE, related_name="safety_plans")
    text_token = models.TextField()
    written_on = models.DateField(_("written on"))
    review_on = models.DateField(_("review on"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("safety plan")
        verbose_name_plural = _("safety plans")
        ordering = ["-written_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case.label} {self.written_on.isoformat()}"


@personal_data_of(SurvivorCase, via="case")
class CaseFollowUp(models.Model):
    """A follow-up contact planned for a day and, once made, recorded with a note."""

    case = models.ForeignKey(SurvivorCase, on_delete=models.CASCADE, related_name="followups")
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note_token = models.TextField(blank=True, default="")
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.case.label} {self.due_on.isoformat()}"

    def is_overdue(self, on: dt.date | None = None) -> bool:
        return self.done_on is None and self.due_on < (on or timezone.localdate())


@personal_data_of(SurvivorCase, via="case")
class CaseAssessment(models.Model):
    """Her risk, scored with the project's risk instrument, and her needs, on one day.

    The newest assessment is the case's current risk: a high or critical level asks for a
    named advocate. The answers are the instrument's items; the level may be raised by the
    caseworker with a reason, never lowered (as in the police register's assessment).
    """

    case = models.ForeignKey(SurvivorCase, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"))
    instrument = models.CharField(_("instrument"), max_length=40)
    instrument_version = models.PositiveSmallIntegerField(_("version"))
    answers = models.JSONField(_("answers"), default=dict)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    computed_level = models.CharField(
        _("computed level"), max_length=10, choices=c.RiskLevel.choices
    )
    level = models.CharField(_("risk level"), max_length=10, choices=c.RiskLevel.choices)
    override_reason = models.CharField(_("reason for a higher level"), max_length=500, blank=True)
    needs = models.JSONField(_("needs"), default=list, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("case assessment")
        verbose_name_plural = _("case assessments")
        ordering = ["-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case.label} {self.assessed_on.isoformat()}"

    @property
    def is_high(self) -> bool:
        return self.level in HIGH_LEVELS

    def needs_display(self) -> list[str]:
        labels = dict(Need.choices)
        return [str(labels[need]) for need in self.needs if need in labels]


HIGH_LEVELS = (c.RiskLevel.HIGH, c.RiskLevel.CRITICAL)


@personal_data_of(SurvivorCase, via="case")
class CaseReferral(models.Model):
    """A referral of the closed loop (:class:`coordination.Referral`) sent from this case.

    The referral itself carries no name, only the case's consent as its sharing basis; this
    row ties it to the case, so the case page shows its answer and outcome and a withdrawal
    of consent can withdraw what is still waiting.
    """

    case = models.ForeignKey(SurvivorCase, on_delete=models.CASCADE, related_name="referrals")
    referral = models.OneToOneField(
        "coordination.Referral", on_delete=models.CASCADE, related_name="+"
    )
    share_kind = models.CharField(_("shared with"), max_length=20, choices=ShareWith.choices)

    class Meta:
        verbose_name = _("referral from a case")
        verbose_name_plural = _("referrals from cases")
        ordering = ["-referral__sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case.label} {self.referral.reference}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the receiving organisation")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")


@personal_data(
    view_permission=MANAGE_SURVIVOR_CASES,
    organisation=("case__organisation", "to_organisation"),
)
class CaseTransfer(models.Model):
    """A case handed to another organisation with her consent (she moved, or needs a shelter).

    Until the receiver accepts, the case stays with the sender and the receiver sees only this
    request (district, incident type, current risk); on acceptance the case, its plans and
    follow-ups move to the receiver, and the sender no longer sees them.
    """

    case = models.ForeignKey(SurvivorCase, on_delete=models.CASCADE, related_name="transfers")
    from_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500)
    consent_reference = models.CharField(_("her consent to the transfer"), max_length=400)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_on = models.DateField(_("requested on"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        ordering = ["-requested_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="case_transfer_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.label} → {self.to_organisation_id}"
