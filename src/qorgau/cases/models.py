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

from qorgau.accounts.access import held_by_organisation, personal_data_of
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


class SurvivorCaseQuerySet(models.QuerySet["SurvivorCase"]):
    def active(self) -> SurvivorCaseQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)


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
