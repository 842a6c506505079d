"""Import jobs started from the web or the API: storing the upload, running it in the background.

An upload is copied under ``VAR_DIR/imports`` and processed by a background thread (one per
job) once the request's transaction has committed. A thread closes its database connections
when it ends. Tests set ``QORGAU_IMPORTS_IN_BACKGROUND = False`` to run jobs inline.
"""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connections, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.roles import IMPORT_RECORDS, ScopeKind
from qorgau.registry.importing.engine import rejects_path_for, run_import
from qorgau.registry.importing.readers import EXTENSIONS
from qorgau.registry.models import ImportJob

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
TOO_LARGE = _("The file is larger than %(limit)s MB: split it into several files.")
WRONG_EXTENSION = _("Only .csv and .xlsx files can be imported.")


def upload_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def upload_problem(upload: UploadedFile) -> str | None:
    """Why an upload is refused before it is stored (size, extension), or ``None``."""
    if Path(upload.name or "").suffix.lower() not in EXTENSIONS:
        return str(WRONG_EXTENSION)
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        return str(TOO_LARGE % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)})
    return None


def job_create(*, actor: Any, kind: str, source: str, upload: UploadedFile) -> ImportJob:
    """Store the upload and queue a job for it; starts it once the transaction commits."""
    problem = upload_problem(upload)
    if problem:
        raise ValidationError({"file": problem})
    suffix = Path(upload.name or "").suffix.lower()
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"{uuid.uuid4().hex}{suffix}"
    with stored.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    job = ImportJob.objects.create(
        kind=kind,
        file_name=Path(upload.name or "").name[:255],
        stored_path=str(stored),
        source=source,
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
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    run_import(job, actor=job.created_by, rejects_path=rejects_path_for(job))


def job_visible_to(job: ImportJob, user: Any) -> bool:
    """The uploader and the holders of the import permission see a job and its rejects."""
    return bool(job.created_by_id == user.pk or user.has_perm(IMPORT_RECORDS))


def rejects_visible_to(job: ImportJob, user: Any) -> bool:
    """Who may download a job's rejects file: it holds the cells as typed, IINs included.

    The uploader (who typed them), and users whose scope is the whole country; a regional or
    district clerk, though allowed to see the job, does not get rows of other territories.
    """
    if not job_visible_to(job, user):
        return False
    return bool(job.created_by_id == user.pk or user.scope_kind == ScopeKind.COUNTRY)
