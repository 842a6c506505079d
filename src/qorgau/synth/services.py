"""Running a synthesis: load the territory frame, sample block by block, write, audit once."""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.tabular import safe_row
from qorgau.linkage.evaluation import TruthKeys
from qorgau.registry import models as rm
from qorgau.synth import calibration as cal
from qorgau.synth.models import RecordTruth, SynthRun, TruthCount, TruthEstimate, VictimTruth
from qorgau.synth.parts import parts_clear, parts_synthesise
from qorgau.synth.rows import DistrictFrame
from qorgau.synth.sampling import BlockSpec, Region, region_effects, sample_block
from qorgau.synth.writer import SOURCE, BlockWriter
from qorgau.territory.models import Territory, TerritoryPopulation

REFORM = dt.date(2022, 6, 8)
FOCUS_DISTRICTS = ("101000000", "751710000")  # Semey and Medeu, where the demo accounts work
FOCUS_CASES = 8

Progress = Callable[[str], None]


def district_frame() -> DistrictFrame:
    """Today's districts with their 2023 population and their versions before and after 2022."""
    current = list(
        Territory.objects.districts()
        .valid_on(REFORM)
        .select_related("parent")
        .order_by("kato_code")
    )
    before = {
        t.kato_code: t.pk
        for t in Territory.objects.districts().valid_on(REFORM - dt.timedelta(days=1))
    }
    population = {
        p.territory_id: p
        for p in TerritoryPopulation.objects.filter(territory__in=current, year=cal.POPULATION_YEAR)
    }
    totals = np.asarray([population[t.pk].total if t.pk in population else 0 for t in current])
    urban = np.asarray(
        [
            (population[t.pk].urban or 0) / max(1, population[t.pk].total)
            if t.pk in population
            else 0.5
            for t in current
        ]
    )
    return DistrictFrame(
        codes=[t.kato_code for t in current],
        region_codes=[t.parent.kato_code if t.parent else "" for t in current],
        names_en=[t.name_en for t in current],
        population=totals,
        urban_share=urban,
        pk_before=np.asarray([before.get(t.kato_code, t.pk) for t in current]),
        pk_after=np.asarray([t.pk for t in current]),
    )


def regions_make(frame: DistrictFrame, seed: int) -> list[Region]:
    codes = sorted(set(frame.region_codes))
    districts = [np.flatnonzero(np.asarray(frame.region_codes) == code) for code in codes]
    populations = np.asarray([frame.population[d].sum() for d in districts])
    effects = region_effects(np.random.default_rng([seed, 0]), codes, populations)
    regions = []
    for code, members, population in zip(codes, districts, populations, strict=True):
        multiplier, factor, targets, police = effects[code]
        weights = frame.population[members] / frame.population[members].sum()
        regions.append(
            Region(code, members, weights, int(population), multiplier, factor, targets, police)
        )
    return regions


def parse_years(text: str) -> tuple[int, int]:
    first, _sep, last = text.partition("-")
    return int(first), int(last or first)


def synth_scale() -> float | None:
    """The scale of the latest synthetic run, or None when the data are not synthetic.

    A real deployment has no run, so its population figures are used as they are.
    """
    return SynthRun.objects.order_by("-started_at", "-pk").values_list("scale", flat=True).first()


def synth_run(
    *,
    first_year: int,
    last_year: int,
    scale: float,
    seed: int,
    today: dt.date | None = None,
    progress: Progress = lambda line: None,
) -> SynthRun:
    """Generate a country from ``first_year`` to ``last_year`` (the last one up to today)."""
    today = today or timezone.localdate()
    if last_year > today.year or first_year > last_year or scale <= 0:
        raise ValueError("Choose past years (first-last) and a positive scale.")
    started = time.perf_counter()
    frame = district_frame()
    regions = regions_make(frame, seed)
    last_day = min(dt.date(last_year, 12, 31), today - dt.timedelta(days=1))
    now = timezone.now()
    with transaction.atomic():
        run = SynthRun.objects.create(
            seed=seed, first_year=first_year, last_year=last_year, scale=scale, last_day=last_day
        )
        writer = BlockWriter(run=run, frame=frame, now=now)
        for year in range(first_year, last_year + 1):
            specs = block_specs(
                frame, regions, year=year, scale=scale, last_day=last_day, today=today
            )
            for index, spec in enumerate(specs):
                tick = time.perf_counter()
                rng = np.random.default_rng([seed, year, index + 1])
                block = sample_block(rng, spec)
                writer.write(rng, block)
                progress(
                    f"{year} {spec.region.code}: {len(block.z):>7} true victims, "
                    f"{len(block.pv):>6} registered, {len(block.inc['owner']):>6} incidents, "
                    f"{len(block.orders['incident']):>6} orders "
                    f"({time.perf_counter() - tick:.1f} s)"
                )
        _reset_sequences(writer.ids.models)
        part_counts = parts_synthesise(seed=seed, progress=progress)
        run.seconds = time.perf_counter() - started
        run.counts = dict(
            writer.counts,
            **part_counts,
            person_encryptions=writer.person_encryptions,
            register_record_encryptions=writer.tokens.encrypted,
        )
        run.save(update_fields=["seconds", "counts"])
        audit_record(
            action=AuditAction.CREATE,
            target=run,
            reason="synthetic data",
            details={"seed": seed, "years": [first_year, last_year], "scale": scale, **run.counts},
        )
    return run


def block_specs(
    frame: DistrictFrame,
    regions: list[Region],
    *,
    year: int,
    scale: float,
    last_day: dt.date,
    today: dt.date,
) -> list[BlockSpec]:
    """What each region's block of ``year`` is sampled from, in the regions' order (the order
    their random streams are numbered in): one place, so that a replay of the generator
    (``synth.risk_truth``) samples exactly what ``synth_run`` did."""
    weights = np.asarray([r.population * r.multiplier for r in regions])
    shares = weights / weights.sum()
    return [
        BlockSpec(
            region=region,
            year=year,
            scale=scale,
            last_day=min(dt.date(year, 12, 31), last_day),
            today=today,
            share=float(shares[index]),
            forced=_forced(frame, region, year, today),
            crisis_available=year > cal.NO_CRISIS_CENTRE_UNTIL.get(region.code, 0),
        )
        for index, region in enumerate(regions)
    ]


def _forced(frame: DistrictFrame, region: Region, year: int, today: dt.date) -> tuple[int, ...]:
    """Demo districts of this region get a few orders in force today, in the current year."""
    if year != today.year:
        return ()
    codes = [frame.codes[d] for d in region.districts]
    picked = [int(region.districts[codes.index(c)]) for c in FOCUS_DISTRICTS if c in codes]
    return tuple(d for d in picked for _i in range(FOCUS_CASES))


def _reset_sequences(models: list[type[Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def synth_clear() -> int:
    """Remove every synthetic row (registry rows with source "synth", register records with
    source "synth" and the synth tables); whatever a real import stored stays."""
    q = connection.ops.quote_name
    person, incident = rm.Person._meta.db_table, rm.Incident._meta.db_table
    record = rm.RegisterRecord._meta.db_table
    order, requirement = rm.ProtectiveOrder._meta.db_table, rm.BehaviourRequirement._meta.db_table
    synthetic = "SELECT id FROM {} WHERE source = %s"
    # Deleted in this order; each entry is (table, column, table of the synthetic rows).
    steps: list[tuple[type[Model], str, str]] = [
        (rm.RiskAssessment, "victim_id", person),
        (rm.OrderCheckIn, "order_id", order),
        (rm.OrderViolation, "order_id", order),
        (rm.OrderExtension, "order_id", order),
        (rm.ProtectiveOrder.protected_persons.through, "protectiveorder_id", order),
        (rm.RequirementViolation, "requirement_id", requirement),
        (rm.RequirementExtension, "requirement_id", requirement),
        (rm.BehaviourRequirement.protected_persons.through, "behaviourrequirement_id", requirement),
        (rm.IncidentParticipant, "incident_id", incident),
        (VictimTruth, "person_id", person),
        (RecordTruth, "record_id", record),
    ]
    removed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        parts_clear()
        for model, column, parent in steps:
            cursor.execute(
                # table and column names from the models, quoted; every value a parameter
                f"DELETE FROM {q(model._meta.db_table)} WHERE {q(column)} IN "  # noqa: S608
                f"({synthetic.format(q(parent))})",
                [SOURCE],
            )
            removed += max(cursor.rowcount, 0)
        for model in (
            rm.Offence,
            rm.BehaviourRequirement,
            rm.ProtectiveOrder,
            rm.Incident,
            rm.Person,
            rm.RegisterRecord,
        ):
            # table and column names from the models, quoted; every value a parameter
            cursor.execute(f"DELETE FROM {q(model._meta.db_table)} WHERE source = %s", [SOURCE])  # noqa: S608
            removed += max(cursor.rowcount, 0)
        for model in (RecordTruth, TruthEstimate, TruthCount, SynthRun):
            # table and column names from the models, quoted; every value a parameter
            cursor.execute(f"DELETE FROM {q(model._meta.db_table)}")  # noqa: S608
            removed += max(cursor.rowcount, 0)
        if removed:
            audit_record(
                action=AuditAction.DELETE,
                object_type="synth.synthrun",
                reason="synthetic data cleared",
                details={"rows": removed},
            )
    return removed


def linkage_truth() -> TruthKeys:
    """EVALUATION ONLY: the true person of every synthetic police victim and register record,
    for linkage's quality figures (registered with :mod:`qorgau.linkage.evaluation`, which
    must not import this part). Whole tables: SQLite caps the parameters of an IN list."""
    return TruthKeys(
        persons=dict(VictimTruth.objects.values_list("person_id", "truth_key")),
        records=dict(RecordTruth.objects.values_list("record_id", "truth_key")),
    )


TRUTH_COLUMNS = (
    "region_code", "region", "year", "population", "true_victims", "police", "health",
    "crisis_centre", "line_111", "social", "any_register",
)  # fmt: skip


def truth_write(run: SynthRun, path: Path) -> int:
    """Write the true counts of ``run`` by region (today's map) and year; return the rows."""
    names = dict(Territory.objects.regions().current().values_list("kato_code", "name_en"))
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(TRUTH_COLUMNS)
        for count in run.truth.all():
            out.writerow(
                safe_row(
                    [count.region_code, names.get(count.region_code, ""), count.year]
                    + [getattr(count, column) for column in TRUTH_COLUMNS[3:]]
                )
            )
            rows += 1
    return rows
