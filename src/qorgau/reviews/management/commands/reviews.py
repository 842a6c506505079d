from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qorgau.reviews.opening import review_open_for_new_cases


class Command(BaseCommand):
    help = (
        "Serious-case reviews. `open` opens a review, with its timeline, for every victim of a "
        "death or grave harm in the registry (incident injury, or a homicide or grave-harm "
        "offence) up to --as-of (today) that has none yet. Safe to re-run; run it after imports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        opening = sub.add_parser("open")
        opening.add_argument("--as-of", default="", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
        except ValueError:
            raise CommandError("--as-of must be YYYY-MM-DD") from None
        opened = review_open_for_new_cases(as_of=as_of or timezone.localdate())
        self.stdout.write(f"{len(opened)} serious-case reviews opened.")
