"""Computed indicator values, stored so that pages never aggregate raw records."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.territory.models import Territory


class IndicatorValue(models.Model):
    """One indicator for one territory (the version that existed), period and breakdown."""

    indicator = models.CharField(_("indicator"), max_length=60)
    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(_("period"), max_length=7, help_text=_("2024, 2024Q4 or 2024-10"))
    period_kind = models.CharField(max_length=7)
    period_start = models.DateField()
    breakdown = models.CharField(_("breakdown"), max_length=60, blank=True, default="")
    numerator = models.FloatField(_("numerator"))
    denominator = models.FloatField(_("denominator"), null=True)
    value = models.FloatField(_("value"), null=True)
    low = models.FloatField(_("lower bound of the interval (95 percent)"), null=True)
    high = models.FloatField(_("upper bound of the interval (95 percent)"), null=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "territory", "period", "breakdown"],
                name="indicator_value_unique",
            )
        ]
        indexes = [
            # trends of one indicator for one territory
            models.Index(
                fields=["indicator", "territory", "period_kind", "period_start"],
                name="indicator_value_trend",
            ),
            # all territories of one indicator and period (maps, league tables)
            models.Index(fields=["indicator", "period", "breakdown"], name="indicator_value_map"),
            # every indicator of one territory and period (key figures)
            models.Index(fields=["territory", "period"], name="indicator_value_territory"),
            # the latest period computed
            models.Index(fields=["period_kind", "period_start"], name="indicator_value_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.territory_id} {self.period} {self.breakdown}: {self.value}"


class ComputationRun(models.Model):
    """When indicator values were last computed, and over what."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True)
    since = models.DateField(_("recomputed from"), null=True)
    values_written = models.PositiveIntegerField(_("values written"), default=0)
    catalogue_version = models.PositiveSmallIntegerField(default=1)
    # The codes of the indicators the run computed. A later incremental run shifts the stored
    # figures of an indicator only if a complete run of the same catalogue computed it.
    indicators = models.JSONField(default=list, blank=True)
    # The first day whose day figures (``DayFigure``) the stored values have after this run;
    # an incremental run from a day on or after it shifts cells by day instead of by month.
    window_start = models.DateField(null=True)

    class Meta:
        verbose_name = _("computation run")
        verbose_name_plural = _("computation runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.values_written})"


class FirstCountedPersons(models.Model):
    """How many persons a distinct-person figure counted for the first time in each month of a
    quarter or a year: the year's figure is the sum over its months.

    Kept by the engine beside the values (never shown) so that an incremental computation can
    count a year's distinct victims from the months it did not recompute plus the persons it
    reads again, instead of reading the whole year.
    """

    indicator = models.CharField(max_length=60)
    term = models.PositiveSmallIntegerField()  # 0: the numerator, 1: the denominator
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=7)  # the quarter or year
    breakdown = models.CharField(max_length=60, blank=True, default="")
    month = models.CharField(max_length=7)
    persons = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["indicator", "term", "month"], name="first_counted_month"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}/{self.term} {self.territory_id} {self.period} {self.month}"


class DayFigure(models.Model):
    """One day's part of an indicator's term in a cell, for the days of a recent window.

    For an additive term it is the day's own figure in each territory and breakdown (``period``
    is empty: the day counts the same in its month, quarter and year). For distinct persons it
    is how many of a month's, quarter's or year's persons were first counted that day. Kept by
    the engine beside the values (never shown) so that a run after a day of new records shifts
    each cell by the change in that day's figures instead of reading the whole month again.
    """

    indicator = models.CharField(max_length=60)
    term = models.PositiveSmallIntegerField()  # 0: the numerator, 1: the denominator
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=7, blank=True, default="")
    breakdown = models.CharField(max_length=60, blank=True, default="")
    day = models.DateField()
    figure = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["day", "indicator"], name="day_figure_day")]

    def __str__(self) -> str:
        return f"{self.indicator}/{self.term} {self.territory_id} {self.period} {self.day}"


class RecountDay(models.Model):
    """A day from which counted records changed, noted by the write that changed them.

    The nightly run recomputes from yesterday; a record dated earlier (an incident reported
    months after it happened, a correction, a report triaged or a referral completed after the
    day it counts on) would otherwise wait for the next complete run. The next run starts no
    later than the earliest noted day and then settles the notes it read
    (``monitoring.recount``). Never shown; ``source`` names the record's kind for the console.
    """

    day = models.DateField()
    # the one measure the change can move, or empty: any (a re-offence moves one measure on
    # the day of an earlier completion; recounting every indicator from then would be waste)
    measure = models.CharField(max_length=60, blank=True, default="")
    noted_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=60, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.source} {self.day}"


class AlertKind(models.TextChoices):
    SPIKE = "spike", _("sharp rise")
    DROP = "drop", _("sharp fall")
    UNDER_REGISTRATION = "under_registration", _("possible under-registration")
    PEER_HIGH = "peer_high", _("far above comparable territories")
    PEER_LOW = "peer_low", _("far below comparable territories")


class Alert(models.Model):
    """A statistically unusual figure, with the test that flagged it."""

    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), on_delete=models.CASCADE, related_name="+"
    )
    indicator = models.CharField(_("indicator"), max_length=60)
    period = models.CharField(_("period"), max_length=7)
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    observed = models.FloatField(_("observed"))
    expected = models.FloatField(_("expected"))
    p_value = models.FloatField(_("p-value"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["p_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "indicator", "period", "kind"], name="alert_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.indicator} {self.period}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved by the region")
    ACCEPTED = "accepted", _("accepted")
    RETURNED = "returned", _("returned for correction")


class AggregateReport(models.Model):
    """A month's totals from a body that reports only aggregates (crisis centre, 111 line...)."""

    form = models.CharField(_("form"), max_length=40)
    period = models.CharField(_("month"), max_length=7)
    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    return_reason = models.CharField(_("what to correct"), max_length=500, blank=True)
    source = models.CharField(
        _("source"), max_length=20, blank=True, default="", help_text="'synth' for synthetic data"
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("aggregate report")
        verbose_name_plural = _("aggregate reports")
        ordering = ["-period", "form"]
        permissions = [
            ("enter_aggregates", _("Can enter aggregate reports")),
            ("approve_aggregates", _("Can approve aggregate reports of the region")),
            ("accept_aggregates", _("Can accept approved aggregate reports")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "period", "territory", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="aggregate_report_once",
            ),
            models.UniqueConstraint(
                fields=["form", "period", "territory"],
                condition=models.Q(organisation__isnull=True),
                name="aggregate_report_once_per_district",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form} {self.period}"

    @property
    def locked(self) -> bool:
        return self.status in (ReportStatus.APPROVED, ReportStatus.ACCEPTED)


class AggregateFigure(models.Model):
    report = models.ForeignKey(AggregateReport, on_delete=models.CASCADE, related_name="figures")
    item = models.CharField(_("item"), max_length=40)
    value = models.PositiveIntegerField(_("value"))

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        constraints = [
            models.UniqueConstraint(fields=["report", "item"], name="aggregate_figure_once")
        ]

    def __str__(self) -> str:
        return f"{self.item}={self.value}"
