"""Rating stress test (issue 22): does hiding registered violence pay under the current method?

Every rated region hides 30, 50, 70 and 90% of its registered police incidents of the year, at
random or keeping every grave case, ``QORGAU_BENCH_STRESS_DRAWS`` times each (10 by default),
in a copy of the inputs; the hidden-violence estimate is made again each time from the capture
histories. The current method (default-v4) is measured against the baseline named by the
issue, the previous version (default-v2, harm counted from the police register), on the same
data, cases and seed in the same run: time, the share of draws in which a region gained more
than half a point (the criterion: at most 5%), the cases whose expected score rose (criterion:
none) and the largest gain.

In ``make bench`` it runs on the benchmark's synthetic country. On its own it builds one
(``python benchmarks/bench_rating_stress.py``: scale 0.03, 2022–2024, in
``QORGAU_BENCH_DATABASE_URL`` or ``var/bench-stress.sqlite3``), where the reporting ratio comes
from latency's estimator on the synthetic truth's capture tables (no linkage run), and writes
its rows into ``benchmarks/RESULTS.md`` in place of the previous stress rows.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

SHARES = (0.3, 0.5, 0.7, 0.9)
PREFIX = "rating stress"


def _histories(year: int) -> tuple[list[Any], str]:
    from qorgau.linkage.selectors import capture_histories

    found = [h for h in capture_histories(years=[year]) if h.year == year]
    if found:
        return found, "linked capture histories"
    from qorgau.synth.evaluation import latest_synth_run, truth_histories

    run = latest_synth_run()
    return (truth_histories(run, [year]) if run else []), "the synthetic truth's capture tables"


def run(year: int = 2024, draws: int | None = None) -> list[tuple[str, str, str, str]]:
    from qorgau.rating.models import RatingMethod
    from qorgau.rating.services import method_current, method_sync_builtin
    from qorgau.rating.stress_inputs import rating_stress

    draws = draws or int(os.environ.get("QORGAU_BENCH_STRESS_DRAWS", "10"))
    method_sync_builtin()
    histories, source = _histories(year)
    results = {}
    for stored in (method_current(), RatingMethod.objects.get(name="default", version=2)):
        start = time.perf_counter()
        stress = rating_stress(
            year=year, stored=stored, shares=SHARES, draws=draws, seed=11, histories=histories
        )
        results[stored.version] = (time.perf_counter() - start, stress.results)
    (new_time, new), (old_time, old) = results[max(results)], results[2]
    cases = len(new["rows"])
    size = f"{new['units']} regions × {len(SHARES)} shares × 2 modes × {draws} draws"
    return [
        (
            f"{PREFIX}: {new['method']}, {size}, estimate re-made from {source}",
            f"{new_time:.1f} s",
            f"{old['method']} (police-register harm), same cases {old_time:.1f} s",
            f"{new_time / old_time:.2f}×",
        ),
        (
            f"{PREFIX}: share of draws in which a region gained > 0.5 point (criterion ≤ 5%)",
            f"{100 * new['rewarded_share']:.1f}%",
            f"{old['method']} {100 * old['rewarded_share']:.1f}%",
            "passes" if new["rewarded_share"] <= 0.05 else "FAILS",
        ),
        (
            f"{PREFIX}: cases whose expected score rose (criterion: none)",
            f"{len(new['raised_expected'])} of {cases}",
            f"{old['method']} {len(old['raised_expected'])} of {cases}",
            "passes" if not new["raised_expected"] else "FAILS",
        ),
        (
            f"{PREFIX}: largest gain in any draw; mean change at 90% hidden",
            f"{new['largest_gain']:+.2f}; {_mean_at(new, 0.9):+.2f} points",
            f"{old['method']} {old['largest_gain']:+.2f}; {_mean_at(old, 0.9):+.2f} points",
            "",
        ),
    ]


def _mean_at(result: dict[str, Any], share: float) -> float:
    changes = [r["mean_change"] for r in result["rows"] if r["share"] == share]
    return sum(changes) / len(changes) if changes else 0.0


def results_update(rows: list[tuple[str, str, str, str]], path: Path) -> None:
    """Put ``rows`` in RESULTS.md's table in place of the earlier stress rows (after the other
    rating rows when there were none)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.splitlines()
    new = [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    kept = [line for line in lines if not line.startswith(f"| {PREFIX}")]
    anchor = max((n for n, line in enumerate(kept) if line.startswith("| rating")), default=-1)
    if anchor < 0:
        anchor = max((n for n, line in enumerate(kept) if line.startswith("|")), default=-1)
    kept[anchor + 1 : anchor + 1] = new
    path.write_text("\n".join(kept) + ("\n" if text.endswith("\n") else ""), encoding="utf-8")


def main() -> None:
    import sys

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "src"))
    database = root / "var" / "bench-stress.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    os.environ["QORGAU_DATABASE_URL"] = os.environ.get(
        "QORGAU_BENCH_DATABASE_URL", f"sqlite:///{database}"
    )
    if os.environ["QORGAU_DATABASE_URL"] == f"sqlite:///{database}":
        database.parent.mkdir(exist_ok=True)
        database.unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from qorgau.rating.tests.synthetic import synthetic_country

    scale = float(os.environ.get("QORGAU_BENCH_STRESS_SCALE", "0.03"))
    start = time.perf_counter()
    synthetic_country(scale=scale, seed=22, first_year=2022, last_year=2024)
    print(f"synthetic country at scale {scale}: {time.perf_counter() - start:.0f} s")
    rows = run()
    for row in rows:
        print(" | ".join(row))
    results_update(rows, Path(__file__).parent / "RESULTS.md")


if __name__ == "__main__":
    main()
