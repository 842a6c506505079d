"""Qorgau benchmarks: each figure is compared with a baseline measured in the same run.

Run with `make bench`. Uses a fresh SQLite database under var/ (or QORGAU_BENCH_DATABASE_URL)
and writes benchmarks/RESULTS.md. Timings are never asserted in tests; they live here.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = ROOT / "var" / "bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
os.environ["QORGAU_DATABASE_URL"] = os.environ.get(
    "QORGAU_BENCH_DATABASE_URL", f"sqlite:///{BENCH_DB}"
)


def timed(action: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``repeat`` runs, in seconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def cold_runs(
    action: Callable[[], object], prepare: Callable[[], None], repeat: int = 9
) -> list[float]:
    """Wall times of ``repeat`` runs of ``action``, each after ``prepare`` (untimed) emptied
    whatever the previous run left cached."""
    samples = []
    for _ in range(repeat):
        prepare()
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def spread_ms(samples: list[float]) -> str:
    """Minimum / median / maximum of ``samples`` (seconds), in milliseconds."""
    low, mid, high = min(samples), statistics.median(samples), max(samples)
    return f"{low * 1000:.1f} / {mid * 1000:.1f} / {high * 1000:.1f} ms"


def access_row() -> tuple[str, str, str, str]:
    """The access layer's region scope against a hand-written filter returning the same rows.

    Both read the same users, so the ratio is the access layer's own cost: the permission
    check, walking the territory tree for the scope and composing the filter. Every run is
    cold: the viewer is read afresh, as on a new request, so neither its permission cache nor
    its territory's scope ids are kept from the run before.
    """
    from django.db.models import Q

    from qorgau.accounts.access import restrict
    from qorgau.accounts.models import User
    from qorgau.accounts.roles import Role
    from qorgau.territory.models import Territory
    from qorgau.territory.services import territory_scope_ids

    districts = list(Territory.objects.current().districts())
    User.objects.bulk_create(
        User(
            username=f"bench-{i}",
            role=Role.POLICE_INSPECTOR,
            territory=districts[i % len(districts)],
        )
        for i in range(5000)
    )
    region = Territory.objects.by_code("100000000")
    admin = User.objects.create(username="bench-admin", role=Role.ADMINISTRATOR, territory=region)
    ids = sorted(territory_scope_ids(region))  # known in advance, as a hand-written query has it
    by_hand = Q(territory_id__in=ids) | Q(organisation__territory_id__in=ids)
    viewer = admin

    def fresh_viewer() -> None:
        nonlocal viewer
        viewer = User.objects.select_related("territory").get(pk=admin.pk)

    scoped_pks = {u.pk for u in restrict(User.objects.all(), admin)}
    assert scoped_pks == {u.pk for u in User.objects.filter(by_hand)}, "not the same rows"
    scoped = cold_runs(lambda: list(restrict(User.objects.all(), viewer)), fresh_viewer)
    baseline = cold_runs(lambda: list(User.objects.filter(by_hand)), fresh_viewer)
    ratio = statistics.median(scoped) / statistics.median(baseline)
    return (
        f"access: region scope over 5,000 users, the same {len(scoped_pks)} rows both ways "
        "(cold: fresh viewer per run; min / median / max of 9)",
        spread_ms(scoped),
        f"hand-written territory filter {spread_ms(baseline)}",
        f"{ratio:.2f}×",
    )


def main() -> None:
    BENCH_DB.parent.mkdir(exist_ok=True)
    BENCH_DB.unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from qorgau.audit.models import AuditAction
    from qorgau.audit.services import audit_chain_verify, audit_record

    rows: list[tuple[str, str, str, str]] = []

    # 1. Appending to the sealed audit chain versus a plain insert of the same row.
    n = 500
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_plain (id INTEGER PRIMARY KEY, action TEXT, "
            "object_type TEXT, object_id TEXT, at TEXT)"
        )

    def plain_inserts() -> None:
        for i in range(n):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO bench_plain (action, object_type, object_id, at) "
                    "VALUES (%s, %s, %s, %s)",
                    ["view", "registry.person", str(i), dt.datetime.now(dt.UTC).isoformat()],
                )

    def sealed_appends() -> None:
        for i in range(n):
            audit_record(action=AuditAction.VIEW, object_type="registry.person", object_id=str(i))

    plain = timed(plain_inserts, repeat=3)
    sealed = timed(sealed_appends, repeat=3)
    rows.append(
        (
            f"audit: append {n} sealed entries",
            f"{sealed * 1000:.0f} ms",
            f"plain insert {plain * 1000:.0f} ms",
            f"{sealed / plain:.1f}×",
        )
    )

    # 2. Verifying the whole chain versus reading it.
    from qorgau.audit.models import AuditEntry

    entries = AuditEntry.objects.count()
    read = timed(lambda: list(AuditEntry.objects.order_by("position").iterator(chunk_size=2000)))
    verify = timed(audit_chain_verify)
    rows.append(
        (
            f"audit: verify {entries} entries",
            f"{verify * 1000:.0f} ms",
            f"read only {read * 1000:.0f} ms",
            f"{verify / read:.1f}×",
        )
    )

    # 3. The access layer's scoped query versus a hand-written filter for the same rows.
    rows.append(access_row())

    # 4. The bulk importer against a bare insert of the same file (and PostgreSQL when
    #    QORGAU_BENCH_POSTGRES_URL is set), and the synthetic data set against a bare insert.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_import
    import bench_monitoring
    import bench_synth

    rows.extend(bench_import.run(int(os.environ.get("QORGAU_BENCH_ROWS", "50000"))))
    rows.extend(bench_synth.run(float(os.environ.get("QORGAU_BENCH_SCALE", "0.05")), "2022-2024"))
    rows.extend(bench_monitoring.run(float(os.environ.get("QORGAU_BENCH_SCALE", "0.05"))))
    import bench_risk_accuracy

    rows.extend(bench_risk_accuracy.run())

    # 5. The parts above monitoring, each against its own baseline (sizes kept small enough
    #    for CI; each module's docstring says how to run it at national scale).
    import bench_budget
    import bench_citizens
    import bench_coordination
    import bench_latency
    import bench_linkage
    import bench_programs
    import bench_rating
    import bench_reports

    def size(name: str, default: str) -> str:
        return os.environ.get(f"QORGAU_BENCH_{name}", default)

    rows.extend(bench_linkage.run(int(size("LINKAGE_RECORDS", "20000"))))
    rows.extend(bench_latency.run(bootstrap=int(size("LATENCY_BOOTSTRAP", "20"))))
    rows.extend(bench_latency.evaluation_rows(int(size("LATENCY_EVALUATE", "6"))))
    rows.extend(bench_rating.run())
    import bench_rating_stress

    rows.extend(bench_rating_stress.run(year=2024))
    rows.extend(bench_programs.run(int(size("PROGRAMS", "5000"))))
    rows.extend(bench_coordination.run(float(size("COORDINATION_SCALE", "0.02"))))
    rows.extend(bench_budget.run(int(size("BUDGET_ROWS", "5000"))))
    rows.extend(bench_citizens.run(int(size("CITIZEN_REPORTS", "200"))))
    rows.extend(bench_reports.run())
    if os.environ.get("QORGAU_BENCH_LOAD") == "1":  # about 8 minutes; needs PostgreSQL
        import bench_load

        users = [int(u) for u in size("LOAD_USERS", "50,100,200").split(",")]
        rows.extend(bench_load.run(users, int(size("LOAD_SECONDS", "60"))))

    write_results(rows)


def write_results(rows: list[tuple[str, str, str, str]]) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, database "
        f"{os.environ['QORGAU_DATABASE_URL'].split(':')[0]}. Each figure beside its baseline "
        "measured in the same run, doing the same work on the same data; a row says when it "
        "is min / median / max of cold runs, otherwise it is the median of warm repeats.",
        "",
        "| benchmark | time | baseline | ratio |",
        "|---|---:|---:|---:|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
    ]
    # The runs too long for CI (a million linkage records, the load test) are kept by hand in
    # LONG-RUNS.md and carried into every RESULTS.md, one level down.
    long_runs = Path(__file__).parent / "LONG-RUNS.md"
    if long_runs.exists():
        lines += [
            "#" + line if line.startswith("#") else line
            for line in long_runs.read_text(encoding="utf-8").splitlines()
        ]
    (Path(__file__).parent / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
