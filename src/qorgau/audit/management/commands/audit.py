from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.audit.anchor import anchor_path, anchor_write
from qorgau.audit.models import AuditChainHead
from qorgau.audit.services import audit_chain_verify
from qorgau.audit.verification import chain_verification_store


class Command(BaseCommand):
    help = (
        "Audit trail tools. `qorgau audit verify` re-computes every seal of the hash chain, "
        "holds the chain against its anchors outside the database (QORGAU_AUDIT_ANCHOR_FILE) "
        "and exits 0 when it is intact, 1 naming the first broken entry when a row was altered, "
        "removed or inserted, or when the trail was deleted, cut back or rebuilt. "
        "`qorgau audit anchor` appends the current head to the anchor file (after a verified "
        "chain only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("operation", choices=["verify", "anchor"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        if options["operation"] == "verify":
            chain_verification_store(report)  # the chain page shows the last result
        if not report.intact:
            where = (
                f"entry #{report.first_broken_position}"
                if report.first_broken_position
                else "the chain head"
            )
            good = report.last_good_anchor
            last = (
                f" Last good anchor: entry #{good.length}, {good.at} (line {good.line})."
                if good
                else ""
            )
            raise CommandError(
                f"Audit chain BROKEN at {where}: {report.problem} "
                f"({report.entries_checked} entries before it hold).{last}"
            )
        if options["operation"] == "anchor":
            if anchor_path() is None:
                raise CommandError("Anchoring is switched off (QORGAU_AUDIT_ANCHOR_FILE is empty).")
            head = AuditChainHead.objects.filter(pk=1).first()
            if head is None or head.length == 0:
                self.stdout.write("The audit chain is empty: nothing to anchor.")
                return
            anchor_write(head.length, head.last_seal)
            self.stdout.write(f"Anchored entry #{head.length} in {anchor_path()}.")
            return
        self.stdout.write(f"Audit chain intact: {report.entries_checked} entries verified.")
        if report.last_good_anchor is not None:
            self.stdout.write(
                f"Held against {report.anchors_checked} anchors outside the database; "
                f"the newest: entry #{report.last_good_anchor.length}, "
                f"{report.last_good_anchor.at}."
            )
        elif report.entries_checked:
            self.stdout.write(
                "WARNING: no anchors outside the database to hold the chain against "
                f"({anchor_path() or 'anchoring switched off'}): a deleted or rolled-back "
                "trail cannot be told from an intact one. Run `qorgau audit anchor`."
            )
