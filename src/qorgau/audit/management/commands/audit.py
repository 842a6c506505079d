from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.audit.services import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Audit trail tools. `qorgau audit verify` re-computes every seal of the hash chain and "
        "exits 0 when it is intact, 1 naming the first broken entry when a row was altered, "
        "removed or inserted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("operation", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        if not report.intact:
            where = (
                f"entry #{report.first_broken_position}"
                if report.first_broken_position
                else "the chain head"
            )
            raise CommandError(
                f"Audit chain BROKEN at {where}: {report.problem} "
                f"({report.entries_checked} entries before it hold)."
            )
        self.stdout.write(f"Audit chain intact: {report.entries_checked} entries verified.")
