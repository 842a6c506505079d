"""Benchmark of the indicator engine against pandas and DuckDB on the same rows.

Measured in one run on the database ``benchmarks/run.py`` filled (synthetic data):

* the engine's full recomputation of every indicator (``indicators_compute``);
* the aggregations of the incident-based indicators (counts by district and month, rolled up
  to regions and the country and to quarters and years, for every filter and breakdown) done
  three ways on the same incident rows: by the engine's ``tally``, by pandas group-bys, and by
  DuckDB ``GROUP BY`` with grouping sets (the near-limit reference);
* an incremental recomputation after one day of new records (a day's worth of incidents
  registered through the registry's service): on the latest day with records, as in production
  (the day's records are the latest, and the year to date is longest), and on a mid-year day
  replayed (the later half-year's records exist, and the run reads them too);
* the national dashboard page from the stored values.
"""

from __future__ import annotations

import datetime as dt
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any


def _timed(action: Callable[[], Any], repeat: int = 3) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _incident_frame() -> Any:
    import pandas as pd

    from qorgau.monitoring.engine import _TerritoryTree
    from qorgau.monitoring.measures import incidents

    tree = _TerritoryTree.load()
    rows = list(incidents(None))
    frame = pd.DataFrame(
        {
            "district": [r.district_id for r in rows],
            "day": [r.day for r in rows],
            **{name: [r.fields[name] for r in rows] for name in rows[0].fields},
        }
        if rows
        else {}
    )
    frame["day"] = pd.to_datetime(frame["day"])
    frame["month"] = frame["day"].dt.strftime("%Y-%m")
    frame["quarter"] = frame["day"].dt.year.astype(str) + "Q" + frame["day"].dt.quarter.astype(str)
    frame["year"] = frame["day"].dt.year.astype(str)
    frame["region"] = frame["district"].map(
        lambda d: tree.ancestors[d][1] if len(tree.ancestors[d]) > 2 else d
    )
    frame["country"] = frame["district"].map(lambda d: tree.ancestors[d][-1])
    return frame, rows, tree


def _incident_indicators() -> list[Any]:
    from qorgau.monitoring.catalogue import catalogue_load

    return [i for i in catalogue_load().indicators if i.numerator.measure == "incidents"]


def _pandas(frame: Any, indicators: list[Any]) -> int:
    cells = 0
    for indicator in indicators:
        subset = frame
        for name, wanted in indicator.numerator.filter.items():
            wanted_values = wanted if isinstance(wanted, list) else [wanted]
            subset = subset[subset[name].astype(str).isin([str(v) for v in wanted_values])]
        for breakdown in (None, *indicator.disaggregations):
            for level in ("district", "region", "country"):
                for period in ("month", "quarter", "year"):
                    keys = [level, period] + ([breakdown] if breakdown else [])
                    cells += len(subset.groupby(keys).size())
    return cells


def _duckdb(frame: Any, indicators: list[Any]) -> int:
    import duckdb

    connection = duckdb.connect()
    connection.register("incidents", frame)
    cells = 0
    for indicator in indicators:
        conditions = []
        for name, wanted in indicator.numerator.filter.items():
            wanted_values = wanted if isinstance(wanted, list) else [wanted]
            quoted = ", ".join(f"'{str(v).lower()}'" for v in wanted_values)
            conditions.append(f"lower(CAST({name} AS VARCHAR)) IN ({quoted})")
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        for breakdown in (None, *indicator.disaggregations):
            extra = f", {breakdown}" if breakdown else ""
            sets = ", ".join(
                f"({level}, {period}{extra})"
                for level in ("district", "region", "country")
                for period in ("month", "quarter", "year")
            )
            sql = f"SELECT count(*) FROM incidents {where} GROUP BY GROUPING SETS ({sets})"
            cells += len(connection.execute(sql).fetchall())
    return cells


def _engine(rows: list[Any], tree: Any, indicators: list[Any]) -> int:
    from qorgau.monitoring.engine import tally

    cells = 0
    for indicator in indicators:
        cells += len(tally(rows, indicator.numerator, indicator.disaggregations, tree, False, None))
    return cells


def _aggregations(count: int) -> list[tuple[str, str, str, str]]:
    """The incident indicators' aggregation by the engine, pandas and DuckDB on the same rows."""
    frame, rows, tree = _incident_frame()
    indicators = _incident_indicators()
    engine = _timed(lambda: _engine(rows, tree, indicators))
    pandas_time = _timed(lambda: _pandas(frame, indicators))
    duck = _timed(lambda: _duckdb(frame, indicators))
    return [
        (
            f"monitoring: incident indicators over {count:,} incidents, engine",
            f"{engine:.2f} s",
            f"pandas {pandas_time:.2f} s",
            f"{engine / pandas_time:.2f}×",
        ),
        (
            "monitoring: same, engine against DuckDB",
            f"{engine:.2f} s",
            f"DuckDB {duck:.2f} s",
            f"{engine / duck:.1f}×",
        ),
    ]


def run(scale: float = 0.05) -> list[tuple[str, str, str, str]]:
    """Rows for the results table; synthesises 2015-2024 at ``scale`` when the registry is empty."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from qorgau.monitoring.engine import indicators_compute
    from qorgau.registry.models import Incident
    from qorgau.synth.services import synth_clear, synth_run

    results: list[tuple[str, str, str, str]] = []
    if not Incident.objects.exists():
        synth_clear()
        synth_run(first_year=2015, last_year=2024, scale=scale, seed=7)
    count = Incident.objects.count()
    full = _timed(indicators_compute, repeat=1)
    results.extend(_aggregations(count))
    # The comparison's million rows and frame are gone with it: alive through the runs below,
    # every full garbage collection would walk them, a cost of this benchmark's process and
    # not of the nightly run, which starts a process of its own.
    gc.collect()
    _settle_after_complete_run()
    latest = Incident.objects.order_by("-occurred_at").values_list("occurred_at", flat=True)[0]
    last_day = timezone.localtime(latest).date()
    cases = (
        # a replay: the later half-year's records exist and are read again
        (dt.date(last_day.year, 6, 14), "mid-year replay", 1),
        # as in production: the day's records are the latest (on an earlier day the run would
        # also read the following days' records, which in production do not exist yet)
        (last_day, "latest day", 5),
    )
    for day, label, repeat in cases:
        incremental, added, written = _one_day_of_records(day, repeat)
        results.append(
            (
                f"monitoring: recompute after one day of new records ({label}, {day}: "
                f"{added} incidents, {written:,} values changed; median of {repeat})",
                f"{incremental:.2f} s",
                f"full {full:.1f} s",
                f"{incremental / full:.3f}×",
            )
        )
    user = get_user_model().objects.create(
        username=f"bench-analyst-{time.time_ns()}",
        role="national_analyst",
        territory_id=_country_id(),
    )
    client = Client()
    client.force_login(user)
    client.get("/monitoring/")
    page = _timed(lambda: client.get("/monitoring/"), repeat=9)
    baseline = _timed(lambda: client.get("/territories/"), repeat=9)
    results.append(
        (
            "monitoring: national dashboard page (server time)",
            f"{page * 1000:.0f} ms",
            f"territory list {baseline * 1000:.0f} ms",
            f"{page / baseline:.2f}×",
        )
    )
    results.append(_open_data_row())
    return results


def _open_data_row() -> tuple[str, str, str, str]:
    """The cached public release (``release_store``) against protecting it afresh."""
    from django.core.cache import cache

    from qorgau.monitoring import selectors
    from qorgau.monitoring.export import export_rows
    from qorgau.monitoring.release_store import public_release_rows
    from qorgau.territory.models import Level

    period = selectors.latest_year()
    assert period is not None
    cache.clear()
    public_release_rows(Level.REGION, period)
    cached = _timed(lambda: public_release_rows(Level.REGION, period), repeat=9)
    fresh = _timed(lambda: export_rows(level=Level.REGION, period=period, public=True), repeat=3)
    return (
        f"monitoring: public release by region, {period.code} (cached, as the open-data page)",
        f"{cached * 1000:.0f} ms",
        f"protected afresh {fresh * 1000:.0f} ms",
        f"{cached / fresh:.3f}×",
    )


def _settle_after_complete_run() -> None:
    """On PostgreSQL, vacuum and analyse what the complete run rewrote (millions of rows deleted
    and inserted) before the incremental runs are timed. The nightly run never follows a complete
    run at once: autovacuum has done this by then. Here it would start during the timings and
    share the two cores with them (1.26 s for the national latest day, 0.89 s once it ended)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


class _Undone(Exception):
    """Raised to roll a repetition back."""


def _one_day_of_records(day: dt.date, repeat: int) -> tuple[float, int, int]:
    """The median time of ``repeat`` incremental runs after a day's records, with the records
    registered and the values changed, timed in a process of its own as the nightly job runs
    (``qorgau indicators compute`` from a timer). This process holds what the complete run and
    the comparison left behind: the national latest day took 1.13 s here and 0.89 s in a fresh
    process."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    code = (
        f"import sys; sys.path[:0] = [{str(here.parent / 'src')!r}, {str(here)!r}]; "
        "import django, json; django.setup(); import bench_monitoring as b; "
        f"print(json.dumps(b._one_day_of_records_here({day.isoformat()!r}, {repeat})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=os.environ, check=True, capture_output=True, text=True
    )
    median, added, written = json.loads(result.stdout.splitlines()[-1])
    return median, added, written


def _one_day_of_records_here(day: str, repeat: int) -> tuple[float, int, int]:
    """``_one_day_of_records`` in this process. Each repetition registers the records and
    recomputes in a transaction rolled back after it, so every one starts from the same
    database (this machine's timings vary by a third from one run to the next)."""
    from django.db import transaction

    from qorgau.monitoring.engine import indicators_compute

    samples: list[float] = []
    added = written = 0
    for _ in range(repeat):
        try:
            with transaction.atomic():
                added = _add_one_day(dt.date.fromisoformat(day))
                start = time.perf_counter()
                written = indicators_compute(
                    since=dt.date.fromisoformat(day), until=dt.date.fromisoformat(day)
                ).values_written
                samples.append(time.perf_counter() - start)
                raise _Undone
        except _Undone:
            pass
    return statistics.median(samples), added, written


def _add_one_day(day: dt.date) -> int:
    """Register a day's worth of incidents on ``day`` through the registry's service: copies of
    incidents of the same year (district, channel, offender) with new victims."""
    import random

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from qorgau.registry import services
    from qorgau.registry.models import Incident, IncidentParticipant

    zone = timezone.get_current_timezone()
    year = Incident.objects.filter(occurred_at__year=day.year)
    count = max(1, year.count() // 365)
    actor = get_user_model().objects.filter(is_superuser=True).first()
    if actor is None:
        actor = get_user_model().objects.create(
            username=f"bench-root-{time.time_ns()}",
            role="police_supervisor",
            territory_id=_country_id(),
            is_superuser=True,
        )
    rng = random.Random(day.toordinal())
    models = list(year.order_by("pk")[: count * 20])
    for n, model in enumerate(rng.sample(models, min(count, len(models)))):
        offender = (
            IncidentParticipant.objects.filter(incident=model, role="offender")
            .select_related("person")
            .first()
        )
        if offender is None:
            continue
        victim = services.person_register(actor=actor, sex="F", birth_year=1990, audit=False)
        moment = dt.datetime.combine(day, dt.time(8 + n % 12), tzinfo=zone)
        services.incident_register(
            actor=actor,
            occurred_at=moment,
            reported_at=moment + dt.timedelta(hours=1),
            district=model.district,
            settlement_type=model.settlement_type,
            source_channel=model.source_channel,
            victims=[victim],
            offenders=[(offender.person, offender.relationship or "spouse")],
            audit=False,
            physical=True,
        )
    return count


def _country_id() -> int:
    from qorgau.territory.models import Territory

    return Territory.objects.get(kato_code="000000000").pk


def main() -> None:
    """The national ten-year run: ``--scale 1.0`` on a fresh database (``--url``), with the time
    to synthesise the data set and the peak memory. Too long for ``make bench``; its figures go
    to ``benchmarks/LONG-RUNS.md``."""
    import argparse
    import os
    import resource
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--url", default=f"sqlite:///{root / 'var/bench-national.sqlite3'}")
    args = parser.parse_args()
    sys.path.insert(0, str(root / "src"))
    os.environ["QORGAU_DATABASE_URL"] = args.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from qorgau.registry.models import Incident
    from qorgau.synth.services import synth_clear, synth_run

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    if not Incident.objects.exists():
        synth_clear()
        synth_run(first_year=2015, last_year=2024, scale=args.scale, seed=7)
    print(f"synth 2015-2024 at scale {args.scale}: {time.perf_counter() - start:.0f} s", flush=True)
    for label, value, baseline, ratio in run(args.scale):
        print(f"| {label} | {value} | {baseline} | {ratio} |", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"peak memory {peak:.1f} GiB")


if __name__ == "__main__":
    main()
