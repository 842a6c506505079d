from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.operations.backup import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Replace the database with a backup written by `qorgau backup`. The file's checksums and "
        "database vendor are checked first; afterwards the row counts and the audit chain are "
        "verified. In production the restore needs --yes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the backup file")
        parser.add_argument(
            "--yes", action="store_true", help="confirm discarding every change since the backup"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = database_restore(path=options["file"], confirmed=options["yes"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']}: "
            f"{sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables."
        )
        if result.pending_migrations:
            self.stdout.write(
                "The backup predates migrations of this version; run `qorgau migrate`: "
                + ", ".join(result.pending_migrations)
            )
        chain = result.chain
        if not chain.intact:
            raise CommandError(
                f"Restored, but the audit chain is BROKEN at entry #{chain.first_broken_position}: "
                f"{chain.problem}."
            )
        self.stdout.write(f"Audit chain intact: {chain.entries_checked} entries verified.")
