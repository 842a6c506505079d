"""Running an import: stream the file, process it in batches, write rejects, record progress.

Each batch is one transaction holding its rows and one audit entry, so an interrupted import
keeps whole batches and its re-run skips them (by ``(source, record_id)``). The job row is
updated after every batch: the console and the job page read their progress from it.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone, translation

from qorgau.accounts.roles import ScopeKind
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.crypto import seal_chunks
from qorgau.lib.tabular import safe_cell
from qorgau.registry.importing.incidents import IncidentsSpec
from qorgau.registry.importing.measures import OrdersSpec, RequirementsSpec
from qorgau.registry.importing.offences import OffencesSpec
from qorgau.registry.importing.persons import PersonsSpec
from qorgau.registry.importing.readers import UnreadableFile, open_extract
from qorgau.registry.importing.refs import TerritoryIndex
from qorgau.registry.importing.register_records import RegisterRecordsSpec, register_problem
from qorgau.registry.importing.spec import BatchResult, ImportContext, KindSpec, ParsedBatch
from qorgau.registry.models import ImportJob, Person
from qorgau.registry.rules import local_zone
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.models import User


logger = logging.getLogger(__name__)

BATCH_SIZE = 2000

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_UNREADABLE = 2
EXIT_REJECTS = 3

SPECS: dict[str, type[KindSpec]] = {
    spec.kind: spec
    for spec in (
        IncidentsSpec,
        PersonsSpec,
        OrdersSpec,
        RequirementsSpec,
        OffencesSpec,
        RegisterRecordsSpec,
    )
}

Progress = Callable[[ImportJob], None]


@dataclass(frozen=True)
class Outcome:
    """How an import ended, and the exit code the command returns for it."""

    exit_code: int
    total: int | None
    processed: int
    accepted: int
    rejected: int
    skipped: int
    message: str = ""
    unknown_columns: tuple[str, ...] = ()  # columns of the file no rule reads: ignored


def import_scope(actor: User | None) -> frozenset[int] | None:
    """The district ids the actor may import into; ``None`` for the whole country.

    No actor is the system (the command without ``--user``): the whole country. A user of an
    organisation (a crisis centre, a polyclinic) imports within the organisation's territory.
    """
    if actor is None or actor.is_superuser or actor.scope_kind == ScopeKind.COUNTRY:
        return None
    if actor.scope_kind in (ScopeKind.REGION, ScopeKind.DISTRICT) and actor.territory:
        return frozenset(territory_scope_ids(actor.territory))
    if actor.scope_kind == ScopeKind.ORGANISATION and actor.organisation:
        return frozenset(territory_scope_ids(actor.organisation.territory))
    return frozenset()


SEALED_SUFFIX = ".sealed"


def rejects_path_for(job: ImportJob) -> Path:
    """Where a web or API job keeps its rejects: sealed (encrypted), since they hold IINs."""
    return Path(settings.VAR_DIR) / "imports" / f"job-{job.pk}-rejects.csv{SEALED_SUFFIX}"


def _batches(
    rows: Iterator[tuple[int, dict[str, Any]]], size: int
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch


_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _parsed_batches(
    spec: KindSpec, rows: Iterator[tuple[int, dict[str, Any]]], size: int, ctx: ImportContext
) -> Generator[ParsedBatch, None, None]:
    """The batches of ``rows``, each through :meth:`KindSpec.prepare` (parsed and checked).

    Parsing the next batch in a thread while the current one is stored was measured and
    dropped: the parsing holds the GIL, and the convoy cost more than the overlap gained
    (10-13 % slower on both backends, 50,000 rows, 2 cores). So was a parsing process: handing
    a parsed batch over (pickling, then unpickling in the parent) cost twice its parsing.
    """
    for chunk in _batches(rows, size):
        batch = ParsedBatch(chunk)
        batch.parsed = spec.prepare(chunk, ctx)
        yield batch


class RejectsWriter:
    """The rejects file: ``row, field, value, reason``, reasons in the job's language.

    Written with a byte-order mark so that spreadsheet programs read Cyrillic correctly, and
    with values that a spreadsheet would run as formulas quoted. ``sealed``: each batch is
    encrypted under the field keys (:func:`qorgau.lib.crypto.seal_chunks`), for files kept by
    the server; the command line's ``--rejects`` file is the user's own and stays plain.
    """

    HEADER = ("row", "field", "value", "reason")

    def __init__(self, path: Path | None, *, sealed: bool = False) -> None:
        self.path = path
        self.count = 0
        self._handle: Any = None
        self._buffer = io.StringIO()
        self._writer: Any = None
        self._sealed = sealed
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = path.open("wb")
            self._buffer.write("\ufeff")
            self._writer = csv.writer(self._buffer)
            self._writer.writerow(self.HEADER)
            self._flush()

    def _flush(self) -> None:
        data = self._buffer.getvalue().encode("utf-8")
        self._buffer.seek(0)
        self._buffer.truncate()
        if self._sealed:
            seal_chunks([data], self._handle)
        else:
            self._handle.write(data)
        self._handle.flush()

    def write(self, result: BatchResult) -> None:
        self.count += len(result.rejects)
        if self._writer is not None:
            self._writer.writerows(
                (number, problem.field, safe_cell(problem.value), str(problem.reason))
                for number, problem in result.rejects
            )
            self._flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def _context(job: ImportJob, actor: User | None) -> ImportContext:
    return ImportContext(
        source=job.source,
        actor_id=getattr(actor, "pk", None),
        scope_ids=import_scope(actor),
        territories=TerritoryIndex(),
        zone=local_zone(),
        today=timezone.localdate(),
        register=job.register,
        organisation_id=getattr(actor, "organisation_id", None),
        actor=actor,
    )


def _process_batch(
    spec: KindSpec,
    batch: list[tuple[int, dict[str, Any]]],
    ctx: ImportContext,
    job: ImportJob,
    actor: User | None,
) -> BatchResult:
    """One transaction: the batch's rows and one audit entry for them."""
    with transaction.atomic():
        result = spec.process(batch, ctx)
        if result.accepted:
            audit_record(
                action=AuditAction.CREATE,
                actor=actor,
                object_type=f"{spec.model._meta.app_label}.{spec.model._meta.model_name}",
                details={"import_job": job.pk, "kind": spec.kind, "rows": result.accepted},
            )
    return result


def _tune_connection() -> None:
    """On SQLite, a page cache of 64 MB for this connection (the default is 2 MB).

    The unique indexes written by an import (IIN pseudonyms, record numbers) take keys in
    random order; with the default cache every insert into a large table reads its index pages
    from the file again. The setting ends with the connection.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -65536")


def _refresh_statistics(spec: KindSpec, batch_number: int) -> None:
    """Let PostgreSQL's planner see the tables grow (after batches 1, 2, 4, 8, ...).

    The per-batch look-ups (arrays of record numbers and pseudonyms) are planned from the
    table statistics; on a table that was small when last analysed the planner picks sequential
    scans, and the import slows down as the table grows. Autovacuum comes too late for a bulk
    load, so the importer analyses the tables it writes, at doubling intervals.

    Only the columns those look-ups filter on are analysed: the row count and page count the
    planner needs come with any ANALYZE, and the other columns' statistics (a sort of the
    sample per column, most of the cost on the 25 columns of incidents) are left to
    autovacuum, whose counter of changed rows a column-limited ANALYZE does not reset.
    """
    if connection.vendor != "postgresql" or batch_number & (batch_number - 1):
        return
    looked_up: dict[type[models.Model], tuple[str, ...]] = {
        spec.model: _LOOKUP_COLUMNS,
        Person: (*_LOOKUP_COLUMNS, "iin_pseudonym"),
    }
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, names in sorted(looked_up.items(), key=lambda item: item[0]._meta.db_table):
            columns = ", ".join(quote(name) for name in names)  # plain fields: name = column
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)} ({columns})")


_LOOKUP_COLUMNS = ("source", "source_record_id")


def _save_progress(job: ImportJob, result: BatchResult, rows: int) -> None:
    job.processed_rows += rows
    job.accepted_rows += result.accepted
    job.rejected_rows += result.rejected_rows
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=job.processed_rows,
        accepted_rows=job.accepted_rows,
        rejected_rows=job.rejected_rows,
    )


def _finish(job: ImportJob, status: str, error: str = "") -> None:
    job.status, job.error, job.finished_at = status, error, timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])


def run_import(
    job: ImportJob,
    *,
    actor: User | None = None,
    rejects_path: Path | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    source_path: Path | None = None,
) -> Outcome:
    """Import ``job.stored_path`` (or ``source_path``, its decrypted copy) as ``job.kind``;
    messages in ``job.language``.

    ``actor`` (the uploader, or ``None`` for the system) decides the territory rows may be
    placed in. Rejects go to ``rejects_path`` (kept on the job), sealed when its name ends in
    ``.sealed``. The job's counters start from zero: a re-run counts the rows it skips as
    processed, not as accepted.
    """
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _run(job, actor, rejects_path, batch_size, progress, source_path)


def _run(
    job: ImportJob,
    actor: User | None,
    rejects_path: Path | None,
    batch_size: int,
    progress: Progress | None,
    source_path: Path | None = None,
) -> Outcome:
    spec = SPECS[job.kind]()
    job.status = ImportJob.Status.RUNNING
    job.processed_rows = job.accepted_rows = job.rejected_rows = 0
    job.rejects_path = str(rejects_path or "")
    problem = register_problem(job.kind, job.register)
    if problem:  # the ways in check it first: this guards the table, not the user
        job.save()
        _finish(job, ImportJob.Status.FAILED, str(problem))
        return Outcome(EXIT_ERROR, None, 0, 0, 0, 0, str(problem))
    try:
        extract = open_extract(
            source_path or Path(job.stored_path),
            known=spec.column_names(),
            required=spec.required_columns(),
        )
    except UnreadableFile as exc:
        job.save()
        _finish(job, ImportJob.Status.FAILED, str(exc.reason))
        return Outcome(EXIT_UNREADABLE, None, 0, 0, 0, 0, str(exc.reason))
    unknown = tuple(extract.unknown_columns)
    job.total_rows = extract.total_rows
    job.save()
    sealed = rejects_path is not None and rejects_path.name.endswith(SEALED_SUFFIX)
    rejects = RejectsWriter(rejects_path, sealed=sealed)
    skipped = 0
    batches: Generator[ParsedBatch, None, None] | None = None
    try:
        ctx = _context(job, actor)
        batches = _parsed_batches(spec, extract.rows, batch_size, ctx)
        _tune_connection()
        for number, batch in enumerate(batches, start=1):
            result = _process_batch(spec, batch, ctx, job, actor)
            _refresh_statistics(spec, number)
            rejects.write(result)
            skipped += result.skipped
            _save_progress(job, result, len(batch))
            if progress:
                progress(job)
    except UnreadableFile as exc:
        _finish(job, ImportJob.Status.FAILED, str(exc.reason))
        return _outcome(job, skipped, EXIT_UNREADABLE, str(exc.reason), unknown)
    except Exception as exc:
        logger.exception("Import job %s failed", job.pk)
        _finish(job, ImportJob.Status.FAILED, f"{type(exc).__name__}: {exc}")
        return _outcome(job, skipped, EXIT_ERROR, str(exc), unknown)
    finally:
        if batches is not None:
            batches.close()
        rejects.close()
        extract.close()
    job.total_rows = job.processed_rows  # the estimate counted blank lines too
    job.save(update_fields=["total_rows"])
    _finish(job, ImportJob.Status.DONE)
    return _outcome(job, skipped, EXIT_REJECTS if job.rejected_rows else EXIT_OK, "", unknown)


def _outcome(
    job: ImportJob, skipped: int, code: int, message: str = "", unknown: tuple[str, ...] = ()
) -> Outcome:
    return Outcome(
        code,
        job.total_rows,
        job.processed_rows,
        job.accepted_rows,
        job.rejected_rows,
        skipped,
        message,
        unknown,
    )
