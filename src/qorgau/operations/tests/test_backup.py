"""Backup and restore round trips: nothing is lost, damaged files are refused."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from qorgau.audit.models import AuditChainHead, AuditEntry
from qorgau.audit.services import audit_chain_verify
from qorgau.citizens.services import report_by_receipt
from qorgau.lib.crypto import decrypt_text
from qorgau.operations.backup import (
    PAYLOADS,
    BackupError,
    _manifest_checksum,
    backup_inspect,
    database_backup,
    database_restore,
)
from qorgau.operations.tests.helpers import make_people, table_checksums
from qorgau.registry.models import Person

AUDIT_TABLES = {AuditEntry._meta.db_table, AuditChainHead._meta.db_table}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_modify_restore_gives_back_every_row(tmp_path: Path) -> None:
    people, submitted = make_people()
    before = table_checksums()
    entries_before = AuditEntry.objects.count()
    out = tmp_path / "qorgau.backup"
    call_command("backup", "--out", str(out), stdout=io.StringIO())
    _check_manifest(out)
    assert AuditEntry.objects.filter(object_type="operations.backup").count() == 1

    # Damage the live database in every way: change, delete, add.
    Person.objects.filter(pk=people[0].pk).update(surname_token="")
    Person.objects.filter(pk=people[2].pk).delete()
    make_people_again = Person.objects.create(surname_token="x")
    assert table_checksums() != before

    stdout = io.StringIO()
    call_command("restore", str(out), stdout=stdout)
    assert "Audit chain intact" in stdout.getvalue()

    after = table_checksums()
    assert set(after) == set(before)
    for table in before:
        if table not in AUDIT_TABLES:
            assert after[table] == before[table], table
    assert not Person.objects.filter(pk=make_people_again.pk).exists()
    assert decrypt_text(Person.objects.get(pk=people[0].pk).surname_token) == "Фамилия 0"
    assert report_by_receipt(submitted.receipt) == submitted.report
    # The chain is the backed-up one plus the restore itself, and it verifies.
    assert AuditEntry.objects.count() == entries_before + 1
    assert AuditEntry.objects.order_by("-position").first().object_type == "operations.restore"
    assert audit_chain_verify().intact


def _backup(tmp_path: Path) -> Path:
    out = tmp_path / "qorgau.backup"
    database_backup(out=out)
    return out


def _rewrite(source: Path, target: Path, change: Any) -> None:
    """Copy a backup member by member, letting ``change(name, data)`` alter one."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old.getmembers():
            handle = old.extractfile(member)
            assert handle is not None
            data = change(member.name, handle.read())
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))


def _check_manifest(path: Path) -> None:
    manifest = backup_inspect(path)
    assert manifest["vendor"] == connection.vendor
    assert manifest["format_version"] == 1
    assert manifest["tables"][Person._meta.db_table] == 3
    assert "0001_initial" in manifest["migrations"]["registry"]
    assert manifest["payload"]["name"] == PAYLOADS[connection.vendor]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_damaged_backups_are_refused_before_the_database_is_touched(tmp_path: Path) -> None:
    source = _backup(tmp_path)
    before = table_checksums()
    _refuses_flipped_payload(source, tmp_path)
    _refuses_tampered_manifest_and_truncation(source, tmp_path)
    _refuses_another_vendor(source, tmp_path)
    assert table_checksums() == before


def _refuses_flipped_payload(source: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.backup"

    def flip(name: str, data: bytes) -> bytes:
        if name == "manifest.json":
            return data
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]

    _rewrite(source, damaged, flip)
    with pytest.raises(CommandError, match="corrupted: the database checksum does not match"):
        call_command("restore", str(damaged))


def _refuses_tampered_manifest_and_truncation(source: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.backup"

    def recount(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tables"][Person._meta.db_table] += 1
        return json.dumps(manifest).encode()

    _rewrite(source, tampered, recount)
    with pytest.raises(BackupError, match="manifest checksum does not match"):
        database_restore(path=tampered)

    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(source.read_bytes()[: source.stat().st_size // 3])
    with pytest.raises(BackupError, match="corrupted"):
        database_restore(path=truncated)

    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all" * 100)
    with pytest.raises(BackupError, match="not a Qorgau backup"):
        database_restore(path=junk)


def _refuses_another_vendor(source: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.backup"

    def revendor(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["vendor"] = "oracle"
        manifest["checksum"] = _manifest_checksum(manifest)
        return json.dumps(manifest).encode()

    _rewrite(source, other, revendor)
    with pytest.raises(BackupError, match="is a oracle backup"):
        database_restore(path=other)


@pytest.mark.django_db
def test_production_restore_needs_confirmation(tmp_path: Path, settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "any.backup"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_password_stays_off_the_command_line(tmp_path: Path, monkeypatch: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs QORGAU_DATABASE_URL=postgres://...")
    from qorgau.operations import backup

    seen: list[tuple[list[str], dict[str, str]]] = []
    real = backup._run

    def spy(command: list[str], env: dict[str, str]) -> None:
        seen.append((command, env))
        real(command, env)

    monkeypatch.setattr(backup, "_run", spy)
    database_backup(out=tmp_path / "pg.backup")
    command, env = seen[0]
    password = connection.settings_dict["PASSWORD"]
    assert env["PGDATABASE"] == connection.settings_dict["NAME"]
    assert password and env["PGPASSWORD"] == password
    options = [part for part in command if part.startswith("-")]  # the rest are file paths
    assert not any(password in part or "://" in part for part in options)
    assert not {"-h", "-U", "-W", "--host", "--username"} & set(command)
