"""Backup and restore of the whole database, for SQLite and PostgreSQL.

A backup is one tar file holding ``manifest.json`` and the database payload:

* SQLite: a page-for-page copy taken with the sqlite3 *online backup API*, so it is a
  consistent snapshot even while the server keeps writing;
* PostgreSQL: a ``pg_dump -Fc`` archive taken inside an exported REPEATABLE READ snapshot, the
  same snapshot the row counts of the manifest are read in.

The manifest names the format version, the database vendor, the Django migration state, the
time and the row count of every table, plus the SHA-256 of the payload; the manifest carries its
own checksum. A restore refuses a file whose checksums or vendor do not match *before* it touches
the database, checks the row counts after, verifies the audit chain and records itself in it.

Connection details of PostgreSQL go to ``pg_dump``/``pg_restore`` through the ``PG*``
environment variables, never on the command line (where ``ps`` would show the password).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from qorgau.audit.anchor import anchor_rewind
from qorgau.audit.models import AuditAction
from qorgau.audit.services import ChainReport, audit_chain_verify, audit_record

if TYPE_CHECKING:
    from qorgau.accounts.models import User


FORMAT = "qorgau-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOADS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_CHUNK = 1 << 20

# Rows per table and the migrations applied per app: what a restore must find again.
DatabaseState = tuple[dict[str, int], dict[str, list[str]]]


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why, for the operator."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    chain: ChainReport
    pending_migrations: list[str] = field(default_factory=list)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_checksum(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


def _vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in PAYLOADS:
        raise BackupError(f"Backups of a {connection.vendor} database are not supported.")
    return connection.vendor


def _pg_environment(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The libpq environment for ``connection``: the password never reaches argv."""
    params = connection.settings_dict
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        value = params.get(key)
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    sslmode = (params.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    executable = shutil.which(command[0])
    if executable is None:
        raise BackupError(f"`{command[0]}` is not installed on this machine.")
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell, no secrets in it
        [executable, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _state(cursor: Any, tables: list[str], quote: Any) -> DatabaseState:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - introspected names
        counts[table] = int(cursor.fetchone()[0])
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    return counts, migrations


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [row[0] for row in cursor.fetchall()]


def _snapshot_sqlite(connection: BaseDatabaseWrapper, payload: Path) -> DatabaseState:
    connection.ensure_connection()
    target = sqlite3.connect(payload)
    try:
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
        cursor = target.cursor()
        return _state(cursor, _sqlite_tables(cursor), _sqlite_quote)
    finally:
        target.close()


def _snapshot_postgresql(connection: BaseDatabaseWrapper, payload: Path) -> DatabaseState:
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(
            ["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
             "-f", str(payload)],
            _pg_environment(connection),
        )  # fmt: skip
        tables = connection.introspection.table_names(cursor)
        return _state(cursor, tables, connection.ops.quote_name)


def database_backup(
    *, out: Path, actor: User | None = None, using: str = "default"
) -> BackupResult:
    """Write a consistent backup of the database ``using`` to ``out`` and audit it."""
    connection = connections[using]
    vendor = _vendor(connection)
    if connection.in_atomic_block:
        # An open write transaction on the source would block the snapshot (or leak into it).
        raise BackupError("A backup cannot run inside a database transaction.")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".qorgau-backup-") as work:
        payload = Path(work) / PAYLOADS[vendor]
        if vendor == "sqlite":
            counts, migrations = _snapshot_sqlite(connection, payload)
        else:
            counts, migrations = _snapshot_postgresql(connection, payload)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "vendor": vendor,
            "created_at": timezone.now().isoformat(),
            "migrations": migrations,
            "tables": counts,
            "payload": {
                "name": payload.name,
                "size": payload.stat().st_size,
                "sha256": _sha256_file(payload),
            },
        }
        manifest["checksum"] = _manifest_checksum(manifest)
        partial = Path(work) / "backup.tar"
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(dt.datetime.now(tz=dt.UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(payload, arcname=payload.name)
        partial.chmod(0o600)  # pseudonyms and encrypted personal data: owner only
        os.replace(partial, out)  # a crash never leaves a half-written file under the name
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        object_type="operations.backup",
        object_id=manifest["payload"]["sha256"][:16],
        details={
            "event": "backup",
            "file": out.name,
            "vendor": vendor,
            "rows": sum(counts.values()),
            "checksum": manifest["checksum"],
        },
    )
    return BackupResult(out, manifest)


@contextlib.contextmanager
def _opened_backup(path: Path, vendor: str) -> Iterator[tuple[dict[str, Any], Path]]:
    """The verified manifest and payload of a backup file, or :class:`BackupError`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    with tempfile.TemporaryDirectory(prefix=".qorgau-restore-") as work:
        try:
            with tarfile.open(path, "r:") as archive:
                names = archive.getnames()
                if MANIFEST not in names:
                    raise BackupError(f"{path} is not a Qorgau backup (no manifest).")
                member = archive.extractfile(MANIFEST)
                if member is None:
                    raise BackupError(f"{path} is not a Qorgau backup (no manifest).")
                manifest = json.loads(member.read().decode("utf-8"))
                if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                    raise BackupError(f"{path} is not a Qorgau backup.")
                if manifest.get("checksum") != _manifest_checksum(manifest):
                    raise BackupError(f"{path} is corrupted: the manifest checksum does not match.")
                if manifest.get("format_version") != FORMAT_VERSION:
                    raise BackupError(
                        f"{path} has backup format {manifest.get('format_version')}; "
                        f"this version reads format {FORMAT_VERSION}."
                    )
                if manifest.get("vendor") != vendor:
                    raise BackupError(
                        f"{path} is a {manifest.get('vendor')} backup; this database is {vendor}."
                    )
                name = manifest["payload"]["name"]
                if name != PAYLOADS[vendor] or name not in names:
                    raise BackupError(f"{path} is corrupted: the database payload is missing.")
                payload = Path(work) / name
                source = archive.extractfile(name)
                if source is None:
                    raise BackupError(f"{path} is corrupted: the database payload is missing.")
                with payload.open("wb") as target:
                    shutil.copyfileobj(source, target, _CHUNK)
        except (tarfile.TarError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:
            raise BackupError(f"{path} is corrupted or not a Qorgau backup ({exc}).") from exc
        except KeyError as exc:
            raise BackupError(f"{path} is corrupted: the manifest lacks {exc}.") from exc
        if (
            payload.stat().st_size != manifest["payload"]["size"]
            or _sha256_file(payload) != manifest["payload"]["sha256"]
        ):
            raise BackupError(
                f"{path} is corrupted: the database checksum does not match the manifest."
            )
        yield manifest, payload


def backup_inspect(path: Path, *, using: str = "default") -> dict[str, Any]:
    """The verified manifest of a backup file (checksums and vendor checked)."""
    with _opened_backup(Path(path), _vendor(connections[using])) as (manifest, _payload):
        return manifest


def _restore_sqlite(connection: BaseDatabaseWrapper, payload: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(payload)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgresql(connection: BaseDatabaseWrapper, payload: Path) -> None:
    env = _pg_environment(connection)
    connection.close()  # our own session would hold locks the DROPs wait for
    _run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", "-d", env.get("PGDATABASE", ""),
         str(payload)],
        env,
    )  # fmt: skip


def _current_state(connection: BaseDatabaseWrapper) -> DatabaseState:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        return _state(cursor, tables, connection.ops.quote_name)


def database_restore(
    *, path: Path, actor: User | None = None, confirmed: bool = False, using: str = "default"
) -> RestoreResult:
    """Replace the database ``using`` with a verified backup, then check and audit the result.

    Refused in production unless ``confirmed``: a restore throws away everything written since
    the backup was taken.
    """
    if getattr(settings, "PRODUCTION", False) and not confirmed:
        raise BackupError(
            "This is a production database: a restore discards every change since the backup. "
            "Run again with --yes to confirm."
        )
    connection = connections[using]
    vendor = _vendor(connection)
    with _opened_backup(Path(path), vendor) as (manifest, payload):
        if connection.in_atomic_block:
            raise BackupError("A restore cannot run inside a database transaction.")
        if vendor == "sqlite":
            _restore_sqlite(connection, payload)
        else:
            _restore_postgresql(connection, payload)
    counts, _migrations = _current_state(connection)
    differing = sorted(
        table for table, count in manifest["tables"].items() if counts.get(table) != count
    )
    if differing:
        raise BackupError(
            "The restored database does not hold the rows the backup lists, in: "
            + ", ".join(differing[:10])
        )
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    graph = loader.graph
    pending = sorted(
        f"{app}.{name}"
        for app, name in graph.leaf_nodes()
        if (app, name) not in loader.applied_migrations
    )
    # The restored chain is older than the anchors written since the backup: a deliberate
    # rewind, signed as such, so that verification holds it to the restored head from now on.
    anchor_rewind()
    chain = audit_chain_verify()
    audit_record(
        action=AuditAction.CHANGE,
        actor=actor,
        object_type="operations.restore",
        object_id=manifest["payload"]["sha256"][:16],
        details={
            "event": "restore",
            "file": Path(path).name,
            "backup_created_at": manifest["created_at"],
            "rows": sum(manifest["tables"].values()),
            "audit_chain_intact": chain.intact,
            "audit_entries_checked": chain.entries_checked,
        },
    )
    return RestoreResult(manifest, chain, pending)
