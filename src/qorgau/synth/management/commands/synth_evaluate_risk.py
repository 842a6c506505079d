"""``qorgau synth_evaluate_risk``: the risk accuracy report against the generator's values."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.synth.evaluation import NoTruth
from qorgau.synth.risk_evaluation import risk_evaluate

HEADER = (
    f"{'window':>6}  {'outcome':<16}{'figure':<10}{'estimate':>9}{'95% interval':>20}"
    f"{'known':>9}{'± MC':>7}  covered"
)


class Command(BaseCommand):
    help = (
        "EVALUATION ONLY, on synthetic data: run the risk instrument's accuracy report (the "
        "same code as `qorgau risk accuracy` and the page) and set every AUC and observed share "
        "by level beside the value the generator implies, found by drawing the country again "
        "in memory. Nothing is stored or published. See docs/risk-accuracy.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--replications", type=int, default=8, help="fresh draws of the country (default 8)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["replications"] < 2:
            raise CommandError("--replications must be at least 2 (for the Monte Carlo error).")
        try:
            checks = risk_evaluate(replications=options["replications"], progress=self.stderr.write)
        except NoTruth as exc:
            raise CommandError(str(exc.reason)) from exc
        self.stdout.write(HEADER)
        for c in checks:
            interval = f"[{c.low:.3f}, {c.high:.3f}]"
            self.stdout.write(
                f"{c.months:>4} m  {c.outcome:<16}{c.figure:<10}{c.estimate:>9.3f}{interval:>20}"
                f"{c.known:>9.3f}{c.error:>7.3f}  {'yes' if c.covered else 'NO'}"
            )
        covered = sum(c.covered for c in checks)
        self.stdout.write(f"{covered} of {len(checks)} intervals contain the generator's value.")
