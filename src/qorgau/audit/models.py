"""The append-only, hash-chained audit trail.

Each entry carries the HMAC of its own content and of the previous entry's seal, so changing
or removing any row breaks the chain from that point on; :class:`AuditChainHead` holds the
length and last seal, so removing the newest rows is caught too. The HMAC key lives outside the
database (``QORGAU_AUDIT_KEY``): whoever can write the tables cannot re-seal them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW = "view", _("view")
    CREATE = "create", _("create")
    CHANGE = "change", _("change")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    DECRYPT = "decrypt", _("decrypt")
    SIGN_IN = "sign_in", _("sign-in")
    SIGN_IN_FAILED = "sign_in_failed", _("failed sign-in")
    SIGN_OUT = "sign_out", _("sign-out")


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit trail is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")


class AuditEntry(models.Model):
    """Who did what to which record, when, from where and why."""

    position = models.PositiveBigIntegerField(_("number"), unique=True, editable=False)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("record type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("record"), max_length=64, blank=True, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    previous_seal = models.CharField(max_length=64, editable=False)
    seal = models.CharField(max_length=64, editable=False)

    objects: ClassVar[AppendOnlyQuerySet] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-position"]
        permissions = [("browse_audit", _("Can browse the audit trail"))]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_record_lookup")]

    def __str__(self) -> str:
        record = f"{self.object_type}:{self.object_id}"
        return f"#{self.position} {self.actor_username} {self.action} {record}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")

    def canonical_content(self) -> bytes:
        """The sealed content; any change to a stored field changes it."""
        content = [
            self.position,
            self.occurred_at.isoformat(timespec="microseconds"),
            self.actor_id,
            self.actor_username,
            self.ip_address,
            self.action,
            self.object_type,
            self.object_id,
            self.reason,
            self.details,
            self.previous_seal,
        ]
        return json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()

    def compute_seal(self) -> str:
        key = settings.QORGAU_AUDIT_KEY.encode("utf-8")
        return hmac.new(key, self.canonical_content(), hashlib.sha256).hexdigest()


class AuditChainHead(models.Model):
    """The single row holding the chain's length and newest seal (locked while appending)."""

    length = models.PositiveBigIntegerField(default=0)
    last_seal = models.CharField(max_length=64, default="")
    seal = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.length} entries"

    def compute_seal(self) -> str:
        key = settings.QORGAU_AUDIT_KEY.encode("utf-8")
        return hmac.new(
            key, f"head:{self.length}:{self.last_seal}".encode(), hashlib.sha256
        ).hexdigest()


class ChainVerification(models.Model):
    """The outcome of a walk of the whole chain (``audit_chain_verify``), kept so that the
    chain page shows the last result at once instead of re-computing every seal on each visit;
    a button and ``qorgau audit verify`` walk it again."""

    checked_at = models.DateTimeField(_("verified at"))
    intact = models.BooleanField(_("intact"))
    entries_checked = models.PositiveBigIntegerField(_("entries verified"))
    first_broken_position = models.PositiveBigIntegerField(null=True, blank=True)
    problem = models.TextField(blank=True, default="")
    anchors_checked = models.PositiveIntegerField(default=0)
    # HMAC with a key derived from the audit key: whoever can write this table cannot store
    # an "intact" the chain never earned (an unsealed row is ignored and the chain re-walked).
    seal = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("audit chain verification")
        verbose_name_plural = _("audit chain verifications")
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} ({'intact' if self.intact else 'broken'})"

    def compute_seal(self) -> str:
        key = hmac.new(
            settings.QORGAU_AUDIT_KEY.encode(), b"qorgau.audit.verification", hashlib.sha256
        ).digest()
        content = [
            self.checked_at.isoformat(),
            self.intact,
            self.entries_checked,
            self.first_broken_position,
            self.problem,
            self.anchors_checked,
        ]
        return hmac.new(key, json.dumps(content).encode(), hashlib.sha256).hexdigest()

    def is_sealed(self) -> bool:
        return bool(self.seal) and hmac.compare_digest(self.seal, self.compute_seal())
