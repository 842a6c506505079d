"""``qorgau import KIND FILE``: bulk import of a register extract (CSV or XLSX)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import User
from qorgau.registry.importing.engine import (
    BATCH_SIZE,
    EXIT_OK,
    EXIT_REJECTS,
    EXIT_UNREADABLE,
    SPECS,
    Outcome,
    run_import,
)
from qorgau.registry.importing.permissions import may_import
from qorgau.registry.importing.register_records import register_problem
from qorgau.registry.models import ImportJob, Register

SOURCE_REQUIRED = _(
    "Name the register's source with --source: with record_id it is the key that recognises "
    "records already imported."
)
MAY_NOT_IMPORT_REGISTER = _(
    "The user %(user)s may not import records of the %(register)s register."
)


class Command(BaseCommand):
    help = (
        "Import a register extract (CSV or XLSX; columns in docs/import-formats.md). Rows are "
        "checked against every registry rule; good rows are kept, bad ones listed in --rejects "
        "(row, field, value, reason). Rows already imported from the same --source (same "
        "record_id) are skipped, so an interrupted import is resumed by running it again. "
        "Without --user the import runs as the system, for the whole country; with --user the "
        "user's territory applies and the user must hold the import permission. "
        "Records of the registers outside the police (register-records) need --register "
        f"({', '.join(Register.values)}) and --source; a user importing them needs that "
        "register's permission, and a user of an organisation only imports the register its "
        "organisation keeps. "
        "Exit codes: 0 every row accepted (or already imported); 3 some rows rejected, the good "
        "ones kept; 2 the file cannot be read at all (format, encoding, missing columns); "
        "1 any other error (an unknown --user or one without the permission, a missing or "
        "unknown --register)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(SPECS), help="what the file holds")
        parser.add_argument("file", type=Path, help="the .csv or .xlsx file")
        parser.add_argument("--rejects", type=Path, help="write rejected rows to this CSV file")
        parser.add_argument(
            "--source",
            default="",
            help="the register the file comes from (with record_id, the key of every row)",
        )
        parser.add_argument(
            "--register",
            default="",
            metavar="|".join(Register.values),
            help="register-records only: the register the file comes from",
        )
        parser.add_argument("--user", help="import as this user, within the user's territory")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the reasons in the rejects file",
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help="rows per transaction"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._check_register(options["kind"], options["register"], options["source"])
            actor = self._actor(options["user"], options["kind"], options["register"])
        path: Path = options["file"].resolve()
        job = ImportJob.objects.create(
            kind=options["kind"],
            file_name=path.name[:255],
            stored_path=str(path),
            source=options["source"][:40],
            register=options["register"],
            language=options["language"],
            created_by=actor,
        )
        outcome = run_import(
            job,
            actor=actor,
            rejects_path=options["rejects"],
            batch_size=max(1, options["batch_size"]),
            progress=self._progress if sys.stderr.isatty() else None,
        )
        self._report(job, outcome, options["rejects"])
        if outcome.exit_code != EXIT_OK:
            raise SystemExit(outcome.exit_code)

    @staticmethod
    def _check_register(kind: str, register: str, source: str) -> None:
        """A file of records names its register and source; a police extract no register."""
        problem = register_problem(kind, register)
        if problem:
            raise CommandError(str(problem))
        if kind == ImportJob.Kind.REGISTER_RECORDS and not source.strip():
            raise CommandError(str(SOURCE_REQUIRED))

    def _actor(self, username: str | None, kind: str, register: str) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        if may_import(user, kind, register):
            return user
        if kind == ImportJob.Kind.REGISTER_RECORDS:
            raise CommandError(
                str(MAY_NOT_IMPORT_REGISTER % {"user": repr(username), "register": register})
            )
        raise CommandError(f"The user {username!r} may not import register extracts.")

    def _progress(self, job: ImportJob) -> None:
        total = max(job.total_rows or 0, job.processed_rows, 1)
        share = job.processed_rows / total
        bar = "#" * int(share * 30)
        self.stderr.write(
            f"\r[{bar:<30}] {share:4.0%}  {job.processed_rows:,}/{total:,} rows, "
            f"{job.rejected_rows:,} rejected",
            ending="",
        )
        self.stderr.flush()

    def _report(self, job: ImportJob, outcome: Outcome, rejects: Path | None) -> None:
        if sys.stderr.isatty():
            self.stderr.write("")
        if outcome.exit_code == EXIT_UNREADABLE:
            self.stderr.write(f"The file cannot be imported: {outcome.message}")
            return
        if outcome.unknown_columns:
            self.stderr.write(
                "Warning: columns not part of the "
                f"{job.kind} format were ignored: {', '.join(outcome.unknown_columns)} "
                "(see docs/import-formats.md for the column names)."
            )
        if outcome.message:
            self.stderr.write(f"The import stopped: {outcome.message}")
        self.stdout.write(
            f"Import #{job.pk} ({job.kind}, source {job.source!r}): {outcome.processed:,} rows, "
            f"{outcome.accepted:,} accepted, {outcome.rejected:,} rejected, "
            f"{outcome.skipped:,} already imported."
        )
        if outcome.exit_code == EXIT_REJECTS:
            where = f"see {rejects}" if rejects else "pass --rejects OUT.csv to list them"
            self.stderr.write(f"{outcome.rejected:,} rows rejected: {where}.")
