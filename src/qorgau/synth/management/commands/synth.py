"""``qorgau synth``: fill the database with a synthetic country with a known ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.synth.models import SynthRun
from qorgau.synth.services import parse_years, synth_clear, synth_run, truth_write


class Command(BaseCommand):
    help = (
        "Generate synthetic registry data for a range of years (the last one up to today) with "
        "the hidden violence behind it: incidents, orders, requirements, offences, checks, risk "
        "assessments, sightings in health, crisis-centre, 111-line and social-service registers. "
        "The same seed and arguments give the same data. Refused in production and when "
        "synthetic data exist already (use --clear). --clear alone removes synthetic data only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", help="first-last, e.g. 2015-2024")
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the national volumes")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--truth", type=Path, help="write the true counts to this CSV file")
        parser.add_argument("--clear", action="store_true", help="remove synthetic data first")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Synthetic data are refused in production.")
        if options["clear"]:
            removed = synth_clear()
            self.stdout.write(f"Removed {removed} synthetic rows.")
        if not options["years"]:
            if not options["clear"]:
                raise CommandError("Give --years (e.g. 2015-2024), or --clear.")
            return
        if SynthRun.objects.exists():
            raise CommandError("Synthetic data exist already: add --clear to replace them.")
        try:
            first, last = parse_years(options["years"])
            run = synth_run(
                first_year=first,
                last_year=last,
                scale=options["scale"],
                seed=options["seed"],
                progress=self.stdout.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{k.split('.')[-1]} {v}" for k, v in sorted(run.counts.items()))
        self.stdout.write(
            f"Synthesised {first}-{last} at scale {run.scale} in {run.seconds:.1f} s: {counts}"
        )
        if options["truth"]:
            rows = truth_write(run, options["truth"])
            self.stdout.write(f"Wrote {rows} rows of true counts to {options['truth']}.")
