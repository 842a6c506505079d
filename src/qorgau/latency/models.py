"""Estimation runs and their results: aggregates only, never a person.

A result is one region (today's KATO code) × year × method. It keeps what an analyst needs to
read the number honestly: how many each register saw, the union observed, the estimate with
its interval and the kind of interval, the reporting ratio (police ÷ estimate) with its
interval, the model chosen, the Chao lower bound, the spread over selection rules, the
warnings, or the reason the data could not support an estimate.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("finished")
    FAILED = "failed", _("failed")


class RunSource(models.TextChoices):
    """Where a run's capture histories came from; only runs over linked registers are published.

    ``TRUTH`` remains for runs stored before estimates from the synthetic ground truth moved to
    ``synth.TruthEstimate`` (an evaluation kept apart): those rows still read, no run of that
    source is made any more, and every reader of published estimates skips them.
    """

    LINKAGE = "linkage", _("linked registers")
    TRUTH = "truth", _("synthetic ground truth (evaluation only)")


class Method(models.TextChoices):
    MSE = "mse", _("multiple-systems estimation")
    SURVEY = "survey", _("survey reporting rate")


class FigureStatus(models.TextChoices):
    """What a published figure is: an estimate that passed its checks, or only a lower bound.

    A result whose model was refused or failed a publication check
    (:mod:`qorgau.latency.publication`) publishes the victims seen by at least one register —
    a number nobody can dispute — with the reason; the model's own number is kept apart for
    the analyst (``unpublished``) and never feeds monitoring or the rating.
    """

    ESTIMATE = "estimate", _("estimate")
    LOWER_BOUND = "lower_bound", _("lower bound")


# The selection rules' names for readers (runs and results store the code).
SELECTION_NAMES = {
    "stepwise": _("stepwise tests of interactions"),
    "bic": _("lowest BIC"),
    "aic": _("lowest AIC"),
    "independence": _("independent registers"),
    "heterogeneity": _("heterogeneous capture (Mth models)"),
    "latent_class": _("latent classes (LCMCR)"),
    "stratified": _("by sex and age group, stepwise within each"),
    "stratified_mh": _("by sex and age group, heterogeneous capture within each"),
}


def selection_name(code: str) -> str:
    """A selection rule's name in the reader's language (an unknown code as it is)."""
    return str(SELECTION_NAMES.get(code, code))


class EstimationRun(models.Model):
    """One estimation over regions and years: arguments, who, when, how far it got."""

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    source = models.CharField(_("capture histories from"), max_length=8, choices=RunSource.choices)
    selection = models.CharField(_("model selection"), max_length=16, default="stepwise")
    bootstrap = models.PositiveIntegerField(_("bootstrap replicates"), default=0)
    seed = models.BigIntegerField(_("seed"), default=0)
    first_year = models.PositiveSmallIntegerField(_("first year"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    done = models.PositiveIntegerField(_("estimated"), default=0)
    total = models.PositiveIntegerField(_("to estimate"), default=0)
    message = models.TextField(_("message"), blank=True, default="")

    class Meta:
        verbose_name = _("estimation run")
        verbose_name_plural = _("estimation runs")
        ordering = ["-started_at", "-pk"]
        permissions = [("run_estimation", _("Can run hidden-violence estimation"))]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.selection} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def selection_name(self) -> str:
        return selection_name(self.selection)

    @property
    def progress(self) -> int:
        """Per cent done."""
        return round(100 * self.done / self.total) if self.total else 0


class EstimationResult(models.Model):
    """The estimated true number of victims in a region and year by one method."""

    run = models.ForeignKey(EstimationRun, on_delete=models.CASCADE, related_name="results")
    region_code = models.CharField(_("region (today's KATO code)"), max_length=9)
    year = models.PositiveSmallIntegerField(_("year"))
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    selection = models.CharField(_("model selection"), max_length=16, blank=True, default="")
    registered = models.JSONField(_("registered by each register"), default=dict)
    police = models.PositiveIntegerField(_("registered by the police"), default=0)
    observed = models.PositiveIntegerField(_("seen by at least one register"), default=0)
    estimate = models.FloatField(_("estimated true number"), null=True, blank=True)
    ci_low = models.FloatField(_("lower bound (95 percent)"), null=True, blank=True)
    ci_high = models.FloatField(_("upper bound (95 percent)"), null=True, blank=True)
    interval = models.CharField(_("kind of interval"), max_length=80, blank=True, default="")
    ratio = models.FloatField(_("reporting ratio"), null=True, blank=True)
    ratio_low = models.FloatField(_("reporting ratio, lower bound"), null=True, blank=True)
    ratio_high = models.FloatField(_("reporting ratio, upper bound"), null=True, blank=True)
    model_terms = models.JSONField(_("interaction terms"), default=list)
    chao = models.FloatField(_("Chao lower bound"), null=True, blank=True)
    spread = models.JSONField(_("estimates by other selection rules"), default=dict)
    warnings = models.JSONField(_("warnings"), default=list)
    refusal = models.TextField(_("why no estimate"), blank=True, default="")
    status = models.CharField(
        _("published as"),
        max_length=12,
        choices=FigureStatus.choices,
        default=FigureStatus.ESTIMATE,
    )
    unpublished = models.JSONField(_("the model's figure, not published"), default=dict, blank=True)

    class Meta:
        verbose_name = _("estimation result")
        verbose_name_plural = _("estimation results")
        ordering = ["year", "region_code", "method"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "region_code", "year", "method"], name="estimate_once_per_run"
            )
        ]
        indexes = [
            # the latest result of each region and year
            models.Index(fields=["region_code", "year", "method"], name="estimate_region_year"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year} {self.method}: {self.estimate}"

    @property
    def selection_name(self) -> str:
        return selection_name(self.selection)

    @property
    def refused(self) -> bool:
        return self.estimate is None

    @property
    def reasons(self) -> list[str]:
        """Why the figure is a lower bound, in the reader's language where the checks were
        stored as codes (``refusal`` keeps the words of the run's language for downloads)."""
        from qorgau.latency.publication import check_text

        checks = (self.unpublished or {}).get("checks")
        if checks:
            return [check_text(check) for check in checks]
        return [self.refusal] if self.refusal else []

    @property
    def shown_warnings(self) -> list[str]:
        """The warnings in the reader's language: runs store them in English (their msgids);
        one stored with figures in it, or by an older run in another language, as stored."""
        return [gettext(str(warning)) for warning in self.warnings or []]

    @property
    def shown_interval(self) -> str:
        """The kind of interval in the reader's language (stored in English, as a msgid)."""
        return gettext(self.interval) if self.interval else ""

    @property
    def lower_bound(self) -> int:
        """What is certain: the distinct victims seen by at least one register."""
        return self.observed
