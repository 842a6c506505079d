"""Benchmark of ``qorgau synth``: the time to synthesise a country against a bare write of it.

The baseline, measured in the same run, writes exactly the rows the synthesis wrote: every row
it added to every table is read back, deleted, and inserted again with ``executemany`` in one
transaction, table by table. Both sides write the same rows of the same models, so the ratio is
the generator's own overhead (sampling, names, encryption, its ORM calls) over writing. Each
side runs ``repeat`` times into emptied tables; the row gives minimum / median / maximum.

    python benchmarks/bench_synth.py --scale 1.0 --years 2015-2024

Uses its own SQLite file under var/ (or QORGAU_BENCH_DATABASE_URL). ``run()`` is also called
by ``benchmarks/run.py`` when it lists this benchmark.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

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


Tables = dict[str, tuple[list[str], list[tuple[Any, ...]]]]


def _tables() -> list[tuple[str, str]]:
    """(table, primary key column) of every model's table but the audit trail's: the chain
    records that a synthesis happened and is never rewritten, so it is not part of the rows."""
    from django.apps import apps

    return sorted(
        {
            (m._meta.db_table, str(m._meta.pk.column))
            for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy and m._meta.app_label != "audit"
        }
    )


def _keys() -> dict[str, set[Any]]:
    """The primary keys in every table now."""
    from django.db import connection

    q = connection.ops.quote_name
    keys: dict[str, set[Any]] = {}
    with connection.cursor() as cursor:
        for table, pk in _tables():
            cursor.execute(f"SELECT {q(pk)} FROM {q(table)}")
            keys[table] = {row[0] for row in cursor.fetchall()}
    return keys


def _added(before: dict[str, set[Any]]) -> Tables:
    """Every row added since ``before``, table by table: (columns, rows) as the database
    returns them, ready to be written back unchanged."""
    from django.db import connection

    q = connection.ops.quote_name
    added: Tables = {}
    with connection.cursor() as cursor:
        for table, pk in _tables():
            cursor.execute(f"SELECT * FROM {q(table)}")
            columns = [c[0] for c in cursor.description]
            at = columns.index(pk)
            rows = [row for row in cursor.fetchall() if row[at] not in before[table]]
            if rows:
                added[table] = (columns, rows)
    return added


def _delete(added: Tables) -> None:
    """Remove exactly the ``added`` rows (foreign keys are checked at commit, so in any order)."""
    from django.db import connection, transaction

    q = connection.ops.quote_name
    pks = dict(_tables())
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, rows) in added.items():
            at = columns.index(pks[table])
            keys = [row[at] for row in rows]
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                cursor.execute(
                    f"DELETE FROM {q(table)} WHERE {q(pks[table])} IN "
                    f"({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )


def _write(added: Tables) -> None:
    """The bare write: the same rows, the same tables, ``executemany`` in one transaction."""
    from django.db import connection, transaction

    q = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, rows) in added.items():
            sql = (
                f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})"
            )
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start : start + 5000])


def _spread(samples: list[float]) -> str:
    return f"{min(samples):.1f} / {statistics.median(samples):.1f} / {max(samples):.1f} s"


def run(scale: float, years: str, repeat: int = 3) -> list[tuple[str, str, str, str]]:
    """Rows (label, time, baseline, ratio) for the results table."""
    from qorgau.synth.services import parse_years, synth_clear, synth_run

    first, last = parse_years(years)
    seconds: list[float] = []
    before: dict[str, set[Any]] = {}
    counts: dict[str, int] = {}
    for _i in range(repeat):
        synth_clear()
        before = _keys()
        start = time.perf_counter()
        counts = synth_run(first_year=first, last_year=last, scale=scale, seed=1).counts
        seconds.append(time.perf_counter() - start)
    incidents = counts.get("registry.Incident", 0)
    rows = sum(v for k, v in counts.items() if "encryptions" not in k)
    added = _added(before)
    written = sum(len(r) for _c, r in added.values())
    baseline: list[float] = []
    for _i in range(repeat):
        _delete(added)
        start = time.perf_counter()
        _write(added)
        baseline.append(time.perf_counter() - start)
    synth_clear()
    ratio = statistics.median(seconds) / statistics.median(baseline)
    return [
        (
            f"synth: {years} at scale {scale:g} ({incidents:,} incidents, {rows:,} rows); "
            f"min / median / max of {repeat} runs into emptied tables",
            _spread(seconds),
            f"{_spread(baseline)} (every row it added, {written:,} in {len(added)} tables, "
            "written back by executemany)",
            f"{ratio:.1f}×",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--years", default="2023-2024")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    BENCH_DB.parent.mkdir(exist_ok=True)
    BENCH_DB.unlink(missing_ok=True)
    _setup()
    for label, seconds, baseline, ratio in run(args.scale, args.years, args.repeat):
        print(f"| {label} | {seconds} | {baseline} | {ratio} |")


if __name__ == "__main__":
    main()
