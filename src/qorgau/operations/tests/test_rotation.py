"""Key rotation: nothing is lost, old keys can go, and an IIN still finds its person."""

from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from qorgau.citizens.models import CitizenReport
from qorgau.citizens.services import report_by_receipt
from qorgau.lib.crypto import decrypt_text, generate_field_key
from qorgau.operations.rotation import (
    PSEUDONYM_COLUMNS,
    RotationError,
    encrypted_columns,
    keys_rotate_encryption,
    keys_rotate_pseudonyms,
)
from qorgau.operations.tests.helpers import IINS, make_people
from qorgau.registry import services as registry
from qorgau.registry.importing.fields import parse_iin
from qorgau.registry.models import Incident, Person, RegisterRecord


def _plaintexts() -> dict[tuple[str, Any, str], str]:
    values = {}
    for model, names in encrypted_columns():
        for row in model._base_manager.all():
            for name in names:
                if token := getattr(row, name):
                    values[(model._meta.label, row.pk, name)] = decrypt_text(token)
    return values


def _pseudonyms() -> dict[int, str]:
    return dict(
        Person.objects.filter(iin_pseudonym__isnull=False).values_list("pk", "iin_pseudonym")
    )


def test_every_token_field_is_found() -> None:
    found = {(m._meta.label, n) for m, ns in encrypted_columns() for n in ns}
    assert ("registry.Person", "surname_token") in found
    assert ("registry.RegisterRecord", "patronymic_token") in found
    assert ("registry.Incident", "description_token") in found
    assert ("citizens.CitizenReport", "account_token") in found
    assert Incident._meta.get_field("description_token")


def test_every_pseudonym_column_is_re_keyed() -> None:
    """A model that stores an IIN pseudonym (or a receipt digest, or a blind index of a name)
    is in the re-keying list."""
    stored = {
        (model._meta.app_label, model.__name__, f.name)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if f.name.endswith(("pseudonym", "name_index")) or f.name == "receipt_digest"
    }
    assert stored == set(PSEUDONYM_COLUMNS)


@pytest.mark.django_db
def test_encryption_rotation_keeps_every_value_and_frees_the_old_key(settings: Any) -> None:
    old, new = generate_field_key(), generate_field_key()
    settings.QORGAU_FIELD_ENCRYPTION_KEYS = [old]
    make_people()
    before = _plaintexts()
    assert len(before) >= 8

    settings.QORGAU_FIELD_ENCRYPTION_KEYS = [new, old]
    lines: list[str] = []
    report = keys_rotate_encryption(batch_size=2, progress=lines.append)
    assert report.rotated == len(before) and not report.failures
    assert lines  # progress was reported batch by batch

    settings.QORGAU_FIELD_ENCRYPTION_KEYS = [new]  # the old key is dropped
    assert _plaintexts() == before
    assert report.per_model["registry.RegisterRecord"] == 2  # surname and first name
    person = Person.objects.filter(iin_pseudonym__isnull=False).first()
    assert person is not None
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(person.surname_token.encode())

    again = keys_rotate_encryption()
    assert again.rotated == 0 and again.checked == len(before)  # idempotent


@pytest.mark.django_db
def test_interrupted_encryption_rotation_resumes(settings: Any) -> None:
    old, new = generate_field_key(), generate_field_key()
    settings.QORGAU_FIELD_ENCRYPTION_KEYS = [old]
    make_people()
    before = _plaintexts()
    settings.QORGAU_FIELD_ENCRYPTION_KEYS = [new, old]

    def crash(line: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        keys_rotate_encryption(batch_size=1, progress=crash)
    resumed = keys_rotate_encryption(batch_size=1)
    assert 0 < resumed.rotated < len(before)  # the first batch was kept
    settings.QORGAU_FIELD_ENCRYPTION_KEYS = [new]
    assert _plaintexts() == before


@pytest.mark.django_db
def test_a_token_no_key_opens_is_reported(settings: Any) -> None:
    settings.QORGAU_FIELD_ENCRYPTION_KEYS = [generate_field_key()]
    make_people()
    settings.QORGAU_FIELD_ENCRYPTION_KEYS = [generate_field_key()]
    with pytest.raises(CommandError, match="open with no configured key"):
        call_command("rotate_keys", "--encryption", stdout=io.StringIO())


@pytest.mark.django_db
def test_pseudonym_rekeying_keeps_linkage(settings: Any, tmp_path: Path) -> None:
    people, submitted = make_people()
    before = dict(
        Person.objects.filter(iin_pseudonym__isnull=False).values_list("pk", "iin_pseudonym")
    )
    digest_before = CitizenReport.objects.get(pk=submitted.report.pk).receipt_digest
    key = secrets.token_urlsafe(48)
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text(key + "\n")

    out = io.StringIO()
    call_command("rotate_keys", "--pseudonyms", "--new-key-file", str(key_file), stdout=out)
    assert "NOW append the key" in out.getvalue()
    after = dict(
        Person.objects.filter(iin_pseudonym__isnull=False).values_list("pk", "iin_pseudonym")
    )
    assert set(after) == set(before)
    assert not set(after.values()) & set(before.values())  # no old pseudonym remains
    assert CitizenReport.objects.get(pk=submitted.report.pk).receipt_digest != digest_before
    # A register's record of the first person still carries her pseudonym: linkage holds.
    assert RegisterRecord.objects.get().iin_pseudonym == after[people[0].pk]

    settings.QORGAU_PSEUDONYM_REKEY_KEYS = [key]
    for person, iin in zip(people, IINS, strict=False):
        assert registry.iin_pseudonym(iin) == after[person.pk]
        assert parse_iin(iin).pseudonym == after[person.pk]  # the importer's fast path agrees
        assert registry.person_register(iin=iin) == person  # linked, not duplicated
    assert report_by_receipt(submitted.receipt) == submitted.report

    again = io.StringIO()
    call_command("rotate_keys", "--pseudonyms", "--new-key-file", str(key_file), stdout=again)
    assert "already applied" in again.getvalue()
    assert _pseudonyms() == after


@pytest.mark.django_db
def test_pseudonym_rekeying_refuses_a_misconfigured_chain(settings: Any) -> None:
    make_people()
    first, second = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    keys_rotate_pseudonyms(new_key=first)
    # The operator forgot to configure the first key: a second rotation would lose track.
    with pytest.raises(RotationError, match="fix the configuration first"):
        keys_rotate_pseudonyms(new_key=second)
    settings.QORGAU_PSEUDONYM_REKEY_KEYS = [first]
    keys_rotate_pseudonyms(new_key=second)
    settings.QORGAU_PSEUDONYM_REKEY_KEYS = [first, second]
    person = Person.objects.get(iin_pseudonym=registry.iin_pseudonym(IINS[0]))
    assert person.iin_pseudonym
    with pytest.raises(RotationError, match="at least"):
        keys_rotate_pseudonyms(new_key="short")
