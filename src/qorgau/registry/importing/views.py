"""Pages of the importer: recent imports, the upload form, a job with its progress and rejects."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.crypto import unseal_chunks
from qorgau.registry.importing.engine import SEALED_SUFFIX, SPECS
from qorgau.registry.importing.forms import ImportUploadForm
from qorgau.registry.importing.jobs import (
    job_create,
    job_visible_to,
    jobs_visible_to,
    rejects_visible_to,
)
from qorgau.registry.importing.permissions import kinds_for, may_use_importer
from qorgau.registry.models import ImportJob, Register

RECENT = 50

View = Callable[..., HttpResponse]


def importer_required(view: View) -> View:
    """403 unless the user may import something: police extracts or a register's records."""

    @wraps(view)
    def guarded(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_use_importer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def register_label(job: ImportJob) -> str:
    """The register of a job of records, in the page's language; empty for other jobs."""
    return str(Register(job.register).label) if job.register in Register.values else ""


def _job_for(request: AuthenticatedHttpRequest, pk: int) -> ImportJob:
    """The job if the user may see it; 404 otherwise (as for every record out of reach)."""
    job = ImportJob.objects.select_related("created_by").filter(pk=pk).first()
    if job is None or not job_visible_to(job, request.user):
        raise Http404
    return job


def job_progress(job: ImportJob) -> dict[str, object]:
    """What the page polls and the API returns about a job."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "file_name": job.file_name,
        "source": job.source,
        "register": job.register,
        "status": job.status,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "accepted_rows": job.accepted_rows,
        "rejected_rows": job.rejected_rows,
        "percent": job.percent,
        "error": job.error,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@login_required
@importer_required
def job_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    jobs = jobs_visible_to(request.user)[:RECENT]
    rows = [(job, register_label(job)) for job in jobs]
    return render(request, "registry/import/list.html", {"rows": rows})


@login_required
@importer_required
def job_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            job = job_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                source=form.cleaned_data["source"],
                upload=form.cleaned_data["file"],
                register=form.cleaned_data["register"],
            )
        return redirect("registry_import:detail", pk=job.pk)
    allowed = kinds_for(request.user)
    kinds = [
        (label, SPECS[kind].column_names(), SPECS[kind].required_columns())
        for kind, label in ImportJob.Kind.choices
        if kind in allowed
    ]
    return render(request, "registry/import/upload.html", {"form": form, "kinds": kinds})


@login_required
def job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    return render(
        request,
        "registry/import/detail.html",
        {
            "job": job,
            "register_label": register_label(job),
            "has_rejects": bool(
                job.rejected_rows and job.rejects_path and rejects_visible_to(job, request.user)
            ),
        },
    )


@login_required
def job_progress_json(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(job_progress(_job_for(request, pk)))


@login_required
def job_rejects(request: AuthenticatedHttpRequest, pk: int) -> StreamingHttpResponse:
    """The rejected rows (they hold the values as typed, IINs included): the download is audited.

    Only for the uploader and users whose scope is the whole country (404 for anyone else).
    The file is kept sealed and decrypted as it is sent.
    """
    job = _job_for(request, pk)
    if not rejects_visible_to(job, request.user):
        raise Http404
    path = Path(job.rejects_path) if job.rejects_path else None
    if path is None or not path.is_file():
        raise Http404
    audit_record(
        action=AuditAction.EXPORT,
        request=request,
        object_type="registry.importjob",
        object_id=str(job.pk),
        details={"rejects": job.rejected_rows},
    )
    response = StreamingHttpResponse(_rejects_content(path), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"import-{job.pk}-rejects.csv"
    )
    return response


def _rejects_content(path: Path) -> Iterator[bytes]:
    """The plaintext of a rejects file; a plain one (written before sealing) as it is."""
    with path.open("rb") as handle:
        if path.name.endswith(SEALED_SUFFIX):
            yield from unseal_chunks(handle)
        else:
            yield from handle
