"""Faults: a dropped database connection, a killed server, a full disk.

Each fault is checked for the same four promises (docs/reliability.md): no acknowledged data is
lost, nothing is duplicated, the user gets a clear error, and a re-run completes.
"""

from __future__ import annotations

import errno
import http.client
import io
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from qorgau.audit.services import audit_chain_verify
from qorgau.citizens.services import receipt_digest
from qorgau.conftest import ABAI, COUNTRY
from qorgau.lib.crypto import decrypt_text
from qorgau.registry.importing.spec import KindSpec
from qorgau.registry.models import ImportJob, Incident, Person
from qorgau.registry.tests.test_import_helpers import incident_row, write_csv
from qorgau.reports import services as report_services
from qorgau.reports.models import Report, ReportStatus
from qorgau.reports.tests.conftest import report_values  # noqa: F401  (a fixture)

SRC = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- import


def _drop_connection() -> None:
    """The database goes away under the running import.

    On PostgreSQL the server really ends the session (``pg_terminate_backend`` from a second
    connection), so the next statement fails as it would after a network cut or a restart.
    The SQLite test database lives in memory and cannot be cut without losing it: there the
    error a dropped connection gives is raised instead.
    """
    if connection.vendor == "postgresql":
        import psycopg

        pid = connection.connection.info.backend_pid
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # fails: the session is gone
        raise AssertionError("the terminated session still answers")
    raise OperationalError("server closed the connection unexpectedly")


def _import(path: Path, stderr: io.StringIO) -> int:
    try:
        call_command(
            "import", "incidents", str(path), "--source", "kui", "--batch-size", "3",
            stdout=io.StringIO(), stderr=stderr,
        )  # fmt: skip
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_connection_dropped_mid_import_keeps_whole_batches_and_the_rerun_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [incident_row(n) for n in range(1, 11)]  # batches of 3: 3, 3, 3, 1
    source = write_csv(tmp_path / "incidents.csv", rows)
    original = KindSpec.process
    calls = {"n": 0}

    def dropping(self: KindSpec, batch: Any, ctx: Any) -> Any:
        calls["n"] += 1
        result = original(self, batch, ctx)  # batch 3 is written, then the link drops
        if calls["n"] == 3:
            _drop_connection()
        return result

    monkeypatch.setattr(KindSpec, "process", dropping)
    stderr = io.StringIO()
    assert _import(source, stderr) == 1
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert job.error.startswith("OperationalError: ")
    assert "The import stopped: " in stderr.getvalue()
    # Batches 1 and 2 were committed and acknowledged in the job's counters; batch 3 is gone.
    assert (job.processed_rows, job.accepted_rows) == (6, 6)
    assert sorted(map(str, Incident.objects.values_list("source_record_id", flat=True))) == [
        r["record_id"] for r in rows[:6]
    ]

    monkeypatch.setattr(KindSpec, "process", original)
    assert _import(source, io.StringIO()) == 0
    rerun = ImportJob.objects.latest("pk")
    assert rerun.status == ImportJob.Status.DONE
    assert (rerun.processed_rows, rerun.accepted_rows) == (10, 4)
    ids = list(map(str, Incident.objects.values_list("source_record_id", flat=True)))
    assert sorted(ids) == sorted(r["record_id"] for r in rows)  # all, each once
    assert Person.objects.count() == 20
    assert audit_chain_verify().intact


# --------------------------------------------------------------------------- citizen report

SETTINGS_OVERRIDE = """\
from qorgau.settings import *  # noqa: F403

# The burst comes from one address: lift the per-client limits for this test only.
QORGAU_CITIZENS_RATE_LIMITS = {"report": (100000, 3600), "lookup": (100000, 3600)}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Portal:
    """A real WSGI server (gunicorn, two workers) on a file SQLite database."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "faults_portal_settings.py").write_text(SETTINGS_OVERRIDE)
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(root), str(SRC)]),
            "DJANGO_SETTINGS_MODULE": "faults_portal_settings",
            "QORGAU_DATABASE_URL": f"sqlite:///{root / 'portal.sqlite3'}",
            "QORGAU_VAR_DIR": str(root),
            "QORGAU_LOG_LEVEL": "ERROR",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.base = ""

    def migrate(self) -> None:
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=self.env, check=True)

    def start(self) -> None:
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "qorgau.wsgi:application",
             "-b", f"127.0.0.1:{port}", "-w", "2", "--threads", "4", "--log-level", "error"],
            env=self.env, start_new_session=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/portal/weather/", timeout=2).close()
                return
            except OSError:
                time.sleep(0.2)
        self.kill()
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        """``kill -9`` the server and its workers (its own process group)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def form(self) -> tuple[str, str, str]:
        """The CSRF cookie, the form's token and a district the form offers."""
        with urllib.request.urlopen(self.base + "/portal/report/", timeout=10) as response:
            html = response.read().decode()
            cookie = response.headers.get("Set-Cookie", "")
        csrf_cookie = re.search(r"csrftoken=([^;]+)", cookie)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        select = html[html.index('name="district"') :]
        district = re.search(r'<option value="(\d+)"', select)
        assert csrf_cookie and token and district
        return csrf_cookie[1], token[1], district[1]

    def submit(self, account: str, form: tuple[str, str, str]) -> str | None:
        """POST one report; its receipt code, or ``None`` when no receipt came back."""
        cookie, token, district = form
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "account": account, "district": district,
             "at_risk": "woman", "reporter": "other"}
        ).encode()  # fmt: skip
        request = urllib.request.Request(
            self.base + "/portal/report/", data=body, headers={"Cookie": f"csrftoken={cookie}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                html = response.read().decode()
        except (OSError, http.client.HTTPException):  # killed before or while answering
            return None
        match = re.search(r'id="receipt">([^<]+)<', html)
        assert match, html[:2000]
        return match[1]


def _stored_reports(database: Path) -> list[tuple[str, str, Any]]:
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return db.execute(
            "SELECT receipt_digest, account_token, district_id FROM citizens_citizenreport"
        ).fetchall()


def test_server_killed_mid_burst_loses_no_acknowledged_report(tmp_path: Path) -> None:
    portal = Portal(tmp_path)
    portal.migrate()
    portal.start()
    try:
        form = portal.form()
        accounts = [f"fault test report {n}" for n in range(48)]
        receipts: dict[str, str] = {}
        enough = threading.Event()
        lock = threading.Lock()

        def send(account: str) -> None:
            if enough.is_set():
                return
            code = portal.submit(account, form)
            if code:
                with lock:
                    receipts[account] = code
                    if len(receipts) >= 12:
                        enough.set()

        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(send, account) for account in accounts]
            assert enough.wait(timeout=120), "no receipts came back"
            portal.kill()  # in the middle of the burst: requests are in flight
            for future in futures:
                future.result()
    finally:
        portal.kill()

    # Every report whose receipt was shown is stored exactly once and whole; nothing else
    # appears twice; the file database is intact after the kill.
    rows = _stored_reports(tmp_path / "portal.sqlite3")
    by_digest = {digest: (token, district) for digest, token, district in rows}
    assert len(by_digest) == len(rows)
    texts = [decrypt_text(token) for _digest, token, _district in rows]
    assert len(texts) == len(set(texts)) and set(texts) <= set(accounts)
    assert all(district for _digest, _token, district in rows)
    for account, code in receipts.items():
        token, _district = by_digest[receipt_digest(code)]
        assert decrypt_text(token) == account

    # The restarted server takes reports again, and finds the acknowledged ones by receipt.
    portal.start()
    try:
        form = portal.form()
        assert portal.submit("after the restart", form)
        code = next(iter(receipts.values()))
        cookie, token, _district = form
        request = urllib.request.Request(
            portal.base + "/portal/status/",
            data=urllib.parse.urlencode({"csrfmiddlewaretoken": token, "receipt": code}).encode(),
            headers={"Cookie": f"csrftoken={cookie}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert "No report has this code" not in response.read().decode()
    finally:
        portal.kill()
    assert len(_stored_reports(tmp_path / "portal.sqlite3")) == len(rows) + 1


# --------------------------------------------------------------------------- full disk


class _FullDisk:
    """A file object that takes the first 100 bytes, then fails as a full disk does."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def write(self, data: bytes) -> int:
        self._handle.write(data[:100])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def _fill_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.fdopen
    monkeypatch.setattr(
        report_services.os, "fdopen", lambda fd, *a, **k: _FullDisk(real(fd, *a, **k))
    )


ARGS = ("region", ABAI, "--period", "2024", "--lang", "en", "--format", "html")


@pytest.mark.usefixtures("report_values")
def test_full_disk_leaves_no_report_file_and_the_command_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "passport.html"
    out.write_bytes(b"last month's report")  # a finished report must survive a failed rewrite
    _fill_disk(monkeypatch)
    with pytest.raises(CommandError, match="Cannot write .*No space left on device"):
        call_command("report", *ARGS, "--out", str(out), stderr=io.StringIO())
    assert out.read_bytes() == b"last month's report"
    assert [p.name for p in tmp_path.iterdir()] == ["passport.html"]  # no .partial- file

    monkeypatch.undo()
    call_command("report", *ARGS, "--out", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.usefixtures("report_values")
def test_full_disk_fails_a_web_report_clearly_and_a_new_request_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any, make_user: Any
) -> None:
    settings.QORGAU_REPORTS_DIR = tmp_path / "reports"
    settings.QORGAU_REPORTS_IN_BACKGROUND = False
    actor = make_user("national_analyst", COUNTRY)
    _fill_disk(monkeypatch)
    kwargs = {"kind": "region", "code": ABAI, "period": "2024", "language": "en", "fmt": "html"}
    failed = report_services.report_request(actor=actor, **kwargs)
    failed.refresh_from_db()
    assert failed.status == ReportStatus.FAILED
    assert "No space left on device" in failed.error
    assert report_services.report_file(failed) is None
    assert list((tmp_path / "reports").iterdir()) == []

    monkeypatch.undo()
    again = report_services.report_request(actor=actor, **kwargs)
    again.refresh_from_db()
    assert again.status == ReportStatus.FINISHED
    path = report_services.report_file(again)
    assert path is not None and path.stat().st_size == again.size
    assert Report.objects.filter(status=ReportStatus.FINISHED).count() == 1
