"""The budget programme to counter domestic violence: its structure, money and outputs.

The structure (programme, sub-programmes, budget classification codes) is data loaded from
``data/programme.yaml``. Money sits on the region (oblast or city of republican
significance), because local budgets are adopted by the region's maslikhat; an allocation
keeps every revision, and execution and outputs are monthly.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data
from qorgau.accounts.roles import MANAGE_BUDGET
from qorgau.territory.models import Territory

ZERO = Decimal("0")
OUTPUT_FIELDS = ("people_served", "bed_nights", "sessions", "trainings", "completed")


class Source(models.TextChoices):
    ENTRY = "entry", _("entered on the page")
    UPLOAD = "upload", _("uploaded from XLSX")
    API = "api", _("sent through the API")
    SYNTH = "synth", _("synthetic")


class _Named(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    classification = models.CharField(_("budget classification code"), max_length=40)
    name_kk = models.CharField(_("name in Kazakh"), max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "kk")[:2]
        return str(getattr(self, f"name_{language}", "") or self.name_en)


class Programme(_Named):
    """The budget programme (one per installation today; the structure allows several)."""

    class Meta:
        verbose_name = _("budget programme")
        verbose_name_plural = _("budget programmes")
        ordering = ["classification"]


class SubProgramme(_Named):
    """A budget sub-programme and the outputs it reports beside its spending."""

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("budget programme"),
        on_delete=models.PROTECT,
        related_name="sub_programmes",
    )
    outputs = models.JSONField(_("outputs reported"), default=list)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("budget sub-programme")
        verbose_name_plural = _("budget sub-programmes")
        ordering = ["classification"]


class Allocation(models.Model):
    """Funds allocated to a sub-programme in a region for a year: approved, then revised.

    ``revised`` is the amount in force (equal to ``approved`` until the first revision); every
    change appends an :class:`AllocationRevision`, so the history is never lost.
    """

    sub_programme = models.ForeignKey(
        SubProgramme,
        verbose_name=_("budget sub-programme"),
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    region = models.ForeignKey(
        Territory, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    approved = models.DecimalField(
        _("approved, tenge"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
    )
    revised = models.DecimalField(
        _("revised, tenge"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["year", "region__kato_code", "sub_programme__classification"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_programme", "region", "year"],
                name="budget_allocation_once",
                violation_error_message=_(
                    "This sub-programme already has an allocation in this region and year."
                ),
            ),
            models.CheckConstraint(
                condition=Q(approved__gte=0) & Q(revised__gte=0), name="budget_allocation_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sub_programme.code} {self.region.kato_code} {self.year}"


class AllocationRevision(models.Model):
    """One state of an allocation: the first approval, then each revision, with its reason."""

    allocation = models.ForeignKey(
        Allocation,
        verbose_name=_("allocation"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    number = models.PositiveSmallIntegerField(_("revision"))
    approved = models.DecimalField(_("approved, tenge"), max_digits=16, decimal_places=2)
    revised = models.DecimalField(_("revised, tenge"), max_digits=16, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("allocation revision")
        verbose_name_plural = _("allocation revisions")
        ordering = ["allocation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation", "number"], name="budget_revision_number_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.allocation} #{self.number}"


class Execution(models.Model):
    """A month's cash execution of a sub-programme in a region, and its outputs.

    ``wages``, ``goods_services`` and ``social_order`` break the amount down by economic
    classification when known (all three, summing to ``executed``). Spending beyond the
    revised allocation is accepted only with ``over_allocation`` set and a justification.
    """

    sub_programme = models.ForeignKey(
        SubProgramme,
        verbose_name=_("budget sub-programme"),
        on_delete=models.PROTECT,
        related_name="executions",
    )
    region = models.ForeignKey(
        Territory, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    executed = models.DecimalField(_("executed, tenge"), max_digits=16, decimal_places=2)
    wages = models.DecimalField(
        _("of which wages"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    goods_services = models.DecimalField(
        _("of which goods and services"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    social_order = models.DecimalField(
        _("of which state social order (NGOs)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
    )
    people_served = models.PositiveIntegerField(_("people served"), default=0)
    bed_nights = models.PositiveIntegerField(_("bed-nights"), default=0)
    sessions = models.PositiveIntegerField(_("sessions"), default=0)
    trainings = models.PositiveIntegerField(_("specialists trained"), default=0)
    completed = models.PositiveIntegerField(_("programmes completed"), default=0)
    over_allocation = models.BooleanField(_("beyond the revised allocation"), default=False)
    justification = models.CharField(_("justification"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("monthly execution")
        verbose_name_plural = _("monthly execution")
        ordering = ["year", "month", "region__kato_code", "sub_programme__classification"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_programme", "region", "year", "month"],
                name="budget_execution_once",
                violation_error_message=_("This month is already recorded; correct it instead."),
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1) & Q(month__lte=12), name="budget_execution_month"
            ),
            models.CheckConstraint(condition=Q(executed__gte=0), name="budget_execution_positive"),
        ]
        indexes = [models.Index(fields=["year", "region"], name="budget_execution_year")]

    def __str__(self) -> str:
        return f"{self.sub_programme.code} {self.region.kato_code} {self.year}-{self.month:02d}"


@personal_data(view_permission=MANAGE_BUDGET, territory=("territory",))
class UploadJob(models.Model):
    """One workbook uploaded from the page or the API, stored sealed and processed in the
    background with its progress, counts and rejected rows.

    Placed in the uploader's territory (the region of a regional finance officer, the country
    for a national one), so that the access layer shows a job to the finance officers whose
    scope covers it and to nobody else.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    file_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_rows = models.PositiveIntegerField(_("rows created"), default=0)
    updated_rows = models.PositiveIntegerField(_("rows updated"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("rows unchanged"), default=0)
    rejected_rows = models.PositiveIntegerField(_("rows rejected"), default=0)
    first_rejects = models.JSONField(default=list, blank=True)
    rejects_path = models.CharField(max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    language = models.CharField(max_length=8, default="kk")
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("budget upload")
        verbose_name_plural = _("budget uploads")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def accepted_rows(self) -> int:
        """Rows that passed every rule: stored, or already stored as they are."""
        return self.created_rows + self.updated_rows + self.unchanged_rows

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
