"""Benchmark of ``qorgau synth``: the time to synthesise a country against a bare baseline.

The baseline, measured in the same run, is a ``bulk_create`` of as many incident rows as the
synthesis wrote, all with constant values: the floor any generator writing those rows pays.

    python benchmarks/bench_synth.py --scale 1.0 --years 2015-2024

Uses its own SQLite file under var/ (or QORGAU_BENCH_DATABASE_URL). ``run()`` is also called
by ``benchmarks/run.py`` when it lists this benchmark.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = ROOT / "var" / "bench-synth.sqlite3"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    os.environ["QORGAU_DATABASE_URL"] = os.environ.get(
        "QORGAU_BENCH_DATABASE_URL", f"sqlite:///{BENCH_DB}"
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def run(scale: float, years: str) -> list[tuple[str, str, str, str]]:
    """Rows (label, time, baseline, ratio) for the results table."""
    from django.db import transaction
    from django.utils import timezone

    from qorgau.registry.models import Incident
    from qorgau.synth.services import parse_years, synth_clear, synth_run
    from qorgau.territory.models import Territory

    synth_clear()
    first, last = parse_years(years)
    start = time.perf_counter()
    synth = synth_run(first_year=first, last_year=last, scale=scale, seed=1)
    seconds = time.perf_counter() - start
    incidents = synth.counts.get("registry.Incident", 0)
    rows = sum(v for k, v in synth.counts.items() if "encryptions" not in k)
    synth_clear()

    district = Territory.objects.districts().current().first()
    assert district is not None
    moment = timezone.now() - dt.timedelta(days=1)
    start = time.perf_counter()
    with transaction.atomic():
        Incident.objects.bulk_create(
            (
                Incident(
                    occurred_at=moment,
                    reported_at=moment,
                    district=district,
                    settlement_type="urban",
                    source_channel="call_102",
                    source="bench",
                )
                for _i in range(incidents)
            ),
            batch_size=5000,
        )
    baseline = time.perf_counter() - start
    Incident.objects.filter(source="bench").delete()
    return [
        (
            f"synth: {years} at scale {scale:g} ({incidents:,} incidents, {rows:,} rows)",
            f"{seconds:.1f} s",
            f"{baseline:.1f} s (bulk_create of {incidents:,} constant incidents)",
            f"{seconds / baseline:.1f}×" if baseline else "–",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--years", default="2023-2024")
    args = parser.parse_args()
    BENCH_DB.parent.mkdir(exist_ok=True)
    BENCH_DB.unlink(missing_ok=True)
    _setup()
    for label, seconds, baseline, ratio in run(args.scale, args.years):
        print(f"| {label} | {seconds} | {baseline} | {ratio} |")


if __name__ == "__main__":
    main()
