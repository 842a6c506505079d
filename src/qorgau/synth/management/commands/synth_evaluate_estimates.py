"""``qorgau synth_evaluate_estimates``: check the hidden-violence estimator against the truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.latency import mse
from qorgau.synth.evaluation import (
    NoTruth,
    comparison_csv_write,
    comparison_rows,
    comparison_summary,
    truth_evaluate,
)

HEADER = (
    f"{'region':<10}{'year':>5}{'observed':>10}{'true':>9}{'estimate':>11}"
    f"{'95% interval':>24}  covered"
)


def _years(text: str) -> list[int]:
    first, _sep, last = text.partition("-")
    try:
        years = list(range(int(first), int(last or first) + 1))
    except ValueError as exc:
        raise CommandError(f"--years must look like 2015-2024, not {text!r}") from exc
    if not years:
        raise CommandError(f"--years {text!r} is empty")
    return years


def _line(row: dict[str, Any]) -> str:
    interval = f"[{row['ci_low']}, {row['ci_high']}]" if row["ci_low"] else "-"
    estimate = row["estimate"] or row["status"]
    return (
        f"{row['region']:<10}{row['year']:>5}{row['observed']:>10}{row['true_victims']:>9}"
        f"{estimate:>11}{interval:>24}  {row['covered'] or '-'}"
    )


class Command(BaseCommand):
    help = (
        "EVALUATION ONLY, on synthetic data: estimate every region and year with the "
        "hidden-violence estimator (the same code as `qorgau latency estimate`) from the capture "
        "histories of the synthetic ground truth, i.e. what a perfect linkage would give, and "
        "compare each estimate and its 95% interval with the simulated true number. Results "
        "are stored apart (synth.TruthEstimate) and never published: no estimation run is "
        "made and monitoring is not touched. See docs/latency.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=_years, help="first-last, e.g. 2015-2024")
        parser.add_argument("--selection", choices=mse.METHODS, default="stepwise")
        parser.add_argument("--out", type=Path, help="also write the comparison to this CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(done: int, total: int, label: str) -> None:
            self.stderr.write(f"\r{done}/{total} {label:<20}", ending="")

        try:
            estimates = truth_evaluate(
                years=options["years"], selection=options["selection"], progress=progress
            )
        except NoTruth as exc:
            raise CommandError(str(exc.reason)) from exc
        self.stderr.write("")
        if not estimates:
            raise CommandError("The synthetic data set has no victims in these years.")
        self.stdout.write(HEADER)
        for row in comparison_rows(estimates):
            self.stdout.write(_line(row))
        self.stdout.write(comparison_summary(estimates))
        self.stdout.write("Stored in synth.TruthEstimate (evaluation only); nothing published.")
        if options["out"]:
            rows = comparison_csv_write(options["out"], estimates)
            self.stdout.write(f"Wrote {rows} rows to {options['out']}.")
