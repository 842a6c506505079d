"""Budget workbooks uploaded from the page or the API, stored and processed as background jobs.

A large workbook (hundreds of thousands of rows) takes minutes to check and store: the
request only refuses a wrong file, stores the upload *sealed* under ``VAR_DIR/budget-uploads``
and queues a job, as the register imports do (:mod:`qorgau.registry.importing.jobs`, whose
switch ``QORGAU_IMPORTS_IN_BACKGROUND`` and retention period it follows). The job reads the
workbook in a background thread and stores it in batches of whole groups (region and year),
each batch one transaction: a failure keeps no batch half-written, and since re-sending rows
changes nothing, uploading the file again completes an interrupted job. The upload is deleted
when the job ends, done or failed; the rejects are kept sealed for the retention period.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qorgau.accounts.access import restrict
from qorgau.accounts.roles import MANAGE_BUDGET
from qorgau.budget.models import UploadJob
from qorgau.budget.rows import Context, RowError, StoreResult
from qorgau.budget.services import NOT_ALLOWED, sheet_store
from qorgau.budget.workbook import Sheet, no_sheet, sheet_batches, workbook_probe, workbook_sheets
from qorgau.lib.crypto import SEALED_CHUNK_BYTES, DecryptionError, seal_chunks, unseal_chunks
from qorgau.lib.tabular import safe_cell
from qorgau.registry.importing.engine import SEALED_SUFFIX
from qorgau.registry.importing.jobs import TOO_LARGE, UNREADABLE_UPLOAD

if TYPE_CHECKING:
    from qorgau.accounts.models import User


logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
FIRST_REJECTS = 500  # kept on the job for its page and the API; all of them in the CSV file
REJECTS_HEADER = ("sheet", "row", "column", "reason")


def upload_dir() -> Path:
    return Path(settings.VAR_DIR) / "budget-uploads"


def rejects_path_for(job: UploadJob) -> Path:
    return upload_dir() / f"job-{job.pk}-rejects.csv{SEALED_SUFFIX}"


def upload_problem(upload: UploadedFile[bytes], *, limit: int) -> str | None:
    """Why an upload is refused before it is read (extension, size over ``limit`` bytes)."""
    if not (upload.name or "").lower().endswith(".xlsx"):
        return _("Upload an .xlsx file of at most 10 MB.")
    if (upload.size or 0) > limit:
        return str(TOO_LARGE % {"limit": max(1, limit // (1024 * 1024))})
    return None


def job_create(*, actor: User, upload: UploadedFile[bytes], source: str) -> UploadJob:
    """Check that the upload is a workbook, store it sealed and queue its job; the job starts
    once the caller's transaction commits. Raises ValidationError for a file that is no XLSX
    workbook (its sheets and rows are the job's to read)."""
    workbook_probe(upload)
    uploads_purge()
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"{uuid.uuid4().hex}.xlsx{SEALED_SUFFIX}"
    with stored.open("wb") as handle:
        seal_chunks(upload.chunks(SEALED_CHUNK_BYTES), handle)
    job = UploadJob.objects.create(
        file_name=Path(upload.name or "").name[:255],
        stored_path=str(stored),
        source=source,
        language=(get_language() or settings.LANGUAGE_CODE)[:8],
        territory=actor.scope_territory,
        created_by=actor,
    )
    transaction.on_commit(lambda: job_start(job.pk))
    return job


def job_start(job_id: int) -> None:
    """Run the job in a background thread (inline when ``QORGAU_IMPORTS_IN_BACKGROUND`` is
    off, as in the tests)."""
    if getattr(settings, "QORGAU_IMPORTS_IN_BACKGROUND", True):
        name = f"budget-upload-{job_id}"
        threading.Thread(target=_run_in_thread, args=(job_id,), name=name, daemon=True).start()
    else:
        job_run(job_id)


def _run_in_thread(job_id: int) -> None:
    try:
        job_run(job_id)
    except Exception:
        logger.exception("Budget upload %s could not run", job_id)
    finally:
        connections.close_all()


def job_run(job_id: int) -> None:
    """Process a stored job in the uploader's language; its upload goes when it ends."""
    job = UploadJob.objects.select_related("created_by").get(pk=job_id)
    stored = Path(job.stored_path)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            _run(job, stored)
    except Exception as exc:
        logger.exception("Budget upload %s failed", job.pk)
        _finish(job, UploadJob.Status.FAILED, _stopped(job, exc))
    finally:
        stored.unlink(missing_ok=True)
        UploadJob.objects.filter(pk=job.pk).update(stored_path="")


def _stopped(job: UploadJob, exc: Exception) -> str:
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _(
            "The upload stopped after %(rows)s rows (%(error)s). The rows counted were stored; "
            "upload the file again to store the rest: rows already stored are left as they are."
        ) % {"rows": job.processed_rows, "error": type(exc).__name__}


def _run(job: UploadJob, stored: Path) -> None:
    """Read the sealed workbook and store it; every way out says on the job why it ended."""
    job.status = UploadJob.Status.RUNNING
    job.save(update_fields=["status"])
    actor = job.created_by
    if actor is None or not actor.has_perm(MANAGE_BUDGET):
        _finish(job, UploadJob.Status.FAILED, str(NOT_ALLOWED))
        return
    try:
        with stored.open("rb") as sealed:
            content = b"".join(unseal_chunks(sealed))
        sheets = workbook_sheets(content)
    except (DecryptionError, OSError):
        logger.exception("Budget upload %s: the stored file cannot be read", job.pk)
        _finish(job, UploadJob.Status.FAILED, str(UNREADABLE_UPLOAD))
        return
    except ValidationError as exc:
        _finish(job, UploadJob.Status.FAILED, " ".join(exc.messages))
        return
    job.total_rows = sum(len(sheet.rows) for sheet in sheets)
    job.save(update_fields=["total_rows"])
    if not job.total_rows:
        _finish(job, UploadJob.Status.FAILED, no_sheet() if not sheets else _no_rows())
        return
    _store(job, actor, sheets)


def _no_rows() -> str:
    return _("The workbook has no rows.")


def _store(job: UploadJob, actor: User, sheets: list[Sheet]) -> None:
    """Every sheet, batch by batch; progress and rejects saved after each batch."""
    context = Context(actor)
    with _RejectsFile(rejects_path_for(job)) as rejects:
        job.rejects_path = str(rejects.path)
        job.save(update_fields=["rejects_path"])
        for sheet in sheets:
            for rows in sheet_batches(sheet, BATCH_SIZE):
                result = sheet_store(
                    actor=actor, sheet=sheet, rows=rows, context=context, source=job.source
                )
                rejects.write(result.errors)
                _save_progress(job, result, len(rows))
    _finish(job, UploadJob.Status.DONE)


def _save_progress(job: UploadJob, result: StoreResult, rows: int) -> None:
    job.processed_rows += rows
    job.created_rows += result.created
    job.updated_rows += result.updated
    job.unchanged_rows += result.unchanged
    job.rejected_rows += len({(e.sheet, e.row) for e in result.errors})
    room = FIRST_REJECTS - len(job.first_rejects)
    job.first_rejects += [_reject(error) for error in result.errors[: max(0, room)]]
    job.save(
        update_fields=[
            "processed_rows",
            "created_rows",
            "updated_rows",
            "unchanged_rows",
            "rejected_rows",
            "first_rejects",
        ]
    )


def _reject(error: RowError) -> dict[str, Any]:
    return {"sheet": error.sheet, "row": error.row, "column": error.column, "reason": error.message}


def _finish(job: UploadJob, status: str, error: str = "") -> None:
    job.status, job.error, job.finished_at = status, error, timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])


class _RejectsFile:
    """The rejected rows as CSV (``sheet, row, column, reason``), sealed batch by batch;
    deleted again if no row was rejected."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = path.open("wb")
        self._seal([REJECTS_HEADER], bom=True)

    def _seal(self, rows: list[tuple[Any, ...]], *, bom: bool = False) -> None:
        buffer = io.StringIO()
        if bom:  # spreadsheet programs read Cyrillic correctly with it
            buffer.write("\ufeff")
        csv.writer(buffer).writerows(rows)
        seal_chunks([buffer.getvalue().encode("utf-8")], self._handle)
        self._handle.flush()

    def write(self, errors: list[RowError]) -> None:
        if errors:
            self.count += len(errors)
            self._seal([(e.sheet, e.row, e.column, safe_cell(e.message)) for e in errors])

    def __enter__(self) -> _RejectsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()
        if not self.count:
            self.path.unlink(missing_ok=True)


def rejects_content(job: UploadJob) -> Iterator[bytes] | None:
    """The plaintext of a job's rejects file, decrypted as it is read; ``None`` when gone."""
    path = Path(job.rejects_path) if job.rejects_path else None
    if path is None or not path.is_file():
        return None
    return _unsealed(path)


def _unsealed(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from unseal_chunks(handle)


def uploads_purge(*, now: dt.datetime | None = None) -> int:
    """Delete what budget uploads left on disk past ``QORGAU_IMPORT_RETENTION_DAYS``.

    Rejects of jobs finished before then go (the job then offers no download), and so does
    any older file no queued or running job needs (an upload left by a server stopped mid-job).
    Run on each new upload. Returns the number of files deleted.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.QORGAU_IMPORT_RETENTION_DAYS)
    removed = 0
    for job in UploadJob.objects.filter(finished_at__lt=cutoff).exclude(rejects_path=""):
        path = Path(job.rejects_path)
        if path.parent == upload_dir() and path.is_file():
            path.unlink()
            removed += 1
        UploadJob.objects.filter(pk=job.pk).update(rejects_path="")
    return removed + _purge_leftovers(cutoff)


def _purge_leftovers(cutoff: dt.datetime) -> int:
    directory = upload_dir()
    if not directory.is_dir():
        return 0
    active = UploadJob.objects.filter(
        status__in=(UploadJob.Status.QUEUED, UploadJob.Status.RUNNING)
    )
    needed = {Path(path).name for path in active.values_list("stored_path", flat=True)}
    needed |= {Path(path).name for path in active.values_list("rejects_path", flat=True)}
    removed = 0
    for path in directory.iterdir():
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if path.is_file() and path.name not in needed and modified < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def job_progress(job: UploadJob) -> dict[str, Any]:
    """What the job page polls and the API returns (the page's script reads the counts)."""
    return {
        "id": job.pk,
        "file_name": job.file_name,
        "source": job.source,
        "status": job.status,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "accepted_rows": job.accepted_rows,
        "created": job.created_rows,
        "updated": job.updated_rows,
        "unchanged": job.unchanged_rows,
        "rejected_rows": job.rejected_rows,
        "percent": job.percent,
        "error": job.error,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def jobs_visible_to(user: User) -> QuerySet[UploadJob]:
    """The jobs ``user`` may see: those placed in the scope of a finance officer (the access
    layer), which includes the user's own."""
    return restrict(UploadJob.objects.select_related("created_by"), user)
