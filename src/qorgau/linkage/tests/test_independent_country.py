"""Register intake end to end, on a country Qorgau did not generate.

The country of :mod:`qorgau.linkage.tests.independent_country` is imported only through the
imports (police ``persons`` and ``incidents``, then the four registers' ``register-records``)
into a database with no synthetic run, linked and estimated; the linked number of distinct
victims per region must lie within 5% of the simulation's own count of the victims seen in at
least one identifiable record (the generator's own reading of the rule in docs/linkage.md).
Records that cannot be identified are not linked: the run counts them per register, and the
generator's count of them must agree.
"""

from __future__ import annotations

import ast
import csv
from collections import Counter, defaultdict
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from qorgau.latency.models import EstimationResult, Method
from qorgau.linkage.models import LinkageRun, LinkedRecord, RunStatus
from qorgau.linkage.tests import independent_country, independent_people
from qorgau.linkage.tests.independent_country import (
    REGIONS,
    REGISTERS,
    Country,
    country_generate,
    country_write,
    identifiable,
)
from qorgau.registry.iin import iin_parse
from qorgau.registry.models import Person, RegisterRecord
from qorgau.synth.models import RecordTruth, SynthRun, VictimTruth

YEAR = 2024
TOLERANCE = 0.05
POLICE_SOURCE = "police-independent"


def _import(*args: str, **options: Any) -> tuple[int, str]:
    """Run ``qorgau import``; its exit code and the rejects file's rows."""
    rejects = Path(options.pop("rejects"))
    try:
        call_command("import", *args, rejects=rejects, stdout=StringIO(), **options)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    text = rejects.read_text(encoding="utf-8-sig") if rejects.exists() else ""
    return code, text


def _record_keys(run: LinkageRun, country: Country) -> dict[int, tuple[str, str, str | None]]:
    """LinkedRecord pk → (list, record_id in its extract, the true victim)."""
    police = dict(Person.objects.values_list("pk", "source_record_id"))
    registers = {
        pk: (register, record_id or "")
        for pk, register, record_id in RegisterRecord.objects.values_list(
            "pk", "register", "source_record_id"
        )
    }
    keys: dict[int, tuple[str, str, str | None]] = {}
    for pk, register, source_id in LinkedRecord.objects.filter(run=run).values_list(
        "pk", "register", "source_record_id"
    ):
        if register == "police":
            name, record_id = "police", police[source_id] or ""
        else:
            name, record_id = registers[source_id]
        keys[pk] = (name, record_id, country.record_truth.get((name, record_id)))
    return keys


def linkage_diagnosis(run: LinkageRun, country: Country) -> dict[str, dict[str, Any]]:
    """Per region: truth, linked clusters, and where the difference comes from.

    *Split*: a true victim spread over more than one cluster adds a cluster for each stray
    piece, counted by the lists of the records in the pieces beyond her largest one.
    *Merged*: a cluster holding records of more than one true victim removes a victim.
    """
    keys = _record_keys(run, country)
    truth = country.identifiable_by_region()
    clusters: dict[tuple[str, int], list[int]] = defaultdict(list)
    for pk, code, cluster in LinkedRecord.objects.filter(run=run, year=YEAR).values_list(
        "pk", "region_code", "cluster"
    ):
        clusters[(code, cluster)].append(pk)
    report: dict[str, dict[str, Any]] = {}
    for region in REGIONS:
        mine = {c: pks for (r, c), pks in clusters.items() if r == region.code}
        pieces: dict[str, list[list[int]]] = defaultdict(list)
        merged = 0
        for pks in mine.values():
            by_victim: dict[str, list[int]] = defaultdict(list)
            for pk in pks:
                by_victim[str(keys[pk][2])].append(pk)
            merged += len(by_victim) - 1
            for victim, members in by_victim.items():
                pieces[victim].append(members)
        stray: Counter[str] = Counter()
        split_victims = 0
        for parts in pieces.values():
            if len(parts) > 1:
                split_victims += 1
                parts.sort(key=len, reverse=True)
                for part in parts[1:]:
                    for name in sorted({keys[pk][0] for pk in part}):
                        stray[name] += 1
        report[region.code] = {
            "truth": truth[region.code],
            "linked": len(mine),
            "error": (len(mine) - truth[region.code]) / truth[region.code],
            "victims_split": split_victims,
            "extra_clusters": sum(len(p) - 1 for p in pieces.values()),
            "stray_pieces_by_list": dict(stray),
            "victims_merged_away": merged,
        }
    return report


def _explain(diagnosis: dict[str, dict[str, Any]]) -> str:
    lines = ["distinct victims per region, linked vs true (tolerance 5%):"]
    for code, d in diagnosis.items():
        lines.append(
            f"  {code}: linked {d['linked']}, true {d['truth']} ({d['error']:+.1%}); "
            f"{d['victims_split']} victims split into {d['extra_clusters']} extra clusters "
            f"(stray pieces by list: {d['stray_pieces_by_list']}), "
            f"{d['victims_merged_away']} lost in merged clusters"
        )
    return "\n".join(lines)


@pytest.mark.parametrize("module", [independent_country, independent_people])
def test_generator_is_independent_of_synth(module: Any) -> None:
    """The generator imports neither qorgau.synth nor anything of Qorgau at all (nor linkage's
    identifiability rule: it applies its own) — only its own two modules."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = [
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    own = "qorgau.linkage.tests.independent_people"
    assert not [name for name in imported if name.startswith("qorgau") and name != own]


def test_generator_reads_the_identifiability_rule() -> None:
    """The generator's own reading of docs/linkage.md, "Identifiability"."""
    assert identifiable({"iin": "900517400123"})
    assert identifiable({"surname": "Ахметова", "first_name": "Гуля"})
    assert identifiable({"first_name": "Гуля", "birth_date": "1990-05-17"})
    assert identifiable({"surname": "Ахметова", "birth_date": "1990-05-17"})
    assert not identifiable({"first_name": "Гуля", "birth_year": "1990"})
    assert not identifiable({"first_name": "Гуля", "patronymic": "Нұрланқызы"})
    assert not identifiable({"surname": " ", "first_name": "Гуля"})
    country = country_generate(seed=7, scale=0.3)
    seen, identified = country.seen_by_region(), country.identifiable_by_region()
    assert all(identified[code] <= seen[code] for code in seen)
    assert sum(identified.values()) < sum(seen.values())  # the 111 line's first names


def test_generator_writes_valid_extracts(tmp_path: Path) -> None:
    country = country_generate(seed=7, scale=0.3)
    files = country_write(country, tmp_path)
    with files.persons.open(encoding="utf-8") as handle:
        persons = list(csv.DictReader(handle))
    for row in persons:
        if row["iin"]:
            facts = iin_parse(row["iin"])
            assert facts.sex == row["sex"]
            assert facts.birth_date.isoformat() == row["birth_date"]
    for name in REGISTERS:
        with files.registers[name].open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows, name
        for row in rows:
            if row["iin"]:
                iin_parse(row["iin"])
        if name == "line_111":
            assert not any(row["iin"] for row in rows)
    seen = country.seen()
    assert sum(country.seen_by_region().values()) == len(seen)
    assert sum(country.identifiable_by_region().values()) == len(country.seen_identifiable())
    assert all(key.startswith("V-") for key in seen)


@pytest.mark.django_db
def test_independent_country_links_and_estimates(tmp_path: Path, settings: Any) -> None:
    settings.QORGAU_LINKAGE_IN_BACKGROUND = False
    country = country_generate()
    files = country_write(country, tmp_path)

    code, rejects = _import(
        "persons", str(files.persons), source=POLICE_SOURCE, rejects=tmp_path / "r-persons.csv"
    )
    assert code == 0, rejects
    code, rejects = _import(
        "incidents",
        str(files.incidents),
        source=POLICE_SOURCE,
        rejects=tmp_path / "r-incidents.csv",
    )
    assert code == 0, rejects
    for name in REGISTERS:
        code, rejects = _import(
            "register-records",
            str(files.registers[name]),
            register=name,
            source=f"{name}-independent",
            rejects=tmp_path / f"r-{name}.csv",
        )
        assert code == 0, (name, rejects)
    assert RegisterRecord.objects.count() == sum(len(r) for r in country.register_rows.values())

    call_command("linkage", "run", "--years", str(YEAR), stdout=StringIO(), stderr=StringIO())
    run = LinkageRun.objects.order_by("-pk").first()
    assert run is not None and run.status == RunStatus.FINISHED, run and run.error

    call_command("latency", "estimate", "--years", str(YEAR), stdout=StringIO(), stderr=StringIO())
    results = {
        r.region_code: r
        for r in EstimationResult.objects.filter(year=YEAR, method=Method.MSE).order_by("run")
    }
    for region in REGIONS:
        result = results.get(region.code)
        assert result is not None, region.code
        assert result.estimate is not None or result.refusal, region.code

    assert SynthRun.objects.count() == 0
    assert RecordTruth.objects.count() == 0
    assert VictimTruth.objects.count() == 0

    rows = country.rows_by_record()
    not_identifiable = Counter(
        name for name, record in country.record_truth if not identifiable(rows[(name, record)])
    )
    assert run.counts["unidentifiable_by_register"] == dict(not_identifiable)
    assert run.model["comparisons"] and run.failure == {}

    diagnosis = linkage_diagnosis(run, country)
    for region in REGIONS:
        assert results[region.code].observed == diagnosis[region.code]["linked"]
    off = [code for code, d in diagnosis.items() if abs(d["error"]) > TOLERANCE]
    assert not off, _explain(diagnosis)
