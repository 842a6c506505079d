"""One upload of a register extract and its progress (the importer's job)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data
from qorgau.accounts.roles import IMPORT_RECORDS


@personal_data(view_permission=IMPORT_RECORDS, owner=("created_by",))
class ImportJob(models.Model):
    """One upload of a register extract, processed row by row with progress and rejects."""

    class Kind(models.TextChoices):
        INCIDENTS = "incidents", _("incidents")
        PERSONS = "persons", _("persons")
        ORDERS = "orders", _("protective orders")
        REQUIREMENTS = "requirements", _("special behaviour requirements")
        OFFENCES = "offences", _("offences")
        REGISTER_RECORDS = "register-records", _("records of other registers")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=40)
    register = models.CharField(
        _("register"),
        max_length=16,
        blank=True,
        default="",
        help_text=_("For records of other registers: which register the file comes from."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    accepted_rows = models.PositiveIntegerField(_("rows accepted"), default=0)
    rejected_rows = models.PositiveIntegerField(_("rows rejected"), default=0)
    rejects_path = models.CharField(max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    language = models.CharField(max_length=8, default="kk")
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
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
