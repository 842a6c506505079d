"""The import pages and API: upload, job page, progress JSON, rejects download, permissions."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditEntry
from qorgau.conftest import ABAI, MEDEU, SEMEY
from qorgau.registry.importing import jobs
from qorgau.registry.models import ImportJob, Incident
from qorgau.registry.tests.test_import_helpers import incident_row, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_jobs(settings, tmp_path: Path) -> None:
    """Jobs run inline (the thread is exercised separately) and store under a temp VAR_DIR."""
    settings.QORGAU_IMPORTS_IN_BACKGROUND = False
    settings.VAR_DIR = tmp_path / "var"


def upload(rows, name: str = "incidents.csv", tmp_path: Path | None = None) -> SimpleUploadedFile:
    path = write_csv(Path(tmp_path or "/tmp") / name, rows)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv")


def test_upload_job_page_progress_and_rejects(
    make_user, signed_in, tmp_path, django_capture_on_commit_callbacks
):
    clerk = make_user(Role.DATA_CLERK, ABAI)
    client = signed_in(clerk)
    rows = [incident_row(1), incident_row(2, district=MEDEU), incident_row(3, injury="bad")]

    assert client.get(reverse("registry_import:upload")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("registry_import:upload"),
            {"kind": "incidents", "source": "kui", "file": upload(rows, tmp_path=tmp_path)},
        )

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "registry_import:detail", args=[job.pk]
    )
    assert (job.status, job.accepted_rows, job.rejected_rows, job.created_by) == (
        "done",
        1,
        2,
        clerk,
    )
    assert Path(job.stored_path).parent == tmp_path / "var" / "imports"
    page = client.get(response.url).content.decode()
    assert "<progress" in page and reverse("registry_import:rejects", args=[job.pk]) in page
    progress = client.get(reverse("registry_import:progress", args=[job.pk])).json()
    assert progress["processed_rows"] == 3 and progress["status"] == "done"
    assert progress["percent"] == 100

    download = client.get(reverse("registry_import:rejects", args=[job.pk]))
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert download.status_code == 200
    assert body.splitlines()[0] == "row,field,value,reason"
    assert "outside your territory" in body and "injury" in body
    assert AuditEntry.objects.filter(action="export", object_id=str(job.pk)).exists()
    listing = client.get(reverse("registry_import:list")).content.decode()
    assert "incidents.csv" in listing


def test_running_job_page_polls_with_a_script_and_no_inline_code(make_user, signed_in):
    clerk = make_user(Role.DATA_CLERK, ABAI)
    job = ImportJob.objects.create(
        kind="incidents",
        file_name="x.csv",
        source="s",
        created_by=clerk,
        status="running",
        total_rows=10,
        processed_rows=4,
    )
    page = signed_in(clerk).get(reverse("registry_import:detail", args=[job.pk])).content.decode()
    assert 'src="/static/registry/import-progress.js"' in page
    assert 'max="10" value="4"' in page
    assert "<script>" not in page and "style=" not in page


def test_refuses_unknown_extensions_and_large_files(make_user, signed_in, monkeypatch):
    client = signed_in(make_user(Role.DATA_CLERK, ABAI))
    response = client.post(
        reverse("registry_import:upload"),
        {"kind": "incidents", "source": "kui", "file": SimpleUploadedFile("a.pdf", b"%PDF")},
    )
    assert response.status_code == 200 and "Only .csv and .xlsx" in response.content.decode()
    monkeypatch.setattr(jobs, "MAX_UPLOAD_BYTES", 3)
    response = client.post(
        reverse("registry_import:upload"),
        {"kind": "incidents", "source": "kui", "file": SimpleUploadedFile("a.csv", b"abcdef")},
    )
    assert "larger than" in response.content.decode()
    assert not ImportJob.objects.exists()


# A crisis centre imports its own register's records (test_import_register_records.py); an
# agency officer, here in a crisis centre, may import only the register of a health or
# social-protection organisation, so nothing.
@pytest.mark.parametrize(
    "role",
    [
        r
        for r in Role
        if r not in (Role.DATA_CLERK, Role.CRISIS_CENTRE, Role.CRISIS_CENTRE_SUPERVISOR)
    ],
)
def test_roles_without_the_import_permission_get_403(role, make_user, signed_in, make_organisation):
    from qorgau.accounts.roles import ROLE_SCOPES, ScopeKind

    scopes = ROLE_SCOPES[role]
    if ScopeKind.ORGANISATION in scopes:
        user = make_user(role, organisation=make_organisation("Centre", SEMEY))
    elif ScopeKind.COUNTRY in scopes:
        user = make_user(role, "000000000")
    elif ScopeKind.REGION in scopes:
        user = make_user(role, ABAI)
    else:
        user = make_user(role, SEMEY)
    client = signed_in(user)
    assert client.get(reverse("registry_import:list")).status_code == 403
    assert client.get(reverse("registry_import:upload")).status_code == 403
    response = client.post(
        "/api/v1/imports/",
        {"kind": "incidents", "source": "kui", "file": SimpleUploadedFile("a.csv", b"x")},
    )
    assert response.status_code == 403


def test_jobs_of_others_are_hidden_from_users_without_the_permission(make_user, signed_in):
    clerk = make_user(Role.DATA_CLERK, ABAI)
    job = ImportJob.objects.create(
        kind="incidents", file_name="x.csv", source="s", created_by=clerk
    )
    other = signed_in(make_user(Role.POLICE_INSPECTOR, SEMEY))
    assert other.get(reverse("registry_import:detail", args=[job.pk])).status_code == 404
    assert other.get(reverse("registry_import:rejects", args=[job.pk])).status_code == 404
    assert other.get(f"/api/v1/imports/{job.pk}/").status_code == 404
    colleague = signed_in(make_user(Role.DATA_CLERK, "000000000"))
    assert colleague.get(reverse("registry_import:detail", args=[job.pk])).status_code == 200


def test_api_upload_and_status(make_user, signed_in, tmp_path, django_capture_on_commit_callbacks):
    client = signed_in(make_user(Role.DATA_CLERK, "000000000"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/imports/",
            {
                "kind": "incidents",
                "source": "kui",
                "file": upload([incident_row(1)], tmp_path=tmp_path),
            },
        )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    status = client.get(f"/api/v1/imports/{job_id}/").json()
    assert status["status"] == "done" and status["accepted_rows"] == 1 and status["source"] == "kui"
    bad = client.post(
        "/api/v1/imports/",
        {"kind": "nonsense", "source": "kui", "file": SimpleUploadedFile("a.txt", b"x")},
    )
    assert bad.status_code == 400
    assert set(bad.json()["extra"]["fields"]) == {"kind", "file"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_background_thread_runs_the_job(make_user, tmp_path, settings):
    settings.QORGAU_IMPORTS_IN_BACKGROUND = True
    clerk = make_user(Role.DATA_CLERK, "000000000")
    path = write_csv(tmp_path / "incidents.csv", [incident_row(1), incident_row(2)])
    job = ImportJob.objects.create(
        kind="incidents",
        file_name="incidents.csv",
        stored_path=str(path),
        source="kui",
        created_by=clerk,
    )
    import threading

    before = set(threading.enumerate())
    jobs.job_start(job.pk)
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=60)
    job.refresh_from_db()
    assert job.status == "done" and Incident.objects.count() == 2


def test_rejects_download_only_for_the_uploader_and_country_wide_users(
    make_user, signed_in, tmp_path, django_capture_on_commit_callbacks
):
    """The rejects file holds IINs as typed: a regional clerk who may see the job may not."""
    uploader = make_user(Role.DATA_CLERK, ABAI)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(uploader).post(
            reverse("registry_import:upload"),
            {
                "kind": "incidents",
                "source": "kui",
                "file": upload([incident_row(1, injury="bad")], tmp_path=tmp_path),
            },
        )
    job = ImportJob.objects.get()
    assert job.rejected_rows == 1
    rejects = reverse("registry_import:rejects", args=[job.pk])
    detail = reverse("registry_import:detail", args=[job.pk])

    regional = signed_in(make_user(Role.DATA_CLERK, ABAI))
    assert regional.get(detail).status_code == 200
    assert rejects not in regional.get(detail).content.decode()
    assert regional.get(rejects).status_code == 404

    for user in (uploader, make_user(Role.DATA_CLERK, "000000000")):
        client = signed_in(user)
        assert rejects in client.get(detail).content.decode()
        assert client.get(rejects).status_code == 200
    exports = AuditEntry.objects.filter(action="export", object_id=str(job.pk))
    assert exports.count() == 2
