"""``qorgau returns import FILE --source NAME``: yearly returns of social services and forensic
medicine per district (columns in ``docs/import-formats.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from qorgau.accounts.models import User
from qorgau.accounts.roles import IMPORT_SOCIAL_RETURNS
from qorgau.registry.importing.engine import EXIT_OK, EXIT_REJECTS, EXIT_UNREADABLE
from qorgau.registry.importing.returns import ReturnsOutcome, returns_import

PERMISSION = IMPORT_SOCIAL_RETURNS


class Command(BaseCommand):
    help = (
        "Import yearly returns per district and year (CSV or XLSX): families in a difficult "
        "life situation identified and supported, children in families at social risk, family "
        "support centres, deaths from domestic violence. --source names the body and report; "
        "(district, year, source) is the key, so a re-run adds nothing (a row with other "
        "figures than the stored ones is rejected unless --replace). Bad rows are listed in "
        "--rejects (row, field, value, reason). Exit codes: 0 every row accepted or already "
        "imported; 3 some rows rejected, the good ones kept; 2 the file cannot be read; "
        "1 any other error (no --source, an unknown --user or one without the permission)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="import a file of returns")
        load.add_argument("file", type=Path, help="the .csv or .xlsx file")
        load.add_argument("--source", default="", help="the body and report the figures are from")
        load.add_argument("--rejects", type=Path, help="write rejected rows to this CSV file")
        load.add_argument("--replace", action="store_true", help="correct stored returns")
        load.add_argument("--user", help="import as this user, within the user's territory")
        load.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the reasons in the rejects file",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            source = options["source"].strip()
            if not source:
                raise CommandError(_("Name the body and report the figures come from: --source."))
            if len(source) > 120:
                raise CommandError(_("--source is at most 120 characters."))
            outcome = returns_import(
                options["file"].resolve(),
                source=source,
                actor=self._actor(options["user"]),
                replace=options["replace"],
                rejects_path=options["rejects"],
            )
            self._report(outcome, source, options["rejects"])
        if outcome.exit_code != EXIT_OK:
            raise SystemExit(outcome.exit_code)

    @staticmethod
    def _actor(username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user %(user)s.") % {"user": repr(username)})
        if not user.has_perm(PERMISSION):
            raise CommandError(
                _("The user %(user)s may not import returns of social services and forensic "
                  "medicine.") % {"user": repr(username)}
            )  # fmt: skip
        return user

    def _report(self, outcome: ReturnsOutcome, source: str, rejects: Path | None) -> None:
        if outcome.exit_code == EXIT_UNREADABLE:
            self.stderr.write(
                _("The file cannot be imported: %(reason)s") % {"reason": outcome.message}
            )
            return
        if outcome.unknown_columns:
            self.stderr.write(
                _("Columns ignored (not part of the returns format): %(columns)s.")
                % {"columns": ", ".join(outcome.unknown_columns)}
            )
        self.stdout.write(
            _("Returns from %(source)s: %(rows)s rows, %(accepted)s stored, %(replaced)s "
              "corrected, %(skipped)s already imported, %(rejected)s rejected.")
            % {"source": repr(source), "rows": outcome.processed, "accepted": outcome.accepted,
               "replaced": outcome.replaced, "skipped": outcome.skipped,
               "rejected": outcome.rejected}
        )  # fmt: skip
        if outcome.exit_code == EXIT_REJECTS:
            if rejects:
                message = _("%(rejected)s rows rejected: see %(path)s.")
            else:
                message = _("%(rejected)s rows rejected: pass --rejects OUT.csv to list them.")
            self.stderr.write(message % {"rejected": outcome.rejected, "path": rejects})
