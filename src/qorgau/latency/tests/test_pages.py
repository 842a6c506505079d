"""Pages and API: who may see the estimates and who may start a run."""

from __future__ import annotations

import pytest

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, ALMATY_CITY, COUNTRY, SEMEY
from qorgau.latency import services
from qorgau.latency.models import EstimationRun, RunSource, RunStatus
from qorgau.latency.tests.test_runs import RICH, history


@pytest.fixture
def estimates(db):
    return services.estimation_run(
        histories=[
            history(ABAI, 2022, RICH),
            history(ABAI, 2023, RICH),
            history(ALMATY_CITY, 2023, {"p": 50, "h": 20}),
        ],
        feed_monitoring=False,
    )


@pytest.fixture
def synchronous(monkeypatch):
    """Run started from a page or the API execute at once (no thread in tests)."""
    started = []

    def run_now(run, **options):
        started.append(run.pk)
        services.estimation_execute(
            run, histories=[history(ABAI, 2023, RICH)], feed_monitoring=False
        )

    monkeypatch.setattr(services, "run_in_background", run_now)
    return started


def test_analyst_sees_the_table_with_method_and_refusal(estimates, make_user, signed_in):
    client = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    page = client.get("/hidden-violence/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Multiple-systems estimation" in text
    assert "published as a lower bound" in text and "share nobody" in text
    assert "Start an estimation" in text
    # the rule is named for the reader: "stratified_mh" is the stored code
    assert "heterogeneous capture within each" in text and "stratified_mh" not in text
    region = client.get(f"/hidden-violence/region/{ABAI}/")
    assert region.status_code == 200 and "2022" in region.content.decode()
    chart = client.get(f"/hidden-violence/region/{ABAI}/chart.svg")
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    csv_file = client.get("/hidden-violence/download.csv?year=2023")
    assert csv_file.status_code == 200
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("region_code,region,year,method")
    assert len(lines) == 3
    assert client.get("/hidden-violence/download.xlsx").status_code == 200


def test_roles_without_aggregates_are_kept_out(estimates, make_user, signed_in):
    client = signed_in(make_user(Role.AUDITOR, COUNTRY))
    assert client.get("/hidden-violence/").status_code == 403
    assert client.get("/api/v1/latency/results/").status_code == 403


def test_only_estimation_runners_may_start_a_run(make_user, signed_in, synchronous):
    inspector = signed_in(make_user(Role.POLICE_INSPECTOR, SEMEY))
    assert inspector.get("/hidden-violence/").status_code == 200  # aggregates: may view
    assert inspector.get("/hidden-violence/run/").status_code == 403
    form = {"selection": "stepwise", "first_year": 2023, "last_year": 2023}
    assert inspector.post("/hidden-violence/run/", {**form, "bootstrap": 0}).status_code == 403
    analyst = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    response = analyst.post("/hidden-violence/run/", {**form, "bootstrap": 0})
    assert response.status_code == 302
    run = EstimationRun.objects.get(pk=synchronous[0])
    assert run.status == RunStatus.DONE and run.started_by is not None
    assert run.source == RunSource.LINKAGE
    assert analyst.get(response["Location"]).status_code == 200
    # The synthetic truth is no choice of the form (it is a synth evaluation, never published).
    assert "truth" not in analyst.get("/hidden-violence/run/").content.decode()


def test_api_lists_filters_and_starts_runs(estimates, make_user, signed_in, synchronous):
    analyst = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    listed = analyst.get(f"/api/v1/latency/results/?region_code={ABAI}&year=2023").json()
    assert len(listed) == 1 and listed[0]["police"] == 481 and listed[0]["model_terms"] is not None
    created = analyst.post(
        "/api/v1/latency/runs/",
        {"capture_source": "linkage", "first_year": 2023, "last_year": 2023},
        content_type="application/json",
    )
    assert created.status_code == 202
    assert created.json()["capture_source"] == "linkage"
    truth = analyst.post(
        "/api/v1/latency/runs/",
        {"capture_source": "truth", "first_year": 2023, "last_year": 2023},
        content_type="application/json",
    )
    assert truth.status_code == 400 and len(synchronous) == 1
    steward = signed_in(make_user(Role.DATA_STEWARD, COUNTRY))
    denied = steward.post(
        "/api/v1/latency/runs/",
        {"first_year": 2023, "last_year": 2023},
        content_type="application/json",
    )
    assert denied.status_code == 403
    assert steward.get("/api/v1/latency/runs/").status_code == 200
