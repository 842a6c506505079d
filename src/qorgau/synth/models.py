"""What a synthesis run leaves besides the registry rows: the run itself and the ground truth
that linkage and estimators are checked against.

The records of the registers outside the police are ordinary ``registry.RegisterRecord`` rows,
written through the same path as an imported file; only who they truly are stays here.

The ``truth_key`` columns identify the *true* person behind a record. They exist only to
evaluate record linkage and multiple-systems estimates on synthetic data and must never be
shown to analysts or copied into analytic tables.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qorgau.registry.models import Person, RegisterRecord


class SynthRun(models.Model):
    """One run of ``qorgau synth``: its arguments, when it ran and what it wrote."""

    seed = models.BigIntegerField(_("seed"))
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    scale = models.FloatField(_("scale"))
    last_day = models.DateField(_("last day simulated"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    seconds = models.FloatField(_("duration, seconds"), default=0)
    counts = models.JSONField(_("rows written"), default=dict)

    class Meta:
        verbose_name = _("synthesis run")
        verbose_name_plural = _("synthesis runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"synth {self.first_year}-{self.last_year} x{self.scale} seed {self.seed}"


class VictimTruth(models.Model):
    """The true person behind a synthetic victim in the police registry (evaluation only)."""

    run = models.ForeignKey(SynthRun, on_delete=models.CASCADE, related_name="+")
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="+")
    truth_key = models.CharField(max_length=24, db_index=True)

    class Meta:
        verbose_name = _("true identity of a synthetic victim")
        verbose_name_plural = _("true identities of synthetic victims")

    def __str__(self) -> str:
        return f"{self.person_id}"


class TruthCount(models.Model):
    """True and registered numbers of victims in a region and year, as simulated."""

    run = models.ForeignKey(SynthRun, on_delete=models.CASCADE, related_name="truth")
    region_code = models.CharField(_("region (today's KATO code)"), max_length=9)
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(_("population"))
    true_victims = models.PositiveIntegerField(_("true victims"))
    police = models.PositiveIntegerField(_("registered by the police"))
    health = models.PositiveIntegerField(_("seen by health facilities"))
    crisis_centre = models.PositiveIntegerField(_("seen by crisis centres"))
    line_111 = models.PositiveIntegerField(_("seen by the 111 line"))
    social = models.PositiveIntegerField(_("seen by social services"))
    any_register = models.PositiveIntegerField(_("seen by at least one register"))

    class Meta:
        verbose_name = _("true count")
        verbose_name_plural = _("true counts")
        ordering = ["year", "region_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "region_code", "year"], name="truth_once_per_region_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}: {self.true_victims}"


class RecordTruth(models.Model):
    """The true person behind a synthetic register record (evaluation only).

    The records themselves are ordinary :class:`~qorgau.registry.models.RegisterRecord` rows,
    written through the same path as an imported file; only this key, which no real register
    has, stays in the synthetic generator's own table.
    """

    run = models.ForeignKey(SynthRun, on_delete=models.CASCADE, related_name="+")
    record = models.OneToOneField(RegisterRecord, on_delete=models.CASCADE, related_name="+")
    truth_key = models.CharField(max_length=24, db_index=True)

    class Meta:
        verbose_name = _("true identity of a synthetic register record")
        verbose_name_plural = _("true identities of synthetic register records")

    def __str__(self) -> str:
        return f"{self.record_id}"


class TruthEstimate(models.Model):
    """EVALUATION ONLY: an estimate made from the synthetic truth's capture histories.

    Kept here, apart from ``latency.EstimationResult``, so that nothing that publishes
    (monitoring, rating, reports, open data, the API) can ever read it.
    """

    run = models.ForeignKey(SynthRun, on_delete=models.CASCADE, related_name="+")
    evaluated_at = models.DateTimeField(_("evaluated at"), auto_now_add=True)
    selection = models.CharField(_("model selection"), max_length=16, default="stepwise")
    region_code = models.CharField(_("region (today's KATO code)"), max_length=9)
    year = models.PositiveSmallIntegerField(_("year"))
    observed = models.PositiveIntegerField(_("seen by at least one register"), default=0)
    true_victims = models.PositiveIntegerField(_("true victims"), null=True, blank=True)
    estimate = models.FloatField(_("estimated true number"), null=True, blank=True)
    ci_low = models.FloatField(_("lower bound (95 percent)"), null=True, blank=True)
    ci_high = models.FloatField(_("upper bound (95 percent)"), null=True, blank=True)
    refusal = models.TextField(_("why no estimate"), blank=True, default="")

    class Meta:
        verbose_name = _("estimate from the synthetic truth")
        verbose_name_plural = _("estimates from the synthetic truth")
        ordering = ["-evaluated_at", "year", "region_code"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}: {self.estimate}"
