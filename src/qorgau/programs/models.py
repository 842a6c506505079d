"""Psychocorrection programmes for offenders: providers, programmes, enrolments, sessions.

An offender obliged by a court (a special behaviour requirement with the condition
``attend_psychocorrection``) is *not* copied here: the list of the obliged is a selector over
the registry's requirements (:mod:`qorgau.programs.selectors`). A row appears only when a
provider puts him on a programme's waiting list or enrols him.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data, personal_data_of
from qorgau.accounts.models import Organisation
from qorgau.accounts.roles import VIEW_PERSONAL_DATA
from qorgau.registry.models import BehaviourRequirement, Person
from qorgau.territory.models import Territory


class Ownership(models.TextChoices):
    STATE = "state", _("state centre")
    NGO = "ngo", _("non-governmental organisation")


class Accreditation(models.TextChoices):
    PENDING = "pending", _("applied, not yet accredited")
    ACCREDITED = "accredited", _("accredited")
    SUSPENDED = "suspended", _("suspended")
    EXPIRED = "expired", _("expired")


class Provider(models.Model):
    """A state centre or NGO running psychocorrection programmes; one per organisation."""

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="programme_provider",
    )
    region = models.ForeignKey(
        Territory, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    ownership = models.CharField(_("ownership"), max_length=8, choices=Ownership.choices)
    accreditation = models.CharField(
        _("accreditation"),
        max_length=12,
        choices=Accreditation.choices,
        default=Accreditation.PENDING,
    )
    accredited_from = models.DateField(_("accredited from"), null=True, blank=True)
    accredited_until = models.DateField(_("accredited until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True, default="")

    class Meta:
        verbose_name = _("programme provider")
        verbose_name_plural = _("programme providers")
        ordering = ["region__kato_code", "organisation__name"]
        permissions = [
            ("manage_programmes", _("Can enrol offenders and record attendance")),
            ("keep_provider_register", _("Can keep the register of programme providers")),
            ("evaluate_programmes", _("Can evaluate programmes (aggregates)")),
        ]

    def __str__(self) -> str:
        return self.organisation.display_name

    def get_absolute_url(self) -> str:
        return reverse("programs:provider_detail", args=[self.pk])


class ProgrammeFormat(models.TextChoices):
    GROUP = "group", _("group")
    INDIVIDUAL = "individual", _("individual")


class Programme(models.Model):
    """A curriculum a provider runs, with its number of sessions and places."""

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="programmes"
    )
    name = models.CharField(_("name"), max_length=200)
    curriculum = models.TextField(_("curriculum"), blank=True)
    sessions = models.PositiveSmallIntegerField(_("number of sessions"))
    format = models.CharField(_("format"), max_length=10, choices=ProgrammeFormat.choices)
    languages = models.JSONField(_("languages"), default=list)
    capacity = models.PositiveSmallIntegerField(
        _("places"), help_text=_("Participants enrolled at the same time")
    )
    accreditation = models.CharField(
        _("accreditation"),
        max_length=12,
        choices=Accreditation.choices,
        default=Accreditation.PENDING,
    )
    accredited_until = models.DateField(_("accredited until"), null=True, blank=True)
    is_active = models.BooleanField(_("running"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["provider_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="programme_unique_name"),
            models.CheckConstraint(condition=Q(sessions__gte=1), name="programme_has_sessions"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programs:programme_detail", args=[self.pk])

    @property
    def sessions_to_complete(self) -> int:
        """Completion needs at least 80% of the sessions attended (a common standard)."""
        return max(1, -(-self.sessions * 4 // 5))


class EnrolmentStatus(models.TextChoices):
    WAITING = "waiting", _("on the waiting list")
    ENROLLED = "enrolled", _("enrolled")
    COMPLETED = "completed", _("completed")
    DROPPED_OUT = "dropped_out", _("dropped out")


ACTIVE_STATUSES = (EnrolmentStatus.WAITING, EnrolmentStatus.ENROLLED)


class DropOutReason(models.TextChoices):
    STOPPED_ATTENDING = "stopped_attending", _("stopped attending")
    REFUSED = "refused", _("refused to take part")
    EXPELLED = "expelled", _("expelled for behaviour")
    DETAINED = "detained", _("arrested or imprisoned")
    MOVED = "moved", _("moved away")
    HEALTH = "health", _("health")
    OTHER = "other", _("other")


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def active(self) -> EnrolmentQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)


@personal_data(
    view_permission=VIEW_PERSONAL_DATA,
    territory=("district",),
    organisation=("programme__provider__organisation",),
)
class Enrolment(models.Model):
    """An obliged offender on a programme: waiting, enrolled, completed or dropped out."""

    requirement = models.ForeignKey(
        BehaviourRequirement,
        verbose_name=_("special behaviour requirement"),
        on_delete=models.PROTECT,
        related_name="programme_enrolments",
    )
    offender = models.ForeignKey(
        Person, verbose_name=_("offender"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(_("status"), max_length=12, choices=EnrolmentStatus.choices)
    listed_on = models.DateField(_("listed on"))
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    drop_out_reason = models.CharField(
        _("reason for dropping out"), max_length=20, choices=DropOutReason.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-listed_on", "-pk"]
        constraints = [
            # One place per court obligation at a time: a second provider cannot list him.
            models.UniqueConstraint(
                fields=["requirement"],
                condition=Q(status__in=["waiting", "enrolled"]),
                name="enrolment_one_active_per_requirement",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("programs:enrolment_detail", args=[self.pk])

    @property
    def label(self) -> str:
        return f"E-{self.pk:06d}" if self.pk else "E-new"


@personal_data_of(Enrolment, via="enrolment")
class SessionAttendance(models.Model):
    """One session of one participant: attended, or missed with the reason."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("enrolment")
    )
    number = models.PositiveSmallIntegerField(_("session number"))
    held_on = models.DateField(_("date"))
    attended = models.BooleanField(_("attended"))
    reason = models.CharField(_("reason for missing"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendance")
        ordering = ["enrolment_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "number"], name="attendance_once"),
            models.UniqueConstraint(fields=["enrolment", "held_on"], name="attendance_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} #{self.number} {self.held_on}"


class ReportStatus(models.TextChoices):
    OPEN = "open", _("awaiting the police and the court")
    RECORDED = "recorded", _("recorded as a violation")
    DISMISSED = "dismissed", _("no violation (valid reason)")


@personal_data(
    view_permission=VIEW_PERSONAL_DATA,
    territory=("district",),
    organisation=("enrolment__programme__provider__organisation",),
)
class PossibleViolation(models.Model):
    """A missed session or drop-out reported to the district police and the court liaison.

    The registry's :class:`RequirementViolation` is only created when an officer confirms it
    (:func:`qorgau.programs.services.possible_violation_resolve`): a missed session with a
    doctor's note is not a violation.
    """

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="possible_violations"
    )
    requirement = models.ForeignKey(
        BehaviourRequirement, on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    attendance = models.OneToOneField(
        SessionAttendance,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="possible_violation",
    )
    occurred_on = models.DateField(_("occurred on"))
    description = models.CharField(_("what happened"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("possible violation of a requirement")
        verbose_name_plural = _("possible violations of requirements")
        ordering = ["-occurred_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.requirement} {self.occurred_on}"


class SafetyFeeling(models.TextChoices):
    SAFE = "safe", _("feels safe")
    UNSURE = "unsure", _("not sure")
    UNSAFE = "unsafe", _("feels unsafe")


@personal_data(
    view_permission=VIEW_PERSONAL_DATA,
    territory=("enrolment__district",),
    organisation=("enrolment__programme__provider__organisation",),
)
class PartnerSafetyReport(models.Model):
    """What the partner (victim) says about her safety, recorded only with her consent.

    Re-arrest under-counts abuse (Arias et al. 2013); her account is the other source. The
    free text is encrypted and decrypted only through an audited service.
    """

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="partner_reports"
    )
    reported_on = models.DateField(_("reported on"))
    consent_given_on = models.DateField(_("consent given on"))
    feeling = models.CharField(_("safety"), max_length=8, choices=SafetyFeeling.choices)
    abuse_since_start = models.BooleanField(_("abuse since the programme started"))
    text_token = models.TextField(blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("partner safety report")
        verbose_name_plural = _("partner safety reports")
        ordering = ["-reported_on"]

    def __str__(self) -> str:
        return f"{self.enrolment} {self.reported_on}"


class StoredEvaluation(models.Model):
    """The re-offending evaluation of one scope, kept so the page never recomputes it.

    Fitting the curves, the Cox model and the matching takes seconds on a country's cohort, far
    too long for a page. The result is stored with the fingerprint of the registry data it was
    computed on (``data_version``) and refreshed by ``qorgau programmes evaluate`` (or on the
    first visit of a scope never computed). The figures are aggregates: no row names a person.
    """

    scope = models.CharField(_("scope"), max_length=40, unique=True)
    data_version = models.CharField(_("data version"), max_length=64)
    computed_at = models.DateTimeField(_("computed at"))
    result = models.JSONField(_("result"))

    class Meta:
        verbose_name = _("stored programme evaluation")
        verbose_name_plural = _("stored programme evaluations")

    def __str__(self) -> str:
        return f"{self.scope} {self.computed_at:%Y-%m-%d %H:%M}"
