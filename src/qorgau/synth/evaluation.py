"""EVALUATION ONLY: multiple-systems estimates from the synthetic ground truth, kept apart.

On synthetic data every record carries the key of the true person behind it
(:class:`~qorgau.synth.models.VictimTruth` for police victims,
:class:`~qorgau.synth.models.RecordTruth` for the records of the other registers). Counting
those keys by register gives the capture histories a *perfect* linkage would give, so the
estimator can be checked against the simulated true numbers (``TruthCount``) without the
linkage's own errors.

The estimates use latency's own code (:func:`qorgau.latency.services.table_of`,
:mod:`qorgau.latency.mse`) but are stored only in :class:`~qorgau.synth.models.TruthEstimate`:
never as a latency run, never fed to monitoring, so no published figure (monitoring, rating,
reports, open data, the API) can come from the truth. The truth keys themselves never leave
this module; only counts per pattern do.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from qorgau.latency import mse
from qorgau.latency.services import table_of
from qorgau.latency.sources import district_regions
from qorgau.lib.tabular import safe_record
from qorgau.linkage.selectors import REGISTERS, CaptureHistories
from qorgau.registry.choices import ParticipantRole
from qorgau.registry.models import IncidentParticipant
from qorgau.synth.models import RecordTruth, SynthRun, TruthCount, TruthEstimate, VictimTruth

Progress = Callable[[int, int, str], None]
# (region, year) → truth key → the registers that saw that true person there and then
Sightings = dict[tuple[str, int], dict[str, set[str]]]

COLUMNS = [
    "region",
    "year",
    "observed",
    "true_victims",
    "estimate",
    "ci_low",
    "ci_high",
    "covered",
    "status",
]


class NoTruth(Exception):
    """There is no synthetic ground truth to evaluate against; ``reason`` says why."""

    def __init__(self, reason: object) -> None:
        super().__init__(str(reason))
        self.reason = reason


def latest_synth_run() -> SynthRun | None:
    return SynthRun.objects.order_by("-started_at", "-pk").first()


def truth_histories(run: SynthRun, years: Sequence[int] | None = None) -> list[CaptureHistories]:
    """Capture histories of ``run`` per today's region and year, from its truth keys.

    As in linkage's tables, a true person counts once in each region and year where a register
    saw her or him, with the pattern of the registers that did.
    """
    wanted = set(years) if years else None
    regions = district_regions()
    seen: Sightings = defaultdict(lambda: defaultdict(set))
    _register_sightings(run, wanted, regions, seen)
    _police_sightings(run, wanted, regions, seen)
    histories = []
    for (region, year), people in sorted(seen.items()):
        counts: dict[tuple[int, ...], int] = defaultdict(int)
        for registers in people.values():
            counts[tuple(int(name in registers) for name in REGISTERS)] += 1
        histories.append(
            CaptureHistories(region_code=region, year=year, lists=REGISTERS, counts=dict(counts))
        )
    return histories


def _register_sightings(
    run: SynthRun, wanted: set[int] | None, regions: dict[int, str], seen: Sightings
) -> None:
    """Records of the registers outside the police: today's region of the record's district
    version, the year it was seen."""
    truths = RecordTruth.objects.filter(run=run)
    if wanted:
        truths = truths.filter(record__seen_on__year__in=wanted)
    rows = truths.values_list(
        "record__register", "record__district_id", "record__seen_on", "truth_key"
    )
    for register, district, seen_on, key in rows.iterator(chunk_size=20000):
        region = regions.get(district, "")
        if region:
            seen[(region, seen_on.year)][key].add(register)


def _police_sightings(
    run: SynthRun, wanted: set[int] | None, regions: dict[int, str], seen: Sightings
) -> None:
    """Victims of police incidents: the incident's district and local year."""
    truth_of = dict(
        VictimTruth.objects.filter(run=run)
        .values_list("person_id", "truth_key")
        .iterator(chunk_size=20000)
    )
    zone = ZoneInfo(settings.TIME_ZONE)
    victims = IncidentParticipant.objects.filter(
        role=ParticipantRole.VICTIM,
        person_id__in=VictimTruth.objects.filter(run=run).values("person_id"),
    ).values_list("person_id", "incident__occurred_at", "incident__district_id")
    for person, moment, district in victims.iterator(chunk_size=20000):
        year = moment.astimezone(zone).year
        region = regions.get(district, "")
        if region and (not wanted or year in wanted):
            seen[(region, year)][truth_of[person]].add("police")


def truth_evaluate(
    *,
    years: Sequence[int] | None = None,
    selection: str = "stepwise",
    progress: Progress | None = None,
) -> list[TruthEstimate]:
    """Estimate every region × year of the latest synthetic data set from its truth and store
    the estimates beside the true numbers (``TruthEstimate`` only; nothing is published)."""
    if selection not in mse.METHODS:
        raise ValueError(f"unknown selection {selection!r}")
    run = latest_synth_run()
    if run is None:
        raise NoTruth(_("There is no synthetic data set (run qorgau synth)."))
    histories = truth_histories(run, years)
    true = {(t.region_code, t.year): t.true_victims for t in TruthCount.objects.filter(run=run)}
    estimates = []
    for number, history in enumerate(histories, start=1):
        key = (history.region_code, history.year)
        estimates.append(_estimate(run, history, selection, true.get(key)))
        if progress:
            progress(number, len(histories), f"{history.region_code} {history.year}")
    with transaction.atomic():
        return TruthEstimate.objects.bulk_create(estimates)


def _estimate(
    run: SynthRun, history: CaptureHistories, selection: str, true_victims: int | None
) -> TruthEstimate:
    """The same estimate a published run would make of these tables (no bootstrap)."""
    row = TruthEstimate(
        run=run,
        selection=selection,
        region_code=history.region_code,
        year=history.year,
        observed=sum(n for pattern, n in history.counts.items() if any(pattern)),
        true_victims=true_victims,
    )
    try:
        table, _dropped = table_of(history)
        found = mse.estimate(table, selection=selection)
    except mse.EstimationRefused as exc:
        row.refusal = str(exc.reason)
        return row
    row.estimate, row.ci_low, row.ci_high = found.estimate, found.ci_low, found.ci_high
    return row


def covered(row: TruthEstimate) -> bool | None:
    """Whether the interval holds the true number; None when either is missing."""
    if row.true_victims is None or row.ci_low is None or row.ci_high is None:
        return None
    return row.ci_low <= row.true_victims <= row.ci_high


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def comparison_rows(estimates: Iterable[TruthEstimate]) -> list[dict[str, Any]]:
    """One row per region and year: the estimate beside the true number (the CSV columns)."""
    rows = []
    for row in estimates:
        hit = covered(row)
        rows.append(
            {
                "region": row.region_code,
                "year": row.year,
                "observed": row.observed,
                "true_victims": "" if row.true_victims is None else row.true_victims,
                "estimate": _figure(row.estimate),
                "ci_low": _figure(row.ci_low),
                "ci_high": _figure(row.ci_high),
                "covered": "" if hit is None else ("yes" if hit else "no"),
                "status": "refused" if row.estimate is None else "estimated",
            }
        )
    return rows


def comparison_csv_write(path: Path, estimates: Iterable[TruthEstimate]) -> int:
    """Write the comparison to ``path``; the number of rows."""
    rows = comparison_rows(estimates)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(safe_record(row) for row in rows)
    return len(rows)


def comparison_summary(estimates: Sequence[TruthEstimate]) -> str:
    """How many were estimated, how many intervals cover the truth, the median estimate ÷ true."""
    estimated = [r for r in estimates if r.estimate is not None]
    checked = [hit for hit in map(covered, estimated) if hit is not None]
    ratios = [(r.estimate or 0.0) / r.true_victims for r in estimated if r.true_victims]
    median = f"{statistics.median(ratios):.2f}" if ratios else "-"
    return (
        f"{len(estimates)} region-years, {len(estimated)} with an estimate; "
        f"{sum(checked)} of {len(checked)} intervals cover the true number; "
        f"median estimate / true: {median}."
    )
