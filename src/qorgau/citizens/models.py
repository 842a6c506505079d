"""The citizen portal: anonymous reports and their triage, the help directory, volunteers.

A report is made without an account. What could identify someone (the free-text account,
the address, a safe way to be contacted) is stored encrypted and decrypted only for the
triaging roles, each time audited. The reporter's IP address is never stored: rate limits
keep a keyed hash of it in the cache, which expires within the hour.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data, personal_data_of
from qorgau.accounts.roles import TRIAGE_CITIZEN_REPORTS, VET_VOLUNTEERS
from qorgau.lib.languages import in_language
from qorgau.lib.phrases import phrase
from qorgau.territory.models import Territory

TRIAGE_TARGET = dt.timedelta(hours=24)


class AtRisk(models.TextChoices):
    MYSELF = "myself", _("I am")
    WOMAN = "woman", _("a woman")
    MAN = "man", _("a man")
    CHILD = "child", _("a child")
    ELDERLY = "elderly", _("an older person")
    OTHER = "other", _("someone else")


class Reporter(models.TextChoices):
    SELF = "self", _("the person at risk")
    RELATIVE = "relative", _("a relative")
    NEIGHBOUR = "neighbour", _("a neighbour")
    OTHER = "other", _("someone else")


class ReportStatus(models.TextChoices):
    NEW = "new", _("waiting for triage")
    LINKED = "linked", _("linked to a registered case")
    REFERRED = "referred", _("referred to a service")
    CLOSED = "closed", _("closed")


class CloseReason(models.TextChoices):
    DUPLICATE = "duplicate", _("duplicate of another report")
    NOT_DOMESTIC = "not_domestic", _("not family-domestic violence")
    NOT_ENOUGH = "not_enough", _("not enough information to act")
    FALSE = "false", _("false or abusive report")
    RESOLVED = "resolved", _("already resolved")


class CitizenReportQuerySet(models.QuerySet["CitizenReport"]):
    def waiting(self) -> CitizenReportQuerySet:
        return self.filter(status=ReportStatus.NEW)

    def triaged(self) -> CitizenReportQuerySet:
        return self.exclude(status=ReportStatus.NEW)


@personal_data(view_permission=TRIAGE_CITIZEN_REPORTS, territory=("district",))
class CitizenReport(models.Model):
    """One anonymous report; the receipt code is kept only as a keyed digest."""

    receipt_digest = models.CharField(max_length=64, unique=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    happening_now = models.BooleanField(_("happening now"), default=False)
    occurred_on = models.DateField(_("when it happened"), null=True, blank=True)
    at_risk = models.CharField(_("who is at risk"), max_length=10, choices=AtRisk.choices)
    reporter = models.CharField(
        _("who reports"), max_length=10, choices=Reporter.choices, default=Reporter.OTHER
    )
    children_involved = models.BooleanField(_("children involved"), default=False)
    account_token = models.TextField(default="")
    address_token = models.TextField(blank=True, default="")
    contact_token = models.TextField(blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.NEW
    )
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triaged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    linked_incident = models.ForeignKey(
        "registry.Incident",
        verbose_name=_("linked incident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linked_person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("linked person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    referred_to = models.ForeignKey(
        "HelpService",
        verbose_name=_("referred to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    close_reason = models.CharField(
        _("reason for closing"), max_length=16, choices=CloseReason.choices, blank=True
    )
    triage_note = models.CharField(_("triage note"), max_length=500, blank=True)
    source = models.CharField(max_length=16, default="portal", db_index=True)

    objects: ClassVar[CitizenReportQuerySet] = CitizenReportQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        ordering = ["submitted_at"]
        indexes = [models.Index(fields=["status", "district"], name="citizen_report_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ReportStatus.NEW) | Q(triaged_at__isnull=False),
                name="citizen_report_triaged_has_time",
            ),
        ]
        permissions = [
            ("triage_reports", _("Can triage citizen reports")),
            ("keep_help_directory", _("Can keep the help directory")),
            ("vet_volunteers", _("Can vet volunteers and community councils")),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"CR-{self.pk:06d}" if self.pk else "CR-new"

    def waiting_for(self, now: dt.datetime | None = None) -> dt.timedelta:
        return (self.triaged_at or now or timezone.now()) - self.submitted_at

    @property
    def time_to_triage(self) -> dt.timedelta | None:
        return self.triaged_at - self.submitted_at if self.triaged_at else None

    @property
    def triaged_within_target(self) -> bool:
        ttt = self.time_to_triage
        return ttt is not None and ttt <= TRIAGE_TARGET


@personal_data_of(CitizenReport, via="report")
class ReportAddition(models.Model):
    """Information the reporter added later, with the receipt code."""

    report = models.ForeignKey(CitizenReport, on_delete=models.CASCADE, related_name="additions")
    added_at = models.DateTimeField(default=timezone.now)
    text_token = models.TextField()

    class Meta:
        ordering = ["added_at"]

    def __str__(self) -> str:
        return f"{self.report.label} +{self.added_at:%Y-%m-%d %H:%M}"


class ServiceKind(models.TextChoices):
    CRISIS_CENTRE = "crisis_centre", _("crisis centre")
    SHELTER = "shelter", _("shelter")
    FAMILY_SUPPORT = "family_support", _("family support centre")
    HOTLINE = "hotline", _("hotline")
    LEGAL_AID = "legal_aid", _("legal aid")
    PSYCHOLOGIST = "psychologist", _("psychologist")


LANGUAGE_NAMES = {"kk": _("Kazakh"), "ru": _("Russian"), "en": _("English")}


class HelpServiceQuerySet(models.QuerySet["HelpService"]):
    def active(self) -> HelpServiceQuerySet:
        return self.filter(active=True)

    def search(
        self, *, region: Territory | None = None, kind: str = "", text: str = ""
    ) -> HelpServiceQuerySet:
        """Services for a region (national hotlines included everywhere), kind and words."""
        queryset = self
        if region is not None:
            queryset = queryset.filter(Q(region=region) | Q(region__isnull=True))
        if kind:
            queryset = queryset.filter(kind=kind)
        for word in text.split()[:8]:
            queryset = queryset.filter(
                Q(name__icontains=word)
                | Q(name_kk__icontains=word)
                | Q(name_ru__icontains=word)
                | Q(name_en__icontains=word)
                | Q(description__icontains=word)
                | Q(description_kk__icontains=word)
                | Q(description_ru__icontains=word)
                | Q(description_en__icontains=word)
                | Q(address__icontains=word)
                | Q(languages__icontains=word)
            )
        return queryset


class HelpService(models.Model):
    """A place or line where a person can find help; public information, not personal data."""

    name = models.CharField(_("name"), max_length=200, help_text=_("As entered."))
    name_kk = models.CharField(_("name in Kazakh"), max_length=200, blank=True, default="")
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True, default="")
    name_en = models.CharField(_("name in English"), max_length=200, blank=True, default="")
    kind = models.CharField(_("kind of service"), max_length=16, choices=ServiceKind.choices)
    region = models.ForeignKey(
        Territory,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty for a national service."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    languages = models.CharField(_("languages"), max_length=60, default="kk, ru")
    free_of_charge = models.BooleanField(_("free of charge"), default=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    description_kk = models.TextField(_("description in Kazakh"), max_length=2000, blank=True)
    description_ru = models.TextField(_("description in Russian"), max_length=2000, blank=True)
    description_en = models.TextField(_("description in English"), max_length=2000, blank=True)
    active = models.BooleanField(_("listed"), default=True)
    updated_at = models.DateTimeField(_("last checked"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(max_length=16, default="portal", db_index=True)

    objects: ClassVar[HelpServiceQuerySet] = HelpServiceQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("help service")
        verbose_name_plural = _("help services")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language, else as entered (``name`` is all a form needs)."""
        return in_language(self, "name")

    @property
    def display_description(self) -> str:
        return in_language(self, "description")

    @property
    def display_languages(self) -> str:
        """The languages spoken, by name ("kk, ru" is stored): codes are not for readers."""
        codes = [code.strip() for code in self.languages.split(",") if code.strip()]
        return ", ".join(str(LANGUAGE_NAMES.get(code.lower(), code)) for code in codes)

    @property
    def display_hours(self) -> str:
        """Opening hours; the synthetic directory's are catalogue phrases."""
        return phrase(self.hours)


class VolunteerKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("volunteer")
    COUNCIL = "council", _("community prevention council")


class VettingStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    VETTED = "vetted", _("vetted")
    REFUSED = "refused", _("refused")


@personal_data(view_permission=VET_VOLUNTEERS, territory=("region",))
class Volunteer(models.Model):
    """A volunteer or a community prevention council; vetted by the region's coordinators."""

    kind = models.CharField(_("kind"), max_length=10, choices=VolunteerKind.choices)
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("Your first name, or the name of the council."),
    )
    region = models.ForeignKey(
        Territory, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    contact_token = models.TextField(default="")
    about = models.TextField(_("about"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=VettingStatus.choices, default=VettingStatus.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(max_length=16, default="portal", db_index=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["submitted_at"]

    def __str__(self) -> str:
        return self.name


class ActivityKind(models.TextChoices):
    TRAINING = "training", _("training")
    EVENT = "event", _("prevention event")
    COUNCIL_MEETING = "council_meeting", _("council meeting")


class PreventionActivity(models.Model):
    """A training of volunteers or a prevention event; public when marked so."""

    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    region = models.ForeignKey(
        Territory, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    volunteers = models.ManyToManyField(
        Volunteer, verbose_name=_("volunteers and councils"), blank=True, related_name="activities"
    )
    public = models.BooleanField(_("shown on the public pages"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, default="portal", db_index=True)

    class Meta:
        verbose_name = _("prevention activity")
        verbose_name_plural = _("prevention activities")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title
