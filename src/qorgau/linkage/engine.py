"""The linkage run: read the registers inside the trust zone, link, cluster, store clusters.

1. Records: one per police victim per region and year of her incidents (``Person``), one per
   ``RegisterRecord`` of the other registers (as imported, whoever supplied them). Names are
   decrypted in memory (one audit entry for the run) and turned into keys
   (:mod:`qorgau.linkage.names`); nothing decrypted is stored. Records that cannot be told
   apart (:func:`qorgau.linkage.records.identifiable`) are counted per register and left out.
2. Exact links: the same IIN pseudonym, or the same source record (a police victim seen in two
   years). Where both records carry an IIN pseudonym the IIN decides: Splink's score is ignored.
3. Probabilistic links (Splink, :mod:`qorgau.linkage.splink_model`) where at least one side has
   no IIN; pairs at or above the threshold link, pairs just around it go to the review queue.
   A model that fails a training check (:mod:`qorgau.linkage.training`) fails the run.
4. Clusters: connected components of the links; stored as :class:`LinkedRecord` rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils import timezone, translation

from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.crypto import decrypt_text
from qorgau.linkage.evaluation import POLICE, TruthKeys, truth_keys
from qorgau.linkage.graph import components, star_edges
from qorgau.linkage.models import (
    DEFAULT_THRESHOLD,
    CandidatePair,
    LinkageRun,
    LinkEdge,
    LinkedRecord,
    RunStatus,
)
from qorgau.linkage.quality import cluster_quality
from qorgau.linkage.records import Records
from qorgau.linkage.splink_model import (
    backend_api,
    person_spec,
    predict,
    spec_for_data,
    without_iin_decided_pairs,
)
from qorgau.linkage.training import TrainingFailed, failure_text

Progress = Callable[[int, str], None]
BATCH = 5000


class _Decryptor:
    """Decrypts tokens once each (a supplier may share one token per spelling, as the
    synthetic generator does)."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self.decrypted = 0

    def __call__(self, token: str) -> str:
        if not token:
            return ""
        text = self._cache.get(token)
        if text is None:
            text = self._cache[token] = decrypt_text(token)
            self.decrypted += 1
        return text

    def clear(self) -> None:
        self._cache.clear()


def _today_regions() -> dict[str, str]:
    """District KATO code → today's region code (districts kept their codes in the 2022
    reform; only their regions changed)."""
    from qorgau.territory.models import Territory

    return {
        code: parent
        for code, parent in Territory.objects.current()
        .districts()
        .values_list("kato_code", "parent__kato_code")
        if parent
    }


def _years_on(field_name: str, years: Sequence[int]) -> Q:
    """Days of ``years`` as ranges, so that an index on the date column serves the filter."""
    days = Q()
    for year in sorted(set(years)):
        days |= Q(**{f"{field_name}__range": (dt.date(year, 1, 1), dt.date(year, 12, 31))})
    return days


def records_collect(years: Sequence[int] | None = None) -> tuple[Records, int]:
    """Every identifiable victim record of the five registers in ``years`` (all when
    ``None``), with name keys (the others counted in ``Records.unidentifiable``); returns the
    records and how many tokens were decrypted."""
    decrypt = _Decryptor()
    regions = _today_regions()
    truth = truth_keys()
    records = Records()
    _police_collect(records, years, regions, truth, decrypt)
    decrypt.clear()  # person tokens are unique: no use keeping them
    _register_records_collect(records, years, regions, truth, decrypt)
    return records, decrypt.decrypted


def _police_collect(
    records: Records,
    years: Sequence[int] | None,
    regions: dict[str, str],
    truth: TruthKeys,
    decrypt: _Decryptor,
) -> None:
    """One record per police victim per region (today's map) and year of her incidents."""
    from qorgau.registry.choices import ParticipantRole
    from qorgau.registry.models import IncidentParticipant, Person

    participations = IncidentParticipant.objects.filter(role=ParticipantRole.VICTIM).annotate(
        year=ExtractYear("incident__occurred_at")
    )
    if years:
        participations = participations.filter(year__in=list(years))
    placed: dict[tuple[int, str, int], str] = {}
    for person_id, district, parent, year in participations.values_list(
        "person_id",
        "incident__district__kato_code",
        "incident__district__parent__kato_code",
        "year",
    ).order_by("incident__occurred_at"):
        region = regions.get(district, parent or "")
        placed.setdefault((person_id, region, year), district)
    person_ids = sorted({key[0] for key in placed})
    people: dict[int, Person] = {}
    for start in range(0, len(person_ids), BATCH):
        for person in Person.objects.filter(pk__in=person_ids[start : start + BATCH]).only(
            "iin_pseudonym",
            "surname_token",
            "first_name_token",
            "patronymic_token",
            "sex",
            "birth_date",
            "birth_year",
        ):
            people[person.pk] = person
    for (person_id, region, year), district in sorted(placed.items()):
        person = people[person_id]
        records.add(
            register=POLICE,
            source_id=person_id,
            region_code=region,
            district_code=district,
            year=year,
            iin=person.iin_pseudonym,
            surname=decrypt(person.surname_token),
            first_name=decrypt(person.first_name_token),
            patronymic=decrypt(person.patronymic_token),
            sex=person.sex,
            birth_date=person.birth_date,
            birth_year=person.birth_year,
            truth=truth.key(POLICE, person_id),
        )


def _register_records_collect(
    records: Records,
    years: Sequence[int] | None,
    regions: dict[str, str],
    truth: TruthKeys,
    decrypt: _Decryptor,
) -> None:
    """One record per ``RegisterRecord`` of the other registers, as imported (whoever
    supplied it); region on today's map, year of the day seen."""
    from qorgau.registry.models import RegisterRecord

    rows = RegisterRecord.objects.order_by("pk")
    if years:
        rows = rows.filter(_years_on("seen_on", years))
    for row in rows.values_list(
        "pk",
        "register",
        "district__kato_code",
        "district__parent__kato_code",
        "seen_on",
        "iin_pseudonym",
        "surname_token",
        "first_name_token",
        "patronymic_token",
        "sex",
        "birth_date",
        "birth_year",
    ).iterator(chunk_size=BATCH):
        pk, register, district, parent = row[0], row[1], row[2], row[3]
        records.add(
            register=register,
            source_id=pk,
            region_code=regions.get(district, parent or ""),
            district_code=district,
            year=row[4].year,
            iin=row[5],
            surname=decrypt(row[6]),
            first_name=decrypt(row[7]),
            patronymic=decrypt(row[8]),
            sex=row[9],
            birth_date=row[10],
            birth_year=row[11],
            truth=truth.key(register, pk),
        )


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def labels(self) -> list[int]:
        """A cluster number per element, 1.. in order of first appearance."""
        numbers: dict[int, int] = {}
        return [numbers.setdefault(self.find(i), len(numbers) + 1) for i in range(len(self.parent))]


def exact_edges(records: Records) -> list[tuple[int, int]]:
    """Records sharing an IIN pseudonym or a source record, as a star per group (computed on
    whole columns: :mod:`qorgau.linkage.graph`)."""
    import pandas as pd

    source = pd.Series(records.register, dtype=object) + "\x1f"
    source += pd.Series(records.source_id, dtype=object).astype(str)
    edges: list[tuple[int, int]] = []
    for keys in (pd.Series(records.iin, dtype=object), source):
        first, other = star_edges(keys)
        edges += zip(first.tolist(), other.tolist(), strict=True)
    return edges


@dataclass
class Linked:
    clusters: list[int]
    exact: list[tuple[int, int]]
    scored: list[tuple[int, int, float]]
    review: list[tuple[int, int, float]]
    compared: int
    model: dict[str, Any] = field(default_factory=dict)


def link(
    records: Records,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    review_low: float = 0.5,
    review_high: float = 0.99,
    backend: str = "duckdb",
    seed: int = 1,
    max_pairs: float = 2e6,
    log: Callable[[str], None] | None = None,
    api: Any = None,
) -> Linked:
    """Exact and probabilistic links, and their connected components.

    Splink runs only where some record lacks an IIN: a pair of records that both carry one is
    decided by the IIN alone (:func:`exact_edges`) and never reaches scoring
    (:func:`~qorgau.linkage.splink_model.without_iin_decided_pairs`), so without such a record
    there is nothing to score (nor enough variety to train on). Clusters are the connected
    components of all links (:func:`qorgau.linkage.graph.components`). Raises
    :class:`~qorgau.linkage.training.TrainingFailed` when the model fails a training check.
    """
    exact = exact_edges(records)
    scored: list[tuple[int, int, float]] = []
    review: list[tuple[int, int, float]] = []
    compared = 0
    model: dict[str, Any] = {}
    if len(records) > 1 and not all(records.iin):
        frame = records.frame()
        prediction = predict(
            frame,
            without_iin_decided_pairs(spec_for_data(person_spec(), frame)),
            backend=backend,
            threshold=min(review_low, threshold),
            seed=seed,
            max_pairs=max_pairs,
            log=log,
            api=api,
        )
        model = prediction.model
        pairs = prediction.pairs
        for left, right, probability in zip(
            pairs["unique_id_l"].tolist(),
            pairs["unique_id_r"].tolist(),
            pairs["match_probability"].tolist(),
            strict=True,
        ):
            compared += 1
            a, b = int(left), int(right)
            if probability >= threshold:
                scored.append((a, b, probability))
            if review_low <= probability < review_high:
                review.append((a, b, probability))
    links = exact + [(a, b) for a, b, _p in scored]
    clusters = components(len(records), [a for a, _b in links], [b for _a, b in links])
    return Linked(clusters, exact, scored, review, compared, model)


def _progress_saver(run: LinkageRun, echo: Progress | None) -> Progress:
    def progress(percent: int, stage: str) -> None:
        run.progress, run.stage = percent, stage[:200]
        LinkageRun.objects.filter(pk=run.pk).update(progress=percent, stage=run.stage)
        if echo:
            echo(percent, stage)

    return progress


def run_execute(
    run: LinkageRun,
    *,
    echo: Progress | None = None,
    max_review: int = 2000,
) -> LinkageRun:
    """Carry out a queued run, saving its progress as it goes; failures are recorded (with
    the reason, and for a failed training its code, shown on the run page) and re-raised.

    The clusters and the *finished* status are written in one transaction: a run that fails
    leaves no clusters, and readers (:func:`qorgau.linkage.selectors.capture_histories`) keep
    reading the latest finished run.
    """
    progress = _progress_saver(run, echo)
    start = time.perf_counter()
    LinkageRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    run.status = RunStatus.RUNNING
    try:
        records, linked = _records_and_links(run, progress)
        with transaction.atomic():
            progress(75, "storing clusters")
            _store(run, records, linked, max_review=max_review, progress=progress)
            run.counts = _counts(records, linked, max_review=max_review, start=start)
            run.model = linked.model
            truth = records.truth
            if truth and all(truth):
                run.quality = cluster_quality(linked.clusters, truth).as_dict()
            progress(100, "finished")
            run.status = RunStatus.FINISHED
            run.finished_at = timezone.now()
            run.save()
    except Exception as exc:
        _record_failure(run, exc)
        raise
    return run


def _records_and_links(run: LinkageRun, progress: Progress) -> tuple[Records, Linked]:
    """Read and decrypt the identifiable records (audited), then link them."""
    backend = run.backend
    api = backend_api(backend)  # fails at once, before any decryption, if it cannot run
    progress(2, "reading and decrypting the registers' records")
    records, decrypted = records_collect(run.years or None)
    audit_record(
        action=AuditAction.DECRYPT,
        actor=run.started_by,
        target=run,
        reason="record linkage",
        details={
            "records": len(records) + sum(records.unidentifiable.values()),
            "tokens_decrypted": decrypted,
        },
    )
    progress(20, f"{len(records):,} records read; training and scoring with Splink")
    parameters = run.parameters or {}

    def log(message: str) -> None:
        progress(min(run.progress + 8, 70), message)

    linked = link(
        records,
        threshold=run.threshold,
        review_low=float(parameters.get("review_low", 0.5)),
        review_high=float(parameters.get("review_high", 0.99)),
        backend=backend,
        seed=int(parameters.get("seed", 1)),
        max_pairs=float(parameters.get("max_pairs", 2e6)),
        log=log,
        api=api,
    )
    return records, linked


def _counts(records: Records, linked: Linked, *, max_review: int, start: float) -> dict[str, Any]:
    return {
        "records": len(records),
        "clusters": len(set(linked.clusters)),
        "exact_links": len(linked.exact),
        "scored_links": len(linked.scored),
        "pairs_scored": linked.compared,
        "review_pairs": min(len(linked.review), max_review),
        "by_register": records.by_register(),
        "unidentifiable": sum(records.unidentifiable.values()),
        "unidentifiable_by_register": dict(records.unidentifiable),
        "seconds": round(time.perf_counter() - start, 1),
    }


def _record_failure(run: LinkageRun, exc: Exception) -> None:
    """Mark the run failed with the reason; a failed training also keeps its code and
    parameters, so that the page can say why in the reader's language."""
    run.status, run.error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
    if isinstance(exc, TrainingFailed):
        with translation.override("en"):
            run.error = f"Training failed: {failure_text(exc.code, exc.params)}"
        run.failure = {"code": exc.code, "params": exc.params}
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "failure", "finished_at"])


def _store(
    run: LinkageRun, records: Records, linked: Linked, *, max_review: int, progress: Progress
) -> None:
    best: dict[int, float] = {}
    for a, b in linked.exact:
        best[a] = best[b] = 1.0
    for a, b, p in linked.scored:
        best[a], best[b] = max(best.get(a, 0.0), p), max(best.get(b, 0.0), p)
    rows = [
        LinkedRecord(
            run=run,
            register=records.register[i],
            source_record_id=records.source_id[i],
            cluster=linked.clusters[i],
            region_code=records.region_code[i],
            year=records.year[i],
            sex=records.sex[i] or "",
            birth_year=records.birth_year[i],
            probability=best.get(i),
        )
        for i in range(len(records))
    ]
    for start in range(0, len(rows), BATCH):
        LinkedRecord.objects.bulk_create(rows[start : start + BATCH])
    if rows and rows[0].pk is None:
        raise RuntimeError("The database did not return the keys of the stored records.")
    pk = [row.pk for row in rows]
    progress(85, "storing links")
    edges = [
        LinkEdge(run=run, left_id=pk[a], right_id=pk[b], kind=LinkEdge.Kind.EXACT)
        for a, b in linked.exact
    ] + [
        LinkEdge(run=run, left_id=pk[a], right_id=pk[b], kind=LinkEdge.Kind.SCORED, probability=p)
        for a, b, p in linked.scored
    ]
    LinkEdge.objects.bulk_create(edges, batch_size=BATCH)
    nearest = sorted(linked.review, key=lambda pair: abs(pair[2] - run.threshold))[:max_review]
    CandidatePair.objects.bulk_create(
        [
            CandidatePair(run=run, left_id=pk[a], right_id=pk[b], probability=p)
            for a, b, p in nearest
        ],
        batch_size=BATCH,
    )
