"""Linkage runs and their pseudonymous output: which records are the same person.

A run reads the police registry and the other registers' records (``RegisterRecord``, as
imported) inside the trust zone, decrypts names only in memory, and stores no identity: a
:class:`LinkedRecord` names a source record by its number and carries a cluster number, a
region and a year. Analysts see clusters and counts; only the data steward, reviewing a
:class:`CandidatePair`, sees the two records' names, decrypted through the access layer and
audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The match probability at or above which two records are linked, unless a run says otherwise.
# 0.8 rather than 0.9: linkage here exists to *count* persons, and a pair the model gives 0.85
# is more often the same person than not (docs/linkage.md, "Threshold", has the measurements:
# at 0.9 the independent test country's victims were over-counted by up to 5.7% in a region,
# at 0.8 by at most 3.8%, with the same F1).
DEFAULT_THRESHOLD = 0.8


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    FINISHED = "finished", _("finished")
    FAILED = "failed", _("failed")


class LinkageRun(models.Model):
    """One linkage of the registers: its parameters, progress, counts and measured quality."""

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
    backend = models.CharField(_("backend"), max_length=10, default="duckdb")
    years = models.JSONField(_("years"), default=list, blank=True)
    threshold = models.FloatField(_("match threshold"), default=DEFAULT_THRESHOLD)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True, default="")
    error = models.TextField(_("error"), blank=True, default="")
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    quality = models.JSONField(
        _("quality"),
        default=dict,
        blank=True,
        help_text=_("Precision, recall and F1 against the synthetic truth, where known."),
    )
    model = models.JSONField(
        _("model diagnostics"),
        default=dict,
        blank=True,
        help_text=_(
            "What the trained model learned: the prior, and m, u and the match weight of "
            "every comparison level."
        ),
    )
    failure = models.JSONField(
        _("training failure"),
        default=dict,
        blank=True,
        help_text=_("Why the model's training failed (a code and its parameters), if it did."),
    )

    class Meta:
        verbose_name = _("linkage run")
        verbose_name_plural = _("linkage runs")
        ordering = ["-started_at", "-pk"]
        permissions = [
            ("run_linkage", _("Can run record linkage")),
            ("review_linkage", _("Can review uncertain linkage pairs")),
        ]

    def __str__(self) -> str:
        return f"L-{self.pk:05d}" if self.pk else "L-new"

    def get_absolute_url(self) -> str:
        return reverse("linkage:run_detail", args=[self.pk])

    def failure_reason(self) -> str:
        """Why the run failed, in the active language where the training said why."""
        from qorgau.linkage.training import failure_text

        if self.failure.get("code"):
            return failure_text(str(self.failure["code"]), dict(self.failure.get("params", {})))
        return self.error


class LinkedRecord(models.Model):
    """One register's record of one person in one region and year, and its person cluster.

    ``source_record_id`` is the ``Person`` id for the police and the ``RegisterRecord`` id for
    the other registers; the cluster number is pseudonymous and local to the run.
    """

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="records")
    register = models.CharField(_("register"), max_length=16)
    source_record_id = models.BigIntegerField(_("source record number"))
    cluster = models.BigIntegerField(_("person cluster"))
    region_code = models.CharField(_("region (today's KATO code)"), max_length=9)
    year = models.PositiveSmallIntegerField(_("year"))
    # What every register records, kept so that estimation can stratify by it (sex, age band).
    sex = models.CharField(_("sex"), max_length=1, blank=True, default="")
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    probability = models.FloatField(
        _("match probability"),
        null=True,
        blank=True,
        help_text=_(
            "The strongest link joining the record to its cluster (1 for the same IIN "
            "pseudonym); empty for a record alone in its cluster."
        ),
    )

    class Meta:
        verbose_name = _("linked record")
        verbose_name_plural = _("linked records")
        indexes = [
            models.Index(fields=["run", "cluster"], name="linked_run_cluster"),
            models.Index(fields=["run", "region_code", "year"], name="linked_run_region_year"),
            models.Index(fields=["run", "register", "source_record_id"], name="linked_run_source"),
        ]

    def __str__(self) -> str:
        return f"{self.register} #{self.source_record_id} → C{self.cluster}"


class LinkEdge(models.Model):
    """A link between two records that made them one cluster (an IIN match, a score above
    the threshold, or a reviewer's decision); kept so that a "not the same person" decision can
    split a cluster again."""

    class Kind(models.TextChoices):
        EXACT = "exact", _("same IIN pseudonym or source record")
        SCORED = "scored", _("match probability above the threshold")
        REVIEWED = "reviewed", _("confirmed by a reviewer")

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="edges")
    left = models.ForeignKey(LinkedRecord, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(LinkedRecord, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    probability = models.FloatField(default=1.0)

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")

    def __str__(self) -> str:
        return f"{self.left_id}–{self.right_id} ({self.kind})"


class PairStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    MATCH = "match", _("same person")
    NON_MATCH = "non_match", _("different persons")


class CandidatePair(models.Model):
    """A pair scored near the threshold, waiting for (or carrying) the data steward's decision."""

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="pairs")
    left = models.ForeignKey(LinkedRecord, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(LinkedRecord, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField(_("match probability"))
    status = models.CharField(
        _("decision"), max_length=10, choices=PairStatus.choices, default=PairStatus.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("candidate pair")
        verbose_name_plural = _("candidate pairs")
        ordering = ["status", "-probability", "pk"]
        indexes = [models.Index(fields=["run", "status"], name="pair_run_status")]

    def __str__(self) -> str:
        return f"{self.left_id}–{self.right_id} p={self.probability:.3f}"

    def get_absolute_url(self) -> str:
        return reverse("linkage:pair", args=[self.pk])
