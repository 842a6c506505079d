from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qorgau.programs.evaluation_store import evaluations_refresh, every_scope


class Command(BaseCommand):
    help = (
        "Psychocorrection programmes. `evaluate` recomputes the stored re-offending evaluations "
        "whose registry data changed (the evaluation page only reads them); with --all, every "
        "scope: the country, each region and each provider. Safe to re-run; schedule it nightly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        evaluate = sub.add_parser("evaluate")
        evaluate.add_argument("--all", action="store_true", help="every scope, not only stored")

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = every_scope() if options["all"] else None
        refreshed = evaluations_refresh(scopes=scopes)
        self.stdout.write(f"{refreshed} programme evaluations recomputed.")
