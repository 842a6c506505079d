"""Pages of the importer: recent imports, the upload form, a job with its progress and rejects."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import IMPORT_RECORDS
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.registry.importing.engine import SPECS
from qorgau.registry.importing.forms import ImportUploadForm
from qorgau.registry.importing.jobs import job_create, job_visible_to, rejects_visible_to
from qorgau.registry.models import ImportJob

RECENT = 50


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
@permission_required(IMPORT_RECORDS, raise_exception=True)
def job_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    jobs = ImportJob.objects.select_related("created_by")[:RECENT]
    return render(request, "registry/import/list.html", {"jobs": jobs})


@login_required
@permission_required(IMPORT_RECORDS, raise_exception=True)
def job_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            job = job_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                source=form.cleaned_data["source"],
                upload=form.cleaned_data["file"],
            )
        return redirect("registry_import:detail", pk=job.pk)
    columns = {kind: spec.column_names() for kind, spec in SPECS.items()}
    required = {kind: spec.required_columns() for kind, spec in SPECS.items()}
    kinds = [
        (label, columns[str(kind)], required[str(kind)]) for kind, label in ImportJob.Kind.choices
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
            "has_rejects": bool(
                job.rejected_rows and job.rejects_path and rejects_visible_to(job, request.user)
            ),
        },
    )


@login_required
def job_progress_json(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(job_progress(_job_for(request, pk)))


@login_required
def job_rejects(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The rejected rows (they hold the values as typed, IINs included): the download is audited.

    Only for the uploader and users whose scope is the whole country (404 for anyone else).
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
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-rejects.csv",
        content_type="text/csv; charset=utf-8",
    )
