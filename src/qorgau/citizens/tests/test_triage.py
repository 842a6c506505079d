"""The triage queue: scoping by territory, triage actions, time to triage, audit, measures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditEntry
from qorgau.citizens.measures import citizen_reports, citizen_reports_triaged_24h
from qorgau.citizens.models import CitizenReport, HelpService
from qorgau.citizens.services import report_triage
from qorgau.conftest import ABAI, COUNTRY, KURCHATOV, MEDEU, SEMEY
from qorgau.monitoring.measures import MEASURES
from qorgau.registry.models import Incident
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db


def incident_in(code: str) -> Incident:
    now = timezone.now()
    return Incident.objects.create(
        occurred_at=now - dt.timedelta(hours=5),
        reported_at=now - dt.timedelta(hours=4),
        district=Territory.objects.by_code(code),
        settlement_type="urban",
        source_channel="call_102",
    )


def test_the_queue_is_scoped_by_territory(submit, make_user, signed_in) -> None:
    semey = submit(SEMEY).report
    kurchatov = submit(KURCHATOV).report
    medeu = submit(MEDEU).report

    def labels(user) -> set[str]:
        page = signed_in(user).get("/portal/triage/").content.decode()
        return {r.label for r in (semey, kurchatov, medeu) if r.label in page}

    assert labels(make_user(Role.POLICE_INSPECTOR, SEMEY)) == {semey.label}
    assert labels(make_user(Role.POLICE_SUPERVISOR, ABAI)) == {semey.label, kurchatov.label}
    assert labels(make_user(Role.AKIMAT_COORDINATOR, ABAI)) == {semey.label, kurchatov.label}
    # Outside the scope a report does not exist; roles without the permission get 403.
    inspector = signed_in(make_user(Role.POLICE_INSPECTOR, SEMEY))
    assert inspector.get(f"/portal/triage/{medeu.pk}/").status_code == 404
    analyst = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    assert analyst.get("/portal/triage/").status_code == 403
    assert signed_in(make_user(Role.DATA_CLERK, COUNTRY)).get("/portal/triage/").status_code == 403
    # The API is scoped the same way.
    api = inspector.get("/api/v1/citizens/triage/").json()
    assert [row["code"] for row in api["results"]] == [semey.label]


def test_the_queue_shows_the_waiting_time(submit, make_user, signed_in) -> None:
    report = submit(SEMEY).report
    CitizenReport.objects.filter(pk=report.pk).update(
        submitted_at=timezone.now() - dt.timedelta(hours=5, minutes=3)
    )
    page = signed_in(make_user(Role.POLICE_INSPECTOR, SEMEY)).get("/portal/triage/")
    assert "5\xa0hours" in page.content.decode()


def test_triage_records_the_time_to_triage_and_is_audited(submit, make_user, signed_in) -> None:
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY)
    report = submit(SEMEY).report
    submitted = timezone.now() - dt.timedelta(hours=30)
    CitizenReport.objects.filter(pk=report.pk).update(submitted_at=submitted)
    incident = incident_in(SEMEY)
    client = signed_in(inspector)
    client.get(f"/portal/triage/{report.pk}/")  # reading decrypts: audited
    response = client.post(
        f"/portal/triage/{report.pk}/", {"action": "link", "incident": incident.label}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "linked" and report.linked_incident == incident
    assert report.triaged_by == inspector
    assert report.time_to_triage is not None
    assert dt.timedelta(hours=30) <= report.time_to_triage < dt.timedelta(hours=31)
    assert not report.triaged_within_target
    actions = set(
        AuditEntry.objects.filter(object_id=str(report.pk))
        .exclude(action="sign_in")
        .values_list("action", flat=True)
    )
    assert actions == {"decrypt", "change"}
    with pytest.raises(ValidationError):  # triaged once
        report_triage(report=report, user=inspector, action="close", close_reason="duplicate")


def test_triage_refuses_links_outside_scope_and_needs_reasons(submit, make_user) -> None:
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY)
    report = submit(SEMEY).report
    with pytest.raises(ValidationError, match="No incident"):
        report_triage(
            report=report, user=inspector, action="link", incident=incident_in(MEDEU).label
        )
    with pytest.raises(ValidationError, match="reason"):
        report_triage(report=report, user=inspector, action="close")
    with pytest.raises(ValidationError, match="service"):
        report_triage(report=report, user=inspector, action="refer")
    other = make_user(Role.POLICE_INSPECTOR, MEDEU)
    with pytest.raises(PermissionDenied):
        report_triage(report=report, user=other, action="close", close_reason="false")
    service = HelpService.objects.create(name="Crisis centre Semey", kind="crisis_centre")
    done = report_triage(report=report, user=inspector, action="refer", service=service)
    assert done.status == "referred" and done.referred_to == service


def test_the_measures_count_reports_and_those_triaged_within_24_hours(submit, make_user) -> None:
    coordinator = make_user(Role.AKIMAT_COORDINATOR, ABAI)
    now = timezone.now()
    fast, slow, waiting = (submit(SEMEY).report for _ in range(3))
    for report, hours in ((fast, 3), (slow, 40)):
        CitizenReport.objects.filter(pk=report.pk).update(
            submitted_at=now - dt.timedelta(hours=hours + 1)
        )
        report.refresh_from_db()
        report_triage(
            report=report,
            user=coordinator,
            action="close",
            close_reason="not_enough",
            at=report.submitted_at + dt.timedelta(hours=hours),
        )
    assert MEASURES["citizen_reports"] is citizen_reports
    assert MEASURES["citizen_reports_triaged_24h"] is citizen_reports_triaged_24h
    semey = Territory.objects.by_code(SEMEY).pk
    assert [r.district_id for r in citizen_reports(None)] == [semey] * 3
    assert len(list(citizen_reports_triaged_24h(None))) == 1
    assert waiting.status == "new"


def test_the_triage_api(submit, make_user, signed_in) -> None:
    report = submit(SEMEY).report
    client = signed_in(make_user(Role.POLICE_INSPECTOR, SEMEY))
    answer = client.post(
        f"/api/v1/citizens/triage/{report.pk}/",
        {"action": "close", "close_reason": "duplicate"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["status"] == "closed"
    assert answer.json()["waiting_seconds"] >= 0
    outsider = signed_in(make_user(Role.POLICE_INSPECTOR, MEDEU))
    assert (
        outsider.post(
            f"/api/v1/citizens/triage/{report.pk}/",
            {"action": "close"},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_a_report_triaged_later_is_recounted_on_the_day_it_was_submitted(submit, make_user) -> None:
    """The triage-in-24-hours figure counts on the day submitted, so a triage notes that day
    for the nightly recomputation (``monitoring.recount``)."""
    from qorgau.monitoring.models import RecountDay

    report = submit(SEMEY).report
    submitted = timezone.now() - dt.timedelta(days=3)
    CitizenReport.objects.filter(pk=report.pk).update(submitted_at=submitted)
    report.refresh_from_db()
    RecountDay.objects.all().delete()

    report_triage(
        report=report,
        user=make_user(Role.POLICE_INSPECTOR, SEMEY),
        action="close",
        close_reason="duplicate",
    )

    assert list(RecountDay.objects.values_list("day", flat=True)) == [
        timezone.localtime(submitted).date()
    ]
