from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from qorgau.latency import mse
from qorgau.latency.evaluation import DESIGNS, EVALUATED, evaluate
from qorgau.latency.export import run_csv_write
from qorgau.latency.models import RunStatus
from qorgau.latency.services import (
    DEFAULT_RUN_METHOD,
    NATIONAL,
    RUN_METHODS,
    estimation_run,
)
from qorgau.latency.survey import SurveyRate
from qorgau.latency.tables import TableError, read_capture_csv

FROM_TRUTH_GONE = (
    "--from-truth is gone: estimates from the synthetic ground truth are an evaluation, never "
    "published. Run `qorgau synth_evaluate_estimates [--years 2015-2024] [--out FILE.csv]`, "
    "which stores them apart (synth.TruthEstimate) and compares them with the true numbers."
)


def _names(allowed: tuple[str, ...]) -> Any:
    def parse(text: str) -> list[str]:
        names = [n.strip() for n in text.split(",") if n.strip()]
        unknown = [n for n in names if n not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"{', '.join(unknown) or text!r}: choose from {', '.join(allowed)}"
            )
        return names

    return parse


def _years(text: str) -> list[int]:
    try:
        first, _sep, last = text.partition("-")
        years = list(range(int(first), int(last or first) + 1))
    except ValueError as exc:
        raise CommandError(f"--years must look like 2015-2024, not {text!r}") from exc
    if not years:
        raise CommandError(f"--years {text!r} is empty")
    return years


class Command(BaseCommand):
    help = (
        "Hidden-violence estimation. `mse FILE.csv [--selection stepwise|bic|aic|independence] "
        "[--bootstrap B] [--seed N] --out RESULT.json` estimates from a table of capture "
        "histories (one 0/1 column per list and a count column). `estimate [--years 2015-2024] "
        "[--selection ...] [--bootstrap B] [--out FILE.csv]` estimates every region and year "
        "from the latest linkage run's capture histories, stores and publishes the results "
        "(monitoring is updated) and optionally writes them as CSV. See docs/latency.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        one = sub.add_parser("mse", help="estimate from a CSV file of capture histories")
        one.add_argument("file", type=Path)
        one.add_argument("--out", type=Path, required=True)
        all_ = sub.add_parser("estimate", help="estimate every region and year and store it")
        all_.add_argument("--years", type=_years)
        all_.add_argument("--out", type=Path, help="also write the results to this CSV file")
        # Removed; kept hidden only to point old scripts to the synth evaluation.
        all_.add_argument("--from-truth", action="store_true", help=argparse.SUPPRESS)
        all_.add_argument("--survey-rate", type=float, help="national share reporting to police")
        all_.add_argument("--survey-victims", type=int, help="victims in the survey sample")
        all_.add_argument("--survey-deff", type=float, default=1.0, help="design effect")
        check = sub.add_parser(
            "evaluate", help="simulate countries with a known truth and score every method"
        )
        check.add_argument("--replications", type=int, default=20, metavar="N")
        check.add_argument("--designs", type=_names(DESIGNS), default=list(DESIGNS))
        check.add_argument("--methods", type=_names(EVALUATED), default=list(EVALUATED))
        check.add_argument("--seed", type=int, default=0)
        check.add_argument("--out", type=Path, help="also write the table to this CSV file")
        one.add_argument("--selection", choices=mse.METHODS, default="stepwise")
        all_.add_argument("--selection", choices=RUN_METHODS, default=DEFAULT_RUN_METHOD)
        for command in (one, all_):
            command.add_argument("--bootstrap", type=int, default=0, metavar="B")
            command.add_argument("--seed", type=int, default=0)
        for command in (one, all_, check):
            command.add_argument(
                "--language",
                choices=[code for code, _name in settings.LANGUAGES],
                default=settings.LANGUAGE_CODE,
                help="language of the messages and reasons",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        if options["operation"] == "evaluate":
            self._evaluate(options)
            return
        if options["bootstrap"] < 0:
            raise CommandError("--bootstrap must be 0 or more")
        if options["operation"] == "mse":
            self._mse(options)
        else:
            self._estimate(options)

    def _mse(self, options: dict[str, Any]) -> None:
        try:
            table = read_capture_csv(options["file"])
        except TableError as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        try:
            result = mse.estimate(
                table,
                selection=options["selection"],
                replicates=options["bootstrap"],
                seed=options["seed"],
            )
        except mse.EstimationRefused as exc:
            raise CommandError(
                _("%(file)s: no estimate: %(reason)s")
                % {"file": options["file"], "reason": exc.reason}
            ) from exc
        options["out"].write_text(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        self.stdout.write(
            f"{result.method} ({result.selection}): {result.estimate:,.1f} "
            f"[{result.ci_low:,.1f}, {result.ci_high:,.1f}], observed {result.observed}; "
            f"model {' + '.join(result.model) or 'independence'} -> {options['out']}"
        )

    def _estimate(self, options: dict[str, Any]) -> None:
        if options["from_truth"]:
            raise CommandError(FROM_TRUTH_GONE)
        survey = None
        if options["survey_rate"] is not None:
            if not options["survey_victims"]:
                raise CommandError("--survey-rate needs --survey-victims")
            survey = {
                NATIONAL: SurveyRate(
                    options["survey_rate"],
                    options["survey_victims"],
                    options["survey_deff"],
                    source="national survey (command line)",
                )
            }

        def progress(done: int, total: int, label: str) -> None:
            width = 30
            filled = width * done // total
            self.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<20}", ending=""
            )

        run = estimation_run(
            years=options["years"],
            selection=options["selection"],
            bootstrap=options["bootstrap"],
            seed=options["seed"],
            survey=survey,
            progress=progress,
        )
        self.stderr.write("")
        if run.status == RunStatus.FAILED:
            raise CommandError(run.message)
        refused = run.results.filter(estimate__isnull=True).count()
        self.stdout.write(
            f"Run {run.pk}: {run.done} region-years estimated ({run.get_source_display()}, "
            f"{run.selection}), {refused} published as a lower bound (the reasons are on the "
            "page and in --out); monitoring updated."
        )
        if options["out"]:
            rows = run_csv_write(
                options["out"], run.results.order_by("year", "region_code", "method")
            )
            self.stdout.write(f"Wrote {rows} rows to {options['out']}.")

    def _evaluate(self, options: dict[str, Any]) -> None:
        if options["replications"] < 1:
            raise CommandError("--replications must be 1 or more")

        def progress(done: int, total: int, label: str) -> None:
            self.stderr.write(f"\r{done}/{total} countries simulated ({label})   ", ending="")

        summaries = evaluate(
            designs=options["designs"],
            methods=options["methods"],
            replications=options["replications"],
            seed=options["seed"],
            progress=progress,
        )
        self.stderr.write("")
        rows = [s.row() for s in summaries]
        columns = list(rows[0])
        widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
        line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
        self.stdout.write(line)
        for row in rows:
            cells = (str(row[c]).ljust(w) for c, w in zip(columns, widths, strict=True))
            self.stdout.write("  ".join(cells))
        if options["out"]:
            with options["out"].open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                writer.writerows(rows)
            self.stdout.write(f"Wrote {len(rows)} rows to {options['out']}.")
