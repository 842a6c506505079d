from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.monitoring.alerts import alerts_compute
from qorgau.monitoring.engine import indicators_compute
from qorgau.monitoring.export import export_rows, render
from qorgau.monitoring.periods import PeriodError, period_parse
from qorgau.monitoring.release_store import public_release_warm
from qorgau.territory.models import Level


class Command(BaseCommand):
    help = (
        "Indicator values. `compute [--since YYYY-MM-DD]` recomputes every indicator (from the "
        "start of that date's year); `export --level region|district --period 2024|2024Q4|2024-10 "
        "--format csv|xlsx|json [--public] [--out FILE]` writes the stored values, with "
        "disclosure control under --public (counts perturbed, small ones as the band '<5' in "
        "numerator_flag/denominator_flag, every cell of the frame listed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        compute = sub.add_parser("compute")
        compute.add_argument("--since", type=dt.date.fromisoformat)
        export = sub.add_parser("export")
        export.add_argument("--level", choices=["region", "district"], default="region")
        export.add_argument("--period", required=True)
        export.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        export.add_argument("--public", action="store_true")
        export.add_argument("--indicator", action="append")
        export.add_argument("--out")
        export.add_argument(
            "--todays-map",
            action="store_true",
            help="hand the figures of territories that no longer exist to today's territories",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["operation"] == "compute":
            self._compute(options["since"])
        else:
            self._export(options)

    def _compute(self, since: dt.date | None) -> None:
        def progress(done: int, total: int, code: str) -> None:
            width = 30
            filled = width * done // total
            self.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {code:<40}", ending=""
            )

        summary = indicators_compute(since=since, progress=progress)
        self.stderr.write("")
        if summary.recounted_from:
            self.stdout.write(
                f"Records dated from {summary.recounted_from} changed since the last run: "
                "their periods were recomputed too."
            )
        self.stdout.write(
            f"{summary.indicators_computed} indicators computed, "
            f"{summary.values_written} values stored; "
            f"{len(summary.indicators_awaiting)} await their data source."
        )
        self.stdout.write(f"{alerts_compute()} alerts raised for the latest quarter.")
        if public_release_warm():
            self.stdout.write("The public release of the latest year is protected and cached.")

    def _export(self, options: dict[str, Any]) -> None:
        try:
            period = period_parse(options["period"])
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        level = Level.REGION if options["level"] == "region" else Level.DISTRICT
        rows = export_rows(
            level=level,
            period=period,
            public=options["public"],
            indicators=options["indicator"],
            on_todays_map=options["todays_map"],
        )
        payload = render(rows, options["format"])
        if options["out"]:
            with open(options["out"], "wb") as handle:
                handle.write(payload)
            self.stderr.write(f"{len(rows)} rows written to {options['out']}")
        else:
            sys.stdout.buffer.write(payload)
