"""Import jobs started from the web or the API: storing the upload, running it in the background.

An upload is stored *sealed* (encrypted under the field keys) under ``VAR_DIR/imports`` and
processed by a background thread (one per job) once the request's transaction has committed;
the thread decrypts it to a private temporary file, and both go when the job ends, done or
failed. Rejects are kept sealed for ``QORGAU_IMPORT_RETENTION_DAYS``. A thread closes its
database connections when it ends. Tests set ``QORGAU_IMPORTS_IN_BACKGROUND = False`` to run
jobs inline.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import restrict
from qorgau.accounts.roles import IMPORT_RECORDS, IMPORT_REGISTER_PERMISSIONS
from qorgau.lib.crypto import SEALED_CHUNK_BYTES, DecryptionError, seal_chunks, unseal_chunks
from qorgau.registry.importing.engine import SEALED_SUFFIX, rejects_path_for, run_import
from qorgau.registry.importing.readers import EXTENSIONS
from qorgau.registry.models import ImportJob

if TYPE_CHECKING:
    from qorgau.accounts.models import User
    from qorgau.accounts.typing import RequestUser


logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
TOO_LARGE = _("The file is larger than %(limit)s MB: split it into several files.")
WRONG_EXTENSION = _("Only .csv and .xlsx files can be imported.")
UNREADABLE_UPLOAD = _("The stored file could not be read; upload it again.")


def upload_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def upload_problem(upload: UploadedFile[bytes]) -> str | None:
    """Why an upload is refused before it is stored (size, extension), or ``None``."""
    if Path(upload.name or "").suffix.lower() not in EXTENSIONS:
        return str(WRONG_EXTENSION)
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        return str(TOO_LARGE % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)})
    return None


def job_create(
    *, actor: User, kind: str, source: str, upload: UploadedFile[bytes], register: str = ""
) -> ImportJob:
    """Store the upload and queue a job for it; starts it once the transaction commits.

    ``register``: for records of other registers, the register the file comes from. The
    caller has checked that ``actor`` may import it.
    """
    problem = upload_problem(upload)
    if problem:
        raise ValidationError({"file": problem})
    imports_purge()
    suffix = Path(upload.name or "").suffix.lower()
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"{uuid.uuid4().hex}{suffix}{SEALED_SUFFIX}"
    with stored.open("wb") as handle:
        seal_chunks(upload.chunks(SEALED_CHUNK_BYTES), handle)
    job = ImportJob.objects.create(
        kind=kind,
        file_name=Path(upload.name or "").name[:255],
        stored_path=str(stored),
        source=source,
        register=register,
        language=(get_language() or settings.LANGUAGE_CODE)[:8],
        created_by=actor,
    )
    transaction.on_commit(lambda: job_start(job.pk))
    return job


def job_start(job_id: int) -> None:
    """Run the job in a background thread (or inline when the setting says so)."""
    if getattr(settings, "QORGAU_IMPORTS_IN_BACKGROUND", True):
        thread = threading.Thread(
            target=_run_in_thread, args=(job_id,), name=f"import-{job_id}", daemon=True
        )
        thread.start()
    else:
        job_run(job_id)


def _run_in_thread(job_id: int) -> None:
    try:
        job_run(job_id)
    except Exception:
        logger.exception("Import job %s could not run", job_id)
    finally:
        connections.close_all()


def job_run(job_id: int) -> None:
    """Run a stored job on a decrypted copy of its upload; the upload goes when it ends."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    stored = Path(job.stored_path)
    try:
        with _unsealed(stored, Path(job.file_name).suffix.lower()) as plain:
            run_import(
                job, actor=job.created_by, rejects_path=rejects_path_for(job), source_path=plain
            )
    except (DecryptionError, OSError):
        logger.exception("Import job %s: the stored upload cannot be read", job.pk)
        job.status, job.error = ImportJob.Status.FAILED, str(UNREADABLE_UPLOAD)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
    finally:
        stored.unlink(missing_ok=True)


@contextmanager
def _unsealed(stored: Path, suffix: str) -> Iterator[Path]:
    """A private temporary plaintext copy of a sealed upload, removed on leaving.

    It is written to the system's temporary directory, never under ``VAR_DIR``: the readers
    (csv, openpyxl) need a file, but nothing of the register may stay behind in plaintext.
    """
    if not stored.name.endswith(SEALED_SUFFIX):  # queued before uploads were sealed
        yield stored
        return
    descriptor, name = tempfile.mkstemp(suffix=suffix, prefix="qorgau-import-")
    plain = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as out, stored.open("rb") as sealed:
            for chunk in unseal_chunks(sealed):
                out.write(chunk)
        yield plain
    finally:
        plain.unlink(missing_ok=True)


def imports_purge(*, now: dt.datetime | None = None) -> int:
    """Delete what imports left under ``VAR_DIR/imports`` past the retention period.

    Rejects of jobs finished more than ``QORGAU_IMPORT_RETENTION_DAYS`` ago go (the job then
    offers no download), and so does any older file no queued or running job needs (an upload
    left by a server stopped mid-job, a plaintext file of an older version). Files outside the
    directory, such as the command line's own ``--rejects`` file, are never touched.
    Run on each new upload. Returns the number of files deleted.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.QORGAU_IMPORT_RETENTION_DAYS)
    directory = upload_dir().resolve()
    removed = 0
    for job in ImportJob.objects.filter(finished_at__lt=cutoff).exclude(rejects_path=""):
        path = Path(job.rejects_path).resolve()
        if path.parent == directory:
            if path.is_file():
                path.unlink()
                removed += 1
            job.rejects_path = ""
            job.save(update_fields=["rejects_path"])
    return removed + _purge_leftovers(directory, cutoff)


def _purge_leftovers(directory: Path, cutoff: dt.datetime) -> int:
    if not directory.is_dir():
        return 0
    active = ImportJob.objects.filter(
        status__in=(ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    )
    needed = {str(Path(path).resolve()) for path in active.values_list("stored_path", flat=True)}
    needed |= {str(rejects_path_for(job).resolve()) for job in active}
    removed = 0
    for path in directory.iterdir():
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if path.is_file() and str(path) not in needed and modified < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    """The jobs listed to ``user``: all for the holders of the import permission, otherwise
    (a crisis centre importing its own records) the user's own."""
    jobs = ImportJob.objects.select_related("created_by")
    return jobs if user.has_perm(IMPORT_RECORDS) else jobs.filter(created_by=user)


def job_visible_to(job: ImportJob, user: RequestUser) -> bool:
    """The uploader and the holders of the import permission see a job and its rejects."""
    return bool(job.created_by_id == user.pk or user.has_perm(IMPORT_RECORDS))


def rejects_visible_to(job: ImportJob, user: User) -> bool:
    """Who may download a job's rejects file: it holds the cells as typed, IINs included.

    The access layer decides (:class:`ImportJob`'s policy): the uploader, who typed them, and
    users whose scope is the whole country; a regional or district clerk, though allowed to see
    the job, does not get rows of other territories. The permission is the one the upload
    itself needed, so a crisis centre reads the rejects of its own register's upload.
    """
    if not job_visible_to(job, user):
        return False
    permission = (
        IMPORT_REGISTER_PERMISSIONS.get(job.register, IMPORT_RECORDS)
        if job.kind == ImportJob.Kind.REGISTER_RECORDS
        else IMPORT_RECORDS
    )
    jobs = ImportJob.objects.filter(pk=job.pk)
    return restrict(jobs, user, permission=permission).exists()
