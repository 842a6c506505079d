"""Budget workbooks run as background jobs: the request only queues, the job stores in batches.

The request answers at once with the job's page (no row stored yet), the job then stores the
rows with its progress saved batch by batch, the upload is deleted when the job ends (done or
failed), a failure keeps no batch half-written and says why, the rejects are kept sealed and
their download is audited, and a job is seen only by the finance officers whose scope covers
it.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditEntry
from qorgau.budget import services, uploads
from qorgau.budget.models import Allocation, Execution, UploadJob
from qorgau.budget.workbook import (
    ALLOCATION_COLUMNS,
    sheet_batches,
    template_workbook,
    workbook_sheets,
)
from qorgau.conftest import ABAI, ALMATY_CITY, COUNTRY

pytestmark = pytest.mark.django_db

ALLOC = list(ALLOCATION_COLUMNS)
ROWS = [
    ALLOC,
    [ABAI, 2024, "crisis_centres", 1000, None, None],
    [ALMATY_CITY, 2024, "crisis_centres", 2000, None, None],
    [ABAI, 2023, "crisis_centres", 3000, None, None],
    [ABAI, 2024, "nonsense", 10, None, None],
]


def _post(client: Any, content: bytes, name: str = "budget.xlsx") -> Any:
    return client.post(reverse("budget:upload"), {"file": SimpleUploadedFile(name, content)})


def _queued(client: Any, content: bytes, capture: Any) -> tuple[Any, UploadJob, list[Any]]:
    """Post the workbook with the job held back: the response, the job, its start."""
    with capture() as callbacks:
        response = _post(client, content)
    return response, UploadJob.objects.get(), callbacks


def test_the_request_only_queues_and_the_job_then_stores_the_rows(
    national_finance, signed_in, xlsx, django_capture_on_commit_callbacks
):
    client = signed_in(national_finance)
    response, job, start = _queued(
        client, xlsx({"allocations": ROWS}), django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    assert response.url == reverse("budget:upload_job", args=[job.pk])
    assert (job.status, job.processed_rows, job.total_rows) == ("queued", 0, None)
    assert not Allocation.objects.exists()
    stored = Path(job.stored_path)
    assert stored.is_file() and not stored.read_bytes().startswith(b"PK")  # sealed, not a zip
    page = client.get(response.url).content.decode()
    assert "data-progress-url" in page and "registry/import-progress.js" in page

    for callback in start:
        callback()
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_rows, job.rejected_rows) == (
        "done",
        4,
        3,
        1,
    )
    assert Allocation.objects.count() == 3
    assert not stored.exists() and job.stored_path == ""
    progress = client.get(reverse("budget:upload_job_progress", args=[job.pk])).json()
    assert (progress["percent"], progress["accepted_rows"], progress["status"]) == (100, 3, "done")
    assert (progress["total_rows"], progress["processed_rows"]) == (4, 4)
    page = client.get(response.url).content.decode()
    assert "data-progress-url" not in page and "Unknown sub-programme" in page
    assert reverse("budget:upload_job_rejects", args=[job.pk]) in page


def test_progress_is_saved_after_every_batch(national_finance, xlsx, monkeypatch):
    seen: list[int] = []
    save = uploads._save_progress

    def saved(job: UploadJob, result: Any, rows: int) -> None:
        save(job, result, rows)
        seen.append(UploadJob.objects.get(pk=job.pk).processed_rows)

    monkeypatch.setattr(uploads, "BATCH_SIZE", 1)
    monkeypatch.setattr(uploads, "_save_progress", saved)
    job = _job(national_finance, xlsx({"allocations": ROWS}))
    uploads.job_run(job.pk)
    assert seen == [2, 3, 4]  # groups (Abai 2024: two rows), (Almaty 2024), (Abai 2023)


def _job(actor: Any, content: bytes) -> UploadJob:
    return uploads.job_create(
        actor=actor, upload=SimpleUploadedFile("b.xlsx", content), source="upload"
    )


def test_batches_hold_whole_groups_so_totals_and_repeats_are_checked_as_in_one_go(
    national_finance, xlsx
):
    content = xlsx(
        {
            "allocations": [
                ALLOC,
                [ABAI, 2024, "crisis_centres", 1000, None, None],
                [ALMATY_CITY, 2024, "crisis_centres", 5, None, None],
                [ABAI, "2024", "total", 999, None, None],  # wrong: the Abai group is rejected
                [ALMATY_CITY, 2024.0, "crisis_centres", 6, None, None],  # repeats row 3
            ]
        }
    )
    (sheet,) = workbook_sheets(content)
    batches = [[number for number, _values in rows] for rows in sheet_batches(sheet, 1)]
    assert batches == [[2, 4], [3, 5]]
    at_once = services.workbook_store(actor=national_finance, content=content)
    Allocation.objects.all().delete()
    job = _job(national_finance, content)
    uploads.job_run(job.pk)
    job.refresh_from_db()
    assert {(e["row"], e["column"]) for e in job.first_rejects} == {
        (e.row, e.column) for e in at_once.errors
    }
    assert job.created_rows == at_once.created == 1


def test_a_failing_batch_leaves_no_row_and_the_job_says_why(national_finance, xlsx, monkeypatch):
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "recount_note", broken)  # after the rows are written
    job = _job(national_finance, xlsx({"allocations": ROWS}))
    stored = Path(job.stored_path)
    uploads.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "stopped after 0 rows" in job.error
    assert "RuntimeError" in job.error and job.finished_at is not None
    assert not Allocation.objects.exists() and not stored.exists()


def test_an_unreadable_stored_upload_fails_clearly_and_is_removed(national_finance, xlsx):
    job = _job(national_finance, xlsx({"allocations": ROWS}))
    stored = Path(job.stored_path)
    stored.write_bytes(b"not a sealed token\n")
    uploads.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "could not be read" in job.error
    assert not Allocation.objects.exists() and not stored.exists()


def test_a_wrong_file_is_refused_on_the_form_and_queues_nothing(national_finance, signed_in):
    client = signed_in(national_finance)
    page = _post(client, b"%PDF-1.7", name="budget.xlsx").content.decode()
    assert "not a readable XLSX workbook" in page and not UploadJob.objects.exists()
    assert not (uploads.upload_dir()).exists()


def test_a_workbook_without_a_budget_sheet_fails_clearly(national_finance, xlsx):
    job = _job(national_finance, xlsx({"Sheet": [["code", "name"], ["x", "y"]]}))
    stored = Path(job.stored_path)
    uploads.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "no sheet “allocations” or “execution”" in job.error
    assert stored.name and not stored.exists()


def test_the_filled_template_is_stored_without_its_list_of_codes(national_finance):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template_workbook()))
    book["allocations"].append([ABAI, 2024, "crisis_centres", 1000])
    book["execution"].append([ABAI, 2024, 1, "crisis_centres", 100])
    buffer = io.BytesIO()
    book.save(buffer)
    job = _job(national_finance, buffer.getvalue())
    uploads.job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_rows, job.rejected_rows) == ("done", 2, 0), job.first_rejects
    assert Execution.objects.count() == 1


def test_rejects_are_sealed_on_disk_and_their_download_is_audited(
    national_finance, signed_in, xlsx, django_capture_on_commit_callbacks
):
    client = signed_in(national_finance)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, xlsx({"allocations": ROWS}))
    job = UploadJob.objects.get()
    assert b"nonsense" not in Path(job.rejects_path).read_bytes()
    download = client.get(reverse("budget:upload_job_rejects", args=[job.pk]))
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == "sheet,row,column,reason"
    assert "allocations,5,sub_programme,Unknown sub-programme 'nonsense'." in body
    assert AuditEntry.objects.filter(
        action="export", object_type="budget.uploadjob", object_id=str(job.pk)
    ).exists()


def test_a_job_is_seen_only_by_finance_officers_whose_scope_covers_it(
    national_finance, abai_finance, make_user, signed_in, xlsx, django_capture_on_commit_callbacks
):
    national_job = _job(national_finance, xlsx({"allocations": ROWS}))
    with django_capture_on_commit_callbacks(execute=True):
        regional_job = _job(abai_finance, xlsx({"allocations": ROWS}))

    def urls(job: UploadJob) -> list[str]:
        return [
            reverse("budget:upload_job", args=[job.pk]),
            reverse("budget:upload_job_progress", args=[job.pk]),
            f"/api/v1/budget/upload/{job.pk}/",
        ]

    regional = signed_in(abai_finance)
    assert [regional.get(url).status_code for url in urls(national_job)] == [404, 404, 404]
    assert [regional.get(url).status_code for url in urls(regional_job)] == [200, 200, 200]
    rejects = reverse("budget:upload_job_rejects", args=[national_job.pk])
    assert regional.get(rejects).status_code == 404
    colleague = signed_in(make_user(Role.FINANCE_OFFICER, COUNTRY))
    for job in (national_job, regional_job):
        assert [colleague.get(url).status_code for url in urls(job)] == [200, 200, 200]
    analyst = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    assert {analyst.get(url).status_code for url in urls(national_job)} == {403}
    listed = regional.get(reverse("budget:upload")).content.decode()
    assert reverse("budget:upload_job", args=[national_job.pk]) not in listed
    assert AuditEntry.objects.filter(object_type="budget.uploadjob", details__refused=True).exists()


def test_rejects_are_purged_after_the_retention_period(national_finance, xlsx, settings):
    settings.QORGAU_IMPORT_RETENTION_DAYS = 30
    job = _job(national_finance, xlsx({"allocations": ROWS}))
    uploads.job_run(job.pk)
    job.refresh_from_db()
    rejects = Path(job.rejects_path)
    assert rejects.is_file()
    assert uploads.uploads_purge(now=timezone.now() + dt.timedelta(days=29)) == 0
    assert uploads.uploads_purge(now=timezone.now() + dt.timedelta(days=31)) == 1
    job.refresh_from_db()
    assert not rejects.exists() and job.rejects_path == ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_background_thread_runs_the_job(national_finance, xlsx, settings):
    settings.QORGAU_IMPORTS_IN_BACKGROUND = True
    before = set(threading.enumerate())
    job = _job(national_finance, xlsx({"allocations": ROWS}))  # no transaction: starts at once
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=60)
    job.refresh_from_db()
    assert job.status == "done" and Allocation.objects.count() == 3
