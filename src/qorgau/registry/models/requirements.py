"""Special requirements for the offender's behaviour set by a court (CoAO art. 54), their
extensions and violations."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data, personal_data_of
from qorgau.accounts.roles import VIEW_PERSONAL_DATA
from qorgau.lib import phrases
from qorgau.registry import choices as c
from qorgau.registry.models import Incident, Person, SourceRecord, _source_unique
from qorgau.territory.models import Territory


class RequirementQuerySet(models.QuerySet["BehaviourRequirement"]):
    def in_force_on(self, day: dt.date) -> RequirementQuerySet:
        return self.filter(starts_on__lte=day, ends_on__gte=day)


@personal_data(view_permission=VIEW_PERSONAL_DATA, territory=("district",))
class BehaviourRequirement(SourceRecord):
    """Special requirements for the offender's behaviour, set by a court (CoAO art. 54)."""

    number = models.CharField(_("case number"), max_length=40)
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requirements",
    )
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    offender = models.ForeignKey(
        Person,
        verbose_name=_("offender"),
        on_delete=models.PROTECT,
        related_name="requirements_as_offender",
    )
    protected_persons = models.ManyToManyField(
        Person,
        verbose_name=_("protected persons"),
        related_name="requirements_protecting",
        blank=True,
    )
    court = models.CharField(_("court"), max_length=200)
    decided_on = models.DateField(_("date of the court decision"), db_index=True)
    starts_on = models.DateField(_("in force from"), db_index=True)  # programmes' obliged
    term_months = models.PositiveSmallIntegerField(_("term, months"))
    ends_on = models.DateField(_("in force until"))
    conditions = models.JSONField(_("conditions"), default=list)
    police_reports_per_month = models.PositiveSmallIntegerField(
        _("reports to the police per month"), default=0
    )
    legal_basis = models.CharField(_("legal basis"), max_length=400)

    objects: ClassVar[RequirementQuerySet] = RequirementQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("special behaviour requirement")
        verbose_name_plural = _("special behaviour requirements")
        ordering = ["-decided_on", "-pk"]
        constraints = [_source_unique("requirement")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("registry:requirement_detail", args=[self.pk])

    @property
    def court_name(self) -> str:
        """The court as entered. The synthetic country names a requirement's court after its
        district in English (:data:`qorgau.lib.phrases.COURT`); that one is shown in the
        reader's language, with the district's name in it."""
        prefix = phrases.COURT.split("{", 1)[0]
        if self.source != "synth" or not self.court.startswith(prefix):
            return self.court
        return gettext(phrases.COURT).format(district=self.district.name)

    @property
    def obliges_programme(self) -> bool:
        return c.RequirementCondition.ATTEND_PSYCHOCORRECTION in self.conditions


@personal_data_of(BehaviourRequirement, via="requirement")
class RequirementExtension(models.Model):
    requirement = models.ForeignKey(
        BehaviourRequirement, on_delete=models.CASCADE, related_name="extensions"
    )
    decided_on = models.DateField(_("decided on"))
    new_end = models.DateField(_("new end"))
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("extension of a requirement")
        verbose_name_plural = _("extensions of requirements")
        ordering = ["decided_on"]

    def __str__(self) -> str:
        return f"{self.requirement} → {self.new_end}"


@personal_data_of(BehaviourRequirement, via="requirement")
class RequirementViolation(models.Model):
    requirement = models.ForeignKey(
        BehaviourRequirement, on_delete=models.CASCADE, related_name="violations"
    )
    occurred_on = models.DateField(_("occurred on"), db_index=True)
    condition = models.CharField(
        _("condition broken"), max_length=30, choices=c.RequirementCondition.choices
    )
    description = models.CharField(_("what happened"), max_length=500)
    sanction = models.CharField(
        _("sanction"), max_length=20, choices=c.Sanction.choices, default=c.Sanction.NONE
    )

    class Meta:
        verbose_name = _("violation of a requirement")
        verbose_name_plural = _("violations of requirements")
        ordering = ["-occurred_on"]

    def __str__(self) -> str:
        return f"{self.requirement} {self.occurred_on}"
