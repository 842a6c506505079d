"""Generated reports, kept as artefacts: who asked, when, over which computation of indicators."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qorgau.territory.models import Territory


class ReportKind(models.TextChoices):
    NATIONAL = "national", _("national report")
    REGION = "region", _("region passport")


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    HTML = "html", "HTML"


class ReportLanguage(models.TextChoices):
    KK = "kk", _("Kazakh")
    RU = "ru", _("Russian")
    EN = "en", _("English")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("being generated")
    FINISHED = "finished", _("ready")
    FAILED = "failed", _("failed")


class Report(models.Model):
    """One generated report file; the file lives under ``QORGAU_REPORTS_DIR``."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=7, help_text=_("2024, 2024Q4 or 2024-10"))
    language = models.CharField(_("language"), max_length=2, choices=ReportLanguage.choices)
    format = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    computation_run = models.ForeignKey(
        "monitoring.ComputationRun",
        verbose_name=_("indicator computation used"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sections = models.JSONField(_("sections"), default=list, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size, bytes"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.territory_id} {self.period} {self.language}"

    @property
    def in_progress(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)

    @property
    def download_name(self) -> str:
        code = "national" if self.kind == ReportKind.NATIONAL else self.territory.kato_code
        return f"qorgau-{code}-{self.period}-{self.language}.{self.format}"
