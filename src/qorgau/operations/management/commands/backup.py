from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.operations.backup import BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database (SQLite online backup or pg_dump) with a "
        "manifest and checksums to FILE; the backup is recorded in the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="the backup file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = database_backup(out=options["out"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            f"Backup written to {result.path}: {manifest['vendor']}, "
            f"{len(manifest['tables'])} tables, {sum(manifest['tables'].values())} rows, "
            f"sha256 {manifest['payload']['sha256']}."
        )
