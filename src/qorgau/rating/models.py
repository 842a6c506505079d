"""Rating methods (versioned files), runs and their results, kept for as long as the system.

A run records the method's name, version and content hash and a hash of the indicator values
it read, so a result can always be traced to exactly what produced it; runs are never
recomputed in place, and a method version is never overwritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qorgau.territory.models import Territory


class RatingMethod(models.Model):
    """One version of a method file; the text is kept verbatim (the published method)."""

    name = models.CharField(_("name"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    content = models.TextField(_("method file"))
    sha256 = models.CharField(_("content hash (SHA-256)"), max_length=64)
    builtin = models.BooleanField(_("shipped with Qorgau"), default=False)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("rating method")
        verbose_name_plural = _("rating methods")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="rating_method_version_once")
        ]
        permissions = [
            ("run_rating", _("Can run the rating of akimats")),
            ("edit_rating_method", _("Can add versions of rating methods")),
        ]

    def __str__(self) -> str:
        return f"{self.name}-v{self.version}"


class Level(models.TextChoices):
    REGION = "region", _("regions")
    DISTRICT = "district", _("districts of a region")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Missing(models.TextChoices):
    """Why a territory has no value for an indicator (it is then filled by the method's rule)."""

    NO_VALUE = "no_value", _("no value for the year")
    ESTIMATE_REFUSED = "estimate_refused", _("the hidden-violence estimate was refused")


class RatingRun(models.Model):
    method = models.ForeignKey(
        RatingMethod, verbose_name=_("method"), on_delete=models.PROTECT, related_name="runs"
    )
    method_name = models.CharField(_("method"), max_length=60)
    method_version = models.PositiveIntegerField(_("method version"))
    method_sha256 = models.CharField(_("method hash"), max_length=64)
    data_sha256 = models.CharField(_("data hash"), max_length=64, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    region = models.ForeignKey(
        Territory,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    draws = models.PositiveIntegerField(_("Monte Carlo draws"))
    seed = models.BigIntegerField(_("seed"))
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    progress = models.PositiveSmallIntegerField(_("progress (percent)"), default=0)
    error = models.TextField(_("error"), blank=True)
    summary = models.JSONField(_("summary"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rating run")
        verbose_name_plural = _("rating runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.method_name}-v{self.method_version} {self.year} {self.level}"


class RatingResult(models.Model):
    """A territory's place in one run."""

    run = models.ForeignKey(RatingRun, on_delete=models.CASCADE, related_name="results")
    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.FloatField(_("score"), null=True)
    rank = models.PositiveIntegerField(_("rank"))
    score_low = models.FloatField(_("score, 5th percentile"), null=True)
    score_high = models.FloatField(_("score, 95th percentile"), null=True)
    rank_median = models.FloatField(_("median rank"), null=True)
    rank_low = models.PositiveIntegerField(_("best rank (5th percentile)"), null=True)
    rank_high = models.PositiveIntegerField(_("worst rank (95th percentile)"), null=True)
    above_next = models.FloatField(_("probability of scoring above the next"), null=True)
    real_difference = models.BooleanField(_("really above the next"), default=False)
    groups = models.JSONField(_("dimension scores"), default=dict)
    flags = models.JSONField(_("flags"), default=list)
    imputed = models.PositiveSmallIntegerField(_("imputed values"), default=0)
    previous_score = models.FloatField(_("score last year"), null=True)
    previous_rank = models.PositiveIntegerField(_("rank last year"), null=True)

    class Meta:
        verbose_name = _("rating result")
        verbose_name_plural = _("rating results")
        ordering = ["run", "rank", "territory__kato_code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "territory"], name="rating_result_once")
        ]

    def __str__(self) -> str:
        return f"{self.territory_id}: {self.rank}"

    @property
    def score_change(self) -> float | None:
        if self.score is None or self.previous_score is None:
            return None
        return self.score - self.previous_score


class RatingIndicatorResult(models.Model):
    """One indicator of one territory in one run: the explanation of the score."""

    result = models.ForeignKey(RatingResult, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.CharField(_("indicator"), max_length=60)
    value = models.FloatField(_("value"), null=True)
    low = models.FloatField(_("lower bound (95 percent)"), null=True)
    high = models.FloatField(_("upper bound (95 percent)"), null=True)
    normalised = models.FloatField(_("normalised score"), null=True)
    contribution = models.FloatField(_("contribution"), null=True)
    weight = models.FloatField(_("share of the index"), null=True)
    imputed = models.BooleanField(_("imputed"), default=False)
    missing = models.CharField(
        _("why the value is missing"), max_length=20, choices=Missing.choices, blank=True
    )
    missing_detail = models.TextField(_("details of why the value is missing"), blank=True)
    constant = models.BooleanField(
        _("the same in every territory (no weight)"),
        default=False,
        help_text=_("An indicator that cannot tell the territories apart carries no weight."),
    )
    previous_value = models.FloatField(_("value last year"), null=True)
    gain = models.FloatField(_("score gain if improved"), null=True)
    rank_if_improved = models.PositiveIntegerField(_("rank if improved"), null=True)

    class Meta:
        verbose_name = _("indicator in a rating")
        verbose_name_plural = _("indicators in a rating")
        ordering = ["result", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["result", "indicator"], name="rating_indicator_result_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.normalised}"

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value


class RatingStress(models.Model):
    """A stress test of a method version: each region hides a share of its registered
    incidents in a copy of the inputs, and its score and rank change is recorded. Published on
    the method page, so that anyone can see whether hiding violence pays under this method."""

    method = models.ForeignKey(
        RatingMethod, verbose_name=_("method"), on_delete=models.PROTECT, related_name="stresses"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    data_sha256 = models.CharField(_("data hash"), max_length=64, blank=True)
    results = models.JSONField(_("results"), default=dict)
    passes = models.BooleanField(_("hiding never pays"), default=False)
    seconds = models.FloatField(_("seconds"), default=0.0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating stress test")
        verbose_name_plural = _("rating stress tests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"stress {self.method} {self.year} {self.level}"
