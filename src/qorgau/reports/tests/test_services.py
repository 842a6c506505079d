"""Reports asked for from the web and the API, kept as artefacts, failures recorded."""

from __future__ import annotations

import errno
import hashlib

import pytest

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, COUNTRY
from qorgau.monitoring.models import ComputationRun
from qorgau.reports import services
from qorgau.reports.models import Report, ReportStatus
from qorgau.reports.sections import SECTIONS, providers_for, section

pytestmark = pytest.mark.django_db


@pytest.fixture
def inline(settings, tmp_path):
    settings.QORGAU_REPORTS_DIR = tmp_path
    settings.QORGAU_REPORTS_IN_BACKGROUND = False
    return tmp_path


def test_a_report_asked_on_the_page_is_stored_and_downloadable(
    report_values, inline, make_user, signed_in
):
    analyst = make_user(Role.NATIONAL_ANALYST, COUNTRY)
    client = signed_in(analyst)
    response = client.post(
        "/reports/",
        {"kind": "region", "region": ABAI, "period": "2024", "language": "kk", "format": "html"},
    )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.pk}/"
    assert report.status == ReportStatus.FINISHED, report.error
    assert report.requested_by == analyst
    assert report.computation_run == ComputationRun.objects.get()
    assert [s["key"] for s in report.sections][:2] == ["key_indicators", "trends"]
    stored = (inline / report.file_name).read_bytes()
    assert report.sha256 == hashlib.sha256(stored).hexdigest()
    assert report.size == len(stored)

    download = client.get(f"/reports/{report.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == stored
    assert "attachment" in download["Content-Disposition"]
    assert f"qorgau-{ABAI}-2024-kk.html" in download["Content-Disposition"]
    listing = client.get("/reports/").content.decode()
    assert analyst.username in listing
    assert client.get(f"/reports/{report.pk}/").status_code == 200


def test_the_api_asks_for_a_report_and_serves_its_file(report_values, inline, make_user, signed_in):
    client = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    response = client.post(
        "/api/v1/reports/",
        {"kind": "national", "period": "2024Q4", "language": "en", "format": "html"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "finished"
    assert body["territory"] == COUNTRY
    file = client.get(f"/api/v1/reports/{body['id']}/file/")
    assert file.status_code == 200
    assert b"<!DOCTYPE html>" in b"".join(file.streaming_content)
    bad = client.post(
        "/api/v1/reports/",
        {"kind": "national", "period": "2024Q9", "language": "en"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "is not a period" in bad.content.decode()


def test_a_report_without_values_fails_with_the_reason(report_values, inline, make_user):
    report = services.report_request(
        actor=make_user(Role.NATIONAL_ANALYST, COUNTRY),
        kind="national",
        code=None,
        period="2018",
        language="en",
        fmt="pdf",
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "qorgau indicators compute" in report.error
    assert services.report_file(report) is None


def test_a_full_disk_leaves_no_partial_file(report_values, inline, make_user, monkeypatch):
    import os

    real_fsync = os.fsync

    def full(fd):
        real_fsync(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    report = services.report_request(
        actor=make_user(Role.NATIONAL_ANALYST, COUNTRY),
        kind="national",
        code=None,
        period="2024",
        language="en",
        fmt="html",
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "No space left" in report.error
    assert list(inline.iterdir()) == []
    monkeypatch.setattr(os, "fsync", real_fsync)
    services.report_generate(report)  # a re-run completes
    report.refresh_from_db()
    assert report.status == ReportStatus.FINISHED
    assert len(list(inline.iterdir())) == 1


def test_a_registered_section_appears_and_an_empty_one_says_so(report_values, monkeypatch):
    from qorgau.reports.render import report_build, report_request_parse

    monkeypatch.setattr("qorgau.reports.sections.SECTIONS", dict(SECTIONS))

    @section("budget", order=40, title="Budget execution", when_empty="No budget data yet.")
    def budget(request):
        return None

    @section("rating", order=35, title="Rating of akimats", kinds=frozenset({"national"}))
    def rating(request):
        return "<p>League table here</p>"

    assert "rating" not in [p.key for p in providers_for("region")]
    built = report_build(
        report_request_parse(kind="national", code=None, period="2024", language="en")
    )
    keys = [s.key for s in built.sections]
    assert keys.index("regions") < keys.index("rating") < keys.index("budget")
    assert "League table here" in built.html
    assert "No budget data yet." in built.html
