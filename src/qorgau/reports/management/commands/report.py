from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.reports.render import ReportError, report_render, report_request_parse
from qorgau.reports.services import write_atomically


class Command(BaseCommand):
    help = (
        "Periodic reports. `national --period 2024|2024Q4|2024-10 --lang kk|ru|en "
        "--format pdf|html --out FILE` writes the national report; `region KATO --period ... "
        "--lang ... --format ... --out FILE` writes a region passport. Figures are read from "
        "the stored indicator values (run `qorgau indicators compute` first)."
    )

    # A report only reads stored values; it needs neither the URL configuration nor the checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        for kind in ("national", "region"):
            command = sub.add_parser(kind)
            if kind == "region":
                command.add_argument("kato", help="9-digit KATO code of the region")
            command.add_argument("--period", required=True, help="2024, 2024Q4 or 2024-10")
            command.add_argument("--lang", default="kk", help="kk, ru or en")
            command.add_argument("--format", dest="fmt", help="pdf or html (default: from --out)")
            command.add_argument("--out", required=True, help="the file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        fmt = options["fmt"] or (out.suffix.lstrip(".").lower() or "pdf")
        try:
            request = report_request_parse(
                kind=options["kind"],
                code=options.get("kato"),
                period=options["period"],
                language=options["lang"],
            )
            payload, built = report_render(request, fmt, progress=self._progress)
            write_atomically(out, payload)
        except ReportError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror or exc}") from exc
        self.stderr.write("")
        skipped = [s.title for s in built.sections if s.skipped]
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {out} ({len(payload):,} bytes, {fmt}).")
            + (f" Sections without results: {', '.join(skipped)}." if skipped else "")
        )

    def _progress(self, percent: int, stage: str) -> None:
        width = 30
        filled = width * percent // 100
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {percent:3d}% {stage[:40]:<40}", ending=""
        )
