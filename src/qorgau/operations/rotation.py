"""Rotation of the field encryption keys and re-keying of the pseudonyms.

**Encryption.** Every ``*_token`` text column of every model holds a Fernet token (see
:mod:`qorgau.lib.crypto`). :func:`keys_rotate_encryption` re-encrypts each token that the newest
key of ``QORGAU_FIELD_ENCRYPTION_KEYS`` cannot already open, batch by batch in primary-key order,
each batch its own transaction: a re-run skips what is done (idempotent) and an interrupted run
resumes where it stopped. When it reports nothing left under an old key, that key can be dropped.

**Pseudonyms.** A pseudonym is an HMAC of the IIN (or receipt code) and neither is stored, so
the key cannot be replaced by recomputing from the source. Instead a new key is *chained*:
``new = HMAC(new_key, old_pseudonym)`` over every stored pseudonym, in one transaction, and the
key is appended to ``QORGAU_PSEUDONYM_REKEY_KEYS`` so :func:`qorgau.lib.crypto.pseudonym` computes
``HMAC(new_key, HMAC(old_key, iin))`` for new IINs. Reversing a pseudonym by enumerating IINs then
needs every key of the chain. Each application is recorded in the audit chain with a fingerprint
of the key (never the key), which is how a re-run knows it is already done.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.audit.services import audit_record
from qorgau.lib.crypto import field_cipher, pseudonym_rekey

if TYPE_CHECKING:
    from qorgau.accounts.models import User


Progress = Callable[[str], None]

# Every stored pseudonym: (app label, model name, field). The purposes differ but the re-keying
# step is the same for all of them, because the chain is applied over the base HMAC.
PSEUDONYM_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("registry", "Person", "iin_pseudonym"),
    ("registry", "Person", "surname_index"),
    ("registry", "Person", "first_name_index"),
    ("registry", "RegisterRecord", "iin_pseudonym"),
    ("cases", "SurvivorCase", "iin_pseudonym"),
    ("citizens", "CitizenReport", "receipt_digest"),
)
MIN_KEY_LENGTH = 32
PSEUDONYM_OBJECT = "operations.pseudonym_key"


class RotationError(Exception):
    """The rotation cannot go on; the message tells the operator what to do."""


def encrypted_columns() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model with its ``*_token`` text columns (the encrypted fields)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if f.name.endswith("_token") and isinstance(f, models.TextField | models.CharField)
        ]
        if names:
            found.append((model, names))
    return sorted(found, key=lambda item: item[0]._meta.label)


@dataclass
class EncryptionReport:
    checked: int = 0
    rotated: int = 0
    failures: list[str] = field(default_factory=list)
    per_model: dict[str, int] = field(default_factory=dict)


def _batches(model: type[models.Model], names: list[str], size: int) -> Iterator[list[Any]]:
    last = None
    queryset = model._base_manager.order_by("pk").only("pk", *names)
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def keys_rotate_encryption(
    *, batch_size: int = 1000, progress: Progress | None = None, actor: User | None = None
) -> EncryptionReport:
    """Re-encrypt under the newest key every token another key still opens."""
    keys = list(settings.QORGAU_FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise RotationError("QORGAU_FIELD_ENCRYPTION_KEYS is empty.")
    newest = Fernet(keys[0].encode("ascii"))
    cipher = field_cipher()
    report = EncryptionReport()
    for model, names in encrypted_columns():
        label = model._meta.label
        rotated_here = 0
        for rows in _batches(model, names, batch_size):
            changed = []
            for row in rows:
                dirty = False
                for name in names:
                    token = getattr(row, name)
                    if not token:
                        continue
                    report.checked += 1
                    raw = token.encode("ascii")
                    try:
                        newest.decrypt(raw)
                        continue  # already under the newest key
                    except InvalidToken:
                        pass
                    try:
                        setattr(row, name, cipher.rotate(raw).decode("ascii"))
                    except InvalidToken:
                        report.failures.append(f"{label} #{row.pk} {name}")
                        continue
                    dirty = True
                    rotated_here += 1
                if dirty:
                    changed.append(row)
            if changed:
                with transaction.atomic():
                    model._base_manager.bulk_update(changed, names, batch_size=500)
            if progress:
                progress(f"{label}: up to #{rows[-1].pk}, {rotated_here} re-encrypted")
        report.per_model[label] = rotated_here
        report.rotated += rotated_here
    audit_record(
        action=AuditAction.CHANGE,
        actor=actor,
        object_type="operations.encryption_key",
        object_id=key_fingerprint(keys[0]),
        details={
            "event": "encryption_key_rotation",
            "checked": report.checked,
            "rotated": report.rotated,
            "failures": len(report.failures),
        },
    )
    return report


def key_fingerprint(key: str) -> str:
    """A public name for a secret key: it identifies the key without revealing it."""
    return hmac.new(key.encode("utf-8"), b"qorgau-key-fingerprint", hashlib.sha256).hexdigest()[:16]


def pseudonym_keys_applied() -> list[str]:
    """Fingerprints of the re-keying keys applied to this database, oldest first."""
    entries = AuditEntry.objects.filter(object_type=PSEUDONYM_OBJECT).order_by("position")
    return [entry.object_id for entry in entries]


@dataclass
class PseudonymReport:
    fingerprint: str
    rows: dict[str, int] = field(default_factory=dict)
    already_applied: bool = False


def keys_rotate_pseudonyms(
    *,
    new_key: str,
    batch_size: int = 2000,
    progress: Progress | None = None,
    actor: User | None = None,
) -> PseudonymReport:
    """Chain ``new_key`` over every stored pseudonym, all in one transaction.

    Run it with the writers stopped and the *current* configuration, then append the key to
    ``QORGAU_PSEUDONYM_REKEY_KEYS`` before starting them again.
    """
    new_key = new_key.strip()
    if len(new_key) < MIN_KEY_LENGTH:
        raise RotationError(
            f"The new pseudonym key must have at least {MIN_KEY_LENGTH} characters."
        )
    fingerprint = key_fingerprint(new_key)
    configured = [key_fingerprint(k) for k in settings.QORGAU_PSEUDONYM_REKEY_KEYS]
    applied = pseudonym_keys_applied()
    if fingerprint in applied:
        return PseudonymReport(fingerprint, already_applied=True)
    if new_key == settings.QORGAU_PSEUDONYM_KEY or fingerprint in configured:
        raise RotationError(
            "This key is already in use: generate a new one (qorgau generate_keys)."
        )
    if applied and configured[-len(applied) :] != applied:
        raise RotationError(
            "The database was re-keyed with keys "
            f"{', '.join(applied)} but QORGAU_PSEUDONYM_REKEY_KEYS lists "
            f"{', '.join(configured) or 'none'}: fix the configuration first."
        )
    report = PseudonymReport(fingerprint)
    with transaction.atomic():
        for app_label, model_name, name in PSEUDONYM_COLUMNS:
            model = apps.get_model(app_label, model_name)
            count = 0
            for rows in _batches(model, [name], batch_size):
                changed = []
                for row in rows:
                    value = getattr(row, name)
                    if value:
                        setattr(row, name, pseudonym_rekey(value, (new_key,)))
                        changed.append(row)
                model._base_manager.bulk_update(changed, [name], batch_size=500)
                count += len(changed)
                if progress:
                    progress(f"{model._meta.label}.{name}: {count} re-keyed")
            report.rows[f"{model._meta.label}.{name}"] = count
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            object_type=PSEUDONYM_OBJECT,
            object_id=fingerprint,
            details={"event": "pseudonym_rekey", "rows": report.rows},
        )
    return report
