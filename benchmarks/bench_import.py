"""Benchmark of the bulk importer: N incident rows, validated and stored, against a bare insert.

The baseline, measured in the same run on the same file, reads the CSV and writes its rows
untouched into a plain table with one text column per CSV column: one ``executemany`` on
SQLite, ``COPY`` on PostgreSQL. The import does everything a real one does: parses and checks
every cell and rule, derives IIN pseudonyms, creates the persons, writes incidents, participants
and one audit entry per batch. The issue's target: within 3x the baseline, and over 20,000
rows/s on PostgreSQL.

From ``benchmarks/run.py``: ``rows.extend(bench_import.run(50_000))`` (Django set up, database
migrated). When ``QORGAU_BENCH_POSTGRES_URL`` is set and the run is on SQLite, the same
benchmark also runs on PostgreSQL in a subprocess. Alone::

    .venv/bin/python benchmarks/bench_import.py --rows 100000
    QORGAU_BENCH_POSTGRES_URL=postgres://qorgau:qorgau@127.0.0.1:5432/qorgau_bench \\
        .venv/bin/python benchmarks/bench_import.py --rows 1000000 --postgres

A million rows takes about six minutes on SQLite and three on PostgreSQL (`LONG-RUNS.md`), and
needs ~150 MB of disk for the file (memory stays flat: the importer streams).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEADER = [
    "record_id",
    "occurred_at",
    "reported_at",
    "district",
    "settlement_type",
    "source_channel",
    "physical",
    "psychological",
    "alcohol",
    "injury",
    "victim_iin",
    "offender_iin",
    "relationship",
]
DISTRICTS = ["101000000", "751710000"]


def _iins(count: int, sex: str, start_year: int) -> list[str]:
    """``count`` distinct valid IINs (about 1 in 11 candidates is never issued: skipped)."""
    from qorgau.registry.iin import iin_make

    found: list[str] = []
    day = dt.date(start_year, 1, 1)
    serial = 0
    while len(found) < count:
        value = iin_make(day, sex, serial)
        if value:
            found.append(value)
        serial += 1
        if serial == 10_000:
            serial, day = 0, day + dt.timedelta(days=1)
    return found


def write_file(path: Path, rows: int) -> None:
    """N incidents of 2023, each with its own victim and offender."""
    victims, offenders = _iins(rows, "F", 1970), _iins(rows, "M", 1960)
    start = dt.datetime(2023, 1, 1, 8, 0)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            occurred = start + dt.timedelta(minutes=17 * i % (360 * 24 * 60))
            writer.writerow(
                [
                    f"B-{i:08d}",
                    f"{occurred:%Y-%m-%d %H:%M}",
                    f"{occurred + dt.timedelta(minutes=40):%Y-%m-%d %H:%M}",
                    DISTRICTS[i % 2],
                    "urban",
                    "call_102",
                    "1",
                    "0" if i % 3 else "1",
                    "1" if i % 4 == 0 else "0",
                    "light" if i % 5 == 0 else "none",
                    victims[i],
                    offenders[i],
                    "spouse",
                ]
            )


def bare_insert(path: Path) -> float:
    """The baseline: the same rows, unvalidated, into a plain table."""
    from django.db import connection, transaction

    columns = ", ".join(f"{name} TEXT" for name in HEADER)
    names = ", ".join(HEADER)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_plain")
        cursor.execute(f"CREATE TABLE bench_import_plain ({columns})")
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY bench_import_plain ({names}) FROM STDIN") as copy:
                    for record in reader:
                        copy.write_row(record)
            else:
                marks = ", ".join(["%s"] * len(HEADER))
                cursor.executemany(
                    f"INSERT INTO bench_import_plain ({names}) VALUES ({marks})", list(reader)
                )
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_import_plain")
    return elapsed


def validated_import(path: Path) -> tuple[float, int, str]:
    """The importer on the same file, as ``qorgau import incidents`` runs it; the rows stay
    (under the returned source) until :func:`_clean` removes them."""
    from qorgau.registry.importing.engine import run_import
    from qorgau.registry.models import ImportJob

    job = ImportJob.objects.create(
        kind="incidents",
        file_name=path.name,
        stored_path=str(path),
        source=f"bench-{uuid.uuid4().hex[:8]}",
        language="en",
    )
    start = time.perf_counter()
    outcome = run_import(job)
    elapsed = time.perf_counter() - start
    if outcome.accepted != outcome.processed:
        raise RuntimeError(f"benchmark rows were rejected: {outcome}")
    return elapsed, outcome.accepted, job.source


def stored_rows_reinsert(source: str, batch: int = 2000) -> tuple[float, list[int]]:
    """The fair baseline: the tuples the import stored, written again into the same tables.

    The import's rows (its persons, incidents and participants) are read back, deleted and
    inserted again without any parsing or checking, in transactions of ``batch`` incidents
    with their persons and participants, the way the import writes them: ``COPY`` on
    PostgreSQL, one ``executemany`` per table on SQLite. The indexes, the unique and check
    constraints and the foreign keys are the real ones, so this is what the database itself
    needs to store the file; no validated import can run faster. Returns the time and the
    number of rows of each table.
    """
    from django.db import connection, transaction

    from qorgau.registry.importing.store import write_rows
    from qorgau.registry.models import Incident, IncidentParticipant, Person

    tables = []
    for model, queryset in (
        (Person, Person.objects.filter(source=source)),
        (Incident, Incident.objects.filter(source=source)),
        (IncidentParticipant, IncidentParticipant.objects.filter(incident__source=source)),
    ):
        columns = [str(field.column) for field in model._meta.concrete_fields]
        sql, params = queryset.order_by("pk").values_list(*columns).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        tables.append((model._meta.db_table, columns, rows))
    _clean(source)
    per_batch = [max(1, len(rows) * batch // max(1, len(tables[1][2]))) for _t, _c, rows in tables]
    start = time.perf_counter()
    for first in range(0, len(tables[1][2]), batch):
        n = first // batch
        with transaction.atomic():
            for (table, columns, rows), size in zip(tables, per_batch, strict=True):
                if chunk := rows[n * size : (n + 1) * size]:
                    write_rows(table, columns, chunk)
    return time.perf_counter() - start, [len(rows) for _t, _c, rows in tables]


def _clean(source: str) -> None:
    """Remove what the run stored, so that a next run creates its persons again."""
    from django.db import transaction

    from qorgau.registry.models import Incident, IncidentParticipant, Person

    # Raw deletes: the benchmark's rows have nothing hanging on them, and Django's collector
    # would list a million primary keys in one statement (too many SQL variables on SQLite).
    with transaction.atomic():
        for queryset in (
            IncidentParticipant.objects.filter(incident__source=source),
            Incident.objects.filter(source=source),
            Person.objects.filter(source=source),
        ):
            queryset._raw_delete(queryset.db)


def run(rows: int) -> list[tuple[str, str, str, str]]:
    """Rows for the results table: (label, import throughput, baseline, ratio)."""
    from django.db import connection

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.csv"
        write_file(path, rows)
        baseline = bare_insert(path)
        elapsed, stored, source = validated_import(path)
        same_rows, (persons, incidents, participants) = stored_rows_reinsert(source)
        _clean(source)
    backend = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    plain = "COPY" if connection.vendor == "postgresql" else "executemany"
    throughput = f"{elapsed:.2f} s, {stored / elapsed:,.0f} rows/s"
    results = [
        (
            f"import: {stored:,} incident rows, CSV, validated ({backend})",
            throughput,
            f"bare {plain} of the file into a plain table {baseline:.2f} s, "
            f"{rows / baseline:,.0f} rows/s",
            f"{elapsed / baseline:.1f}×",
        ),
        (
            f"import: same, against the stored rows written again ({backend}; "
            f"{incidents:,} incidents, {persons:,} persons, {participants:,} participants)",
            throughput,
            f"bare {plain} into the same tables {same_rows:.2f} s, "
            f"{stored / same_rows:,.0f} rows/s",
            f"{elapsed / same_rows:.1f}×",
        ),
    ]
    postgres = os.environ.get("QORGAU_BENCH_POSTGRES_URL")
    if postgres and connection.vendor != "postgresql":
        results.extend(_run_on_postgres(rows, postgres))
    return results


def _run_on_postgres(rows: int, url: str) -> list[tuple[str, str, str, str]]:
    """The same benchmark in a subprocess on PostgreSQL (Django's database is set at start)."""
    env = {**os.environ, "QORGAU_DATABASE_URL": url, "QORGAU_BENCH_POSTGRES_URL": ""}
    done = subprocess.run(
        [sys.executable, __file__, "--rows", str(rows), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [tuple(row) for row in json.loads(done.stdout.strip().splitlines()[-1])]  # type: ignore[misc]


def _setup(database_url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    os.environ["QORGAU_DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument(
        "--postgres", action="store_true", help="run on QORGAU_BENCH_POSTGRES_URL instead"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    if args.postgres:
        url = os.environ["QORGAU_BENCH_POSTGRES_URL"]
        os.environ["QORGAU_BENCH_POSTGRES_URL"] = ""
    else:
        url = (
            os.environ.get("QORGAU_DATABASE_URL")
            or f"sqlite:///{ROOT / 'var/bench-import.sqlite3'}"
        )
    _setup(url)
    results = run(args.rows)
    if args.json:
        print(json.dumps(results))
        return
    for label, value, baseline, ratio in results:
        print(f"{label}: {value} | {baseline} | {ratio}")


if __name__ == "__main__":
    main()
