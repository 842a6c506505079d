"""The record of what the state knows: persons, incidents, protective orders, special
behaviour requirements, offences and risk assessments.

Identities are never stored in clear. A person is keyed by the HMAC pseudonym of the IIN; names,
contacts and addresses are Fernet tokens (``*_token`` fields), decrypted only through
:func:`qorgau.registry.services.person_identities`, which audits every decryption. Every model
that places a record in a district is registered with the access layer.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data, personal_data_of
from qorgau.accounts.roles import VIEW_PERSONAL_DATA
from qorgau.registry import choices as c
from qorgau.territory.models import Territory


class SourceRecord(models.Model):
    """Where a row came from; (source, source_record_id) makes every import safe to re-run."""

    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    source_record_id = models.CharField(
        _("source record number"), max_length=64, null=True, blank=True
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


def _source_unique(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["source", "source_record_id"],
        condition=Q(source_record_id__isnull=False),
        name=f"{name}_source_record_unique",
    )


@personal_data(
    view_permission=VIEW_PERSONAL_DATA,
    territory=("home_district", "participations__incident__district"),
    unplaced_creator="created_by",
)
class Person(SourceRecord):
    """A victim, offender or protected person. Identity fields are encrypted tokens."""

    # Unique through ``person_iin_unique`` below, not ``unique=True``: on PostgreSQL the field
    # option adds a second (``varchar_pattern_ops``) index for LIKE queries, which nothing makes
    # on a pseudonym, and every imported person paid for it.
    iin_pseudonym = models.CharField(_("IIN pseudonym"), max_length=64, null=True, blank=True)
    surname_token = models.TextField(blank=True, default="")
    first_name_token = models.TextField(blank=True, default="")
    patronymic_token = models.TextField(blank=True, default="")
    phone_token = models.TextField(blank=True, default="")
    address_token = models.TextField(blank=True, default="")
    # Blind indexes of the names (``registry.names``): keyed digests that a search by an exact
    # name can compute again, never the names; re-keyed with the IIN pseudonyms. Empty in the
    # database too, for the bulk inserts that name no columns for a person without a name.
    surname_index = models.CharField(max_length=64, blank=True, default="", db_default="")
    first_name_index = models.CharField(max_length=64, blank=True, default="", db_default="")
    sex = models.CharField(_("sex"), max_length=1, choices=c.Sex.choices, default=c.Sex.UNKNOWN)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    citizenship = models.CharField(
        _("citizenship"), max_length=2, default="KZ", help_text=_("ISO country code")
    )
    disability = models.CharField(
        _("disability"), max_length=10, choices=c.Disability.choices, default=c.Disability.UNKNOWN
    )
    home_district = models.ForeignKey(
        Territory,
        verbose_name=_("district of residence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            _source_unique("person"),
            models.UniqueConstraint(fields=["iin_pseudonym"], name="person_iin_unique"),
        ]
        # A search by surname, or by surname and first name (``registry.names``).
        indexes = [
            models.Index(fields=["surname_index", "first_name_index"], name="person_name_index")
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("registry:person_detail", args=[self.pk])

    @property
    def label(self) -> str:
        """A pseudonymous label: never a name."""
        return f"P-{self.pk:06d}" if self.pk else "P-new"

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date:
            before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
            return day.year - self.birth_date.year - before_birthday
        if self.birth_year:
            return day.year - self.birth_year
        return None


class IncidentQuerySet(models.QuerySet["Incident"]):
    def in_period(self, start: dt.date, end: dt.date) -> IncidentQuerySet:
        return self.filter(occurred_at__date__gte=start, occurred_at__date__lte=end)


@personal_data(view_permission=VIEW_PERSONAL_DATA, territory=("district",))
class Incident(SourceRecord):
    """One event of family-domestic violence as it reached the police."""

    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    reported_at = models.DateTimeField(_("reported at"))
    district = models.ForeignKey(
        Territory,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # ``incident_district_time`` leads with it
    )
    settlement_type = models.CharField(
        _("settlement type"), max_length=5, choices=c.SettlementType.choices
    )
    source_channel = models.CharField(
        _("how it reached the police"), max_length=16, choices=c.SourceChannel.choices
    )
    physical = models.BooleanField(_("physical violence"), default=False)
    psychological = models.BooleanField(_("psychological violence"), default=False)
    sexual = models.BooleanField(_("sexual violence"), default=False)
    economic = models.BooleanField(_("economic violence"), default=False)
    children_present = models.BooleanField(_("children present"), default=False)
    children_harmed = models.BooleanField(_("children harmed"), default=False)
    alcohol = models.BooleanField(_("offender under alcohol"), default=False)
    drugs = models.BooleanField(_("offender under drugs"), default=False)
    injury = models.CharField(
        _("injury"), max_length=10, choices=c.InjurySeverity.choices, default=c.InjurySeverity.NONE
    )
    weapon = models.CharField(
        _("weapon"), max_length=10, choices=c.Weapon.choices, default=c.Weapon.NONE
    )
    administrative_protocol = models.BooleanField(
        _("administrative protocol drawn up"), default=False
    )
    criminal_case = models.BooleanField(_("criminal case opened"), default=False)
    referred = models.BooleanField(_("victim referred to services"), default=False)
    refused = models.BooleanField(_("no action taken"), default=False)
    refusal_reason = models.CharField(_("reason for no action"), max_length=300, blank=True)
    erdr_number = models.CharField(
        _("ERDR number"),
        max_length=32,
        blank=True,
        help_text=_("Unified register of pre-trial investigations"),
    )
    erap_number = models.CharField(
        _("ERAP number"),
        max_length=32,
        blank=True,
        help_text=_("Unified register of administrative proceedings"),
    )
    description_token = models.TextField(blank=True, default="")

    objects: ClassVar[IncidentQuerySet] = IncidentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at"]
        constraints = [
            _source_unique("incident"),
            models.CheckConstraint(
                condition=Q(reported_at__gte=models.F("occurred_at")),
                name="incident_reported_after_occurred",
            ),
        ]
        indexes = [models.Index(fields=["district", "occurred_at"], name="incident_district_time")]
        permissions = [
            ("register_incident", _("Can register incidents")),
            ("manage_orders", _("Can issue protective orders and record check-ins and violations")),
            ("manage_requirements", _("Can record special behaviour requirements")),
            ("record_offences", _("Can record offences and their outcomes")),
            ("assess_risk", _("Can assess risk")),
            ("import_records", _("Can import register extracts")),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("registry:incident_detail", args=[self.pk])

    @property
    def label(self) -> str:
        return f"I-{self.pk:07d}" if self.pk else "I-new"

    @property
    def violence_types(self) -> list[str]:
        return [
            name
            for name in ("physical", "psychological", "sexual", "economic")
            if getattr(self, name)
        ]


@personal_data_of(Incident, via="incident")
class IncidentParticipant(models.Model):
    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="participants",
        db_index=False,  # ``participant_once_per_role`` leads with it
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(_("role"), max_length=8, choices=c.ParticipantRole.choices)
    relationship = models.CharField(
        _("relationship to the victim"),
        max_length=20,
        choices=c.Relationship.choices,
        blank=True,
        help_text=_("For an offender: who he or she is to the victim."),
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "person", "role"], name="participant_once_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident} {self.role} {self.person}"


class OrderStatus(models.TextChoices):
    ISSUED = "issued", _("issued, not yet served")
    ACTIVE = "active", _("active")
    EXTENDED = "extended", _("extended")
    VIOLATED = "violated", _("violated")
    REVOKED = "revoked", _("revoked")
    EXPIRED = "expired", _("expired")


class ProtectiveOrderQuerySet(models.QuerySet["ProtectiveOrder"]):
    def in_force_on(self, day: dt.date) -> ProtectiveOrderQuerySet:
        """Served, not revoked, and not past the (possibly extended) end on ``day``."""
        return self.filter(served_on__lte=day, ends_on__gte=day).exclude(revoked_on__lte=day)

    def expiring_within(self, day: dt.date, days: int) -> ProtectiveOrderQuerySet:
        return self.in_force_on(day).filter(ends_on__lte=day + dt.timedelta(days=days))

    def check_overdue(self, day: dt.date) -> ProtectiveOrderQuerySet:
        """In force, and no compliance check for longer than the legal interval."""
        return self.in_force_on(day).filter(next_check_due__lt=day)


@personal_data(view_permission=VIEW_PERSONAL_DATA, territory=("district",))
class ProtectiveOrder(SourceRecord):
    """A protective order issued by the police; its status derives from dates and events."""

    number = models.CharField(_("number"), max_length=32)
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    offender = models.ForeignKey(
        Person,
        verbose_name=_("offender"),
        on_delete=models.PROTECT,
        related_name="orders_as_offender",
    )
    protected_persons = models.ManyToManyField(
        Person, verbose_name=_("protected persons"), related_name="orders_protecting"
    )
    issued_on = models.DateField(_("issued on"), db_index=True)
    served_on = models.DateField(_("served on"), null=True, blank=True)
    term_days = models.PositiveSmallIntegerField(_("term, days"))
    ends_on = models.DateField(_("in force until"), null=True, blank=True, db_index=True)
    check_interval_days = models.PositiveSmallIntegerField(_("check interval, days"))
    next_check_due = models.DateField(_("next check due"), null=True, blank=True)
    prohibitions = models.JSONField(_("prohibitions"), default=list)
    legal_basis = models.CharField(_("legal basis"), max_length=400)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revocation_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)

    objects: ClassVar[ProtectiveOrderQuerySet] = ProtectiveOrderQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("protective order")
        verbose_name_plural = _("protective orders")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            _source_unique("order"),
            models.UniqueConstraint(
                fields=["district", "number"], name="order_number_unique_in_district"
            ),
        ]
        indexes = [models.Index(fields=["district", "ends_on"], name="order_district_end")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("registry:order_detail", args=[self.pk])

    def status_on(self, day: dt.date) -> OrderStatus:
        """The lifecycle state on ``day``, from the dates and the recorded events."""
        if self.revoked_on and self.revoked_on <= day:
            return OrderStatus.REVOKED
        if self.served_on is None or day < self.served_on:
            return OrderStatus.ISSUED
        if self.ends_on and day > self.ends_on:
            return OrderStatus.EXPIRED
        if any(v.occurred_on <= day for v in self.violations.all()):
            return OrderStatus.VIOLATED
        if any(e.decided_on <= day for e in self.extensions.all()):
            return OrderStatus.EXTENDED
        return OrderStatus.ACTIVE


@personal_data_of(ProtectiveOrder, via="order")
class OrderExtension(models.Model):
    order = models.ForeignKey(ProtectiveOrder, on_delete=models.CASCADE, related_name="extensions")
    decided_on = models.DateField(_("decided on"))
    new_end = models.DateField(_("new end"))
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("extension of an order")
        verbose_name_plural = _("extensions of orders")
        ordering = ["decided_on"]

    def __str__(self) -> str:
        return f"{self.order} → {self.new_end}"


@personal_data_of(ProtectiveOrder, via="order")
class OrderCheckIn(models.Model):
    """A police check of compliance with an order (at least every 7 days by law)."""

    order = models.ForeignKey(ProtectiveOrder, on_delete=models.CASCADE, related_name="check_ins")
    checked_on = models.DateField(_("checked on"), db_index=True)
    compliant = models.BooleanField(_("order complied with"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("compliance check")
        verbose_name_plural = _("compliance checks")
        ordering = ["-checked_on"]

    def __str__(self) -> str:
        return f"{self.order} {self.checked_on}"


@personal_data_of(ProtectiveOrder, via="order")
class OrderViolation(models.Model):
    order = models.ForeignKey(ProtectiveOrder, on_delete=models.CASCADE, related_name="violations")
    occurred_on = models.DateField(_("occurred on"), db_index=True)
    description = models.CharField(_("what happened"), max_length=500)
    sanction = models.CharField(
        _("sanction"), max_length=20, choices=c.Sanction.choices, default=c.Sanction.NONE
    )
    article = models.CharField(_("article"), max_length=20)

    class Meta:
        verbose_name = _("violation of an order")
        verbose_name_plural = _("violations of orders")
        ordering = ["-occurred_on"]

    def __str__(self) -> str:
        return f"{self.order} {self.occurred_on}"


@personal_data(view_permission=VIEW_PERSONAL_DATA, territory=("district",))
class Offence(SourceRecord):
    """An administrative or criminal offence and its outcome; one incident may lead to several."""

    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offences",
    )
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    offender = models.ForeignKey(
        Person, verbose_name=_("offender"), on_delete=models.PROTECT, related_name="offences"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=c.OffenceKind.choices)
    article = models.CharField(
        _("article"), max_length=20, help_text=_("e.g. 73, 461 (CoAO) or 109, 106 (Criminal Code)")
    )
    committed_on = models.DateField(_("committed on"), db_index=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=20,
        choices=c.OffenceOutcome.choices,
        default=c.OffenceOutcome.PENDING,
    )
    register_number = models.CharField(_("ERDR or ERAP number"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("offence")
        verbose_name_plural = _("offences")
        ordering = ["-committed_on", "-pk"]
        constraints = [_source_unique("offence")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.article}"


@personal_data(view_permission=VIEW_PERSONAL_DATA, territory=("district",))
class RiskAssessment(models.Model):
    """A scored assessment with an instrument version; a professional may only raise the level."""

    victim = models.ForeignKey(
        Person, verbose_name=_("victim"), on_delete=models.PROTECT, related_name="risk_assessments"
    )
    offender = models.ForeignKey(
        Person,
        verbose_name=_("offender"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_assessments",
    )
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    instrument = models.CharField(_("instrument"), max_length=40)
    instrument_version = models.PositiveSmallIntegerField(_("instrument version"))
    answers = models.JSONField(_("answers"), default=dict)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    computed_level = models.CharField(
        _("computed level"), max_length=10, choices=c.RiskLevel.choices
    )
    level = models.CharField(_("level"), max_length=10, choices=c.RiskLevel.choices)
    override_reason = models.CharField(
        _("reason for raising the level"), max_length=500, blank=True
    )
    assessed_at = models.DateTimeField(_("assessed at"), db_index=True)
    next_due = models.DateField(_("re-assess by"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-assessed_at"]

    def __str__(self) -> str:
        return f"{self.victim} {self.level} {self.assessed_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("registry:person_detail", args=[self.victim_id])


from qorgau.registry.models.imports import ImportJob  # noqa: E402
from qorgau.registry.models.prevention import (  # noqa: E402
    PreventionMeasure,
    PreventiveRegisterEntry,
)
from qorgau.registry.models.register_records import Register, RegisterRecord  # noqa: E402
from qorgau.registry.models.requirements import (  # noqa: E402
    BehaviourRequirement,
    RequirementExtension,
    RequirementViolation,
)
from qorgau.registry.models.returns import SocialReturn  # noqa: E402

__all__ = [
    "BehaviourRequirement",
    "ImportJob",
    "Incident",
    "IncidentParticipant",
    "Offence",
    "OrderCheckIn",
    "OrderExtension",
    "OrderStatus",
    "OrderViolation",
    "Person",
    "PreventionMeasure",
    "PreventiveRegisterEntry",
    "ProtectiveOrder",
    "Register",
    "RegisterRecord",
    "RequirementExtension",
    "RequirementViolation",
    "RiskAssessment",
    "SocialReturn",
    "SourceRecord",
]
