from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qorgau.coordination.services import escalate


class Command(BaseCommand):
    help = (
        "Coordinating bodies. `escalate` finds decisions, safety actions and referrals that are "
        "due or overdue, escalates the overdue ones and notifies their owners (safe to re-run)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        sub.add_parser("escalate")

    def handle(self, *args: Any, **options: Any) -> None:
        report = escalate()
        self.stdout.write(
            f"{report.due} due soon, {report.escalated_items} decisions and actions escalated, "
            f"{report.escalated_referrals} referrals escalated, {report.outcomes_overdue} "
            f"outcomes overdue; {report.notices} notifications sent."
        )
