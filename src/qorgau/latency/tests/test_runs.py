"""Estimation runs end to end: stored results, refusals, the commands and their CSV, only
runs over linked registers published, and the estimates flowing into monitoring without
monitoring importing latency. (Estimates from the synthetic truth: synth/tests/test_evaluation.)"""

from __future__ import annotations

import csv
import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, ALMATY_CITY, SEMEY
from qorgau.latency import services
from qorgau.latency.models import EstimationResult, EstimationRun, Method, RunSource, RunStatus
from qorgau.latency.selectors import estimate_cells, last_run, latest_results
from qorgau.latency.survey import SurveyRate
from qorgau.linkage.selectors import REGISTERS, CaptureHistories
from qorgau.monitoring.engine import indicators_compute
from qorgau.monitoring.models import IndicatorValue
from qorgau.registry import services as registry
from qorgau.registry.models import Person
from qorgau.territory.models import Territory


def history(code: str, year: int, counts: dict[str, int]) -> CaptureHistories:
    """Counts keyed by the initials of the registers seen: p(olice) h(ealth) c(risis) l s."""
    keys = "phcls"
    return CaptureHistories(
        region_code=code,
        year=year,
        lists=REGISTERS,
        counts={tuple(int(k in pattern) for k in keys): n for pattern, n in counts.items()},
    )


def police_victims(actor, code: str, day: dt.date, number: int) -> list[Person]:
    """``number`` victims, each of one incident in district ``code`` on ``day`` (one offender)."""
    offender = registry.person_register(actor=actor, sex="M", birth_year=1980, audit=False)
    victims = []
    for _ in range(number):
        victim = registry.person_register(actor=actor, sex="F", birth_year=1990, audit=False)
        moment = timezone.make_aware(dt.datetime(day.year, day.month, day.day, 20))
        registry.incident_register(
            actor=actor,
            occurred_at=moment,
            reported_at=moment,
            district=Territory.objects.by_code(code, on=day),
            settlement_type="urban",
            source_channel="call_102",
            victims=[victim],
            offenders=[(offender, "spouse")],
            audit=False,
        )
        victims.append(victim)
    return victims


RICH = {
    "p": 400,
    "h": 90,
    "l": 50,
    "s": 60,
    "ph": 40,
    "pl": 20,
    "ps": 18,
    "hl": 6,
    "hs": 7,
    "phs": 3,
}


@pytest.mark.django_db
def test_a_run_stores_estimates_ratios_and_refusals():
    histories = [
        history(ABAI, 2023, RICH),
        history(ALMATY_CITY, 2023, {"p": 50, "h": 20}),  # nobody on two registers at once
    ]
    run = services.estimation_run(
        histories=histories,
        survey={services.NATIONAL: SurveyRate(0.19, 800, source="test survey")},
        feed_monitoring=False,
    )
    assert run.status == RunStatus.DONE and (run.done, run.total) == (2, 2)
    abai = EstimationResult.objects.get(region_code=ABAI, method=Method.MSE)
    assert abai.police == 481 and abai.observed == sum(RICH.values())
    assert abai.registered["police"] == 481 and abai.registered["crisis_centre"] == 0
    estimate, low, high = abai.estimate or 0, abai.ci_low or 0, abai.ci_high or 0
    assert 0 < low < estimate < high
    assert abai.ratio == pytest.approx(481 / estimate)
    assert (abai.ratio_low or 0) < (abai.ratio or 0) < (abai.ratio_high or 0)
    assert any("crisis_centre" in w for w in abai.warnings)  # an empty register is left out
    assert abai.spread["min"] <= abai.estimate <= abai.spread["max"]
    almaty = EstimationResult.objects.get(region_code=ALMATY_CITY, method=Method.MSE)
    assert almaty.estimate is None and "share nobody" in almaty.refusal
    survey = EstimationResult.objects.get(region_code=ABAI, method=Method.SURVEY)
    assert survey.estimate == pytest.approx(481 / 0.19)


@pytest.mark.django_db
def test_the_latest_finished_run_wins():
    services.estimation_run(histories=[history(ABAI, 2023, RICH)], feed_monitoring=False)
    newer = services.estimation_run(
        histories=[history(ABAI, 2023, RICH)], selection="independence", feed_monitoring=False
    )
    (latest,) = latest_results(method=Method.MSE)
    assert latest.run_id == newer.pk and latest.selection == "independence"


@pytest.mark.django_db
def test_estimate_without_linkage_says_so():
    with pytest.raises(CommandError, match="No linkage run has finished"):
        call_command("latency", "estimate", "--years", "2023-2023", stdout=StringIO())
    run = EstimationRun.objects.get()
    assert run.status == RunStatus.FAILED and "qorgau linkage run" in run.message
    assert run.source == RunSource.LINKAGE


@pytest.mark.django_db
def test_the_truth_is_no_source_of_a_run_any_more():
    with pytest.raises(CommandError, match="synth_evaluate_estimates"):
        call_command("latency", "estimate", "--from-truth", stdout=StringIO())
    assert not EstimationRun.objects.exists()


@pytest.mark.django_db
def test_estimate_writes_its_results_as_csv(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "qorgau.linkage.selectors.capture_histories",
        lambda years=None: [
            history(ABAI, 2023, RICH),
            history(ALMATY_CITY, 2023, {"p": 50, "h": 20}),  # refused
        ],
    )
    out = tmp_path / "estimates.csv"
    printed = StringIO()
    call_command("latency", "estimate", "--years", "2023-2023", "--out", str(out), stdout=printed)
    assert f"Wrote 2 rows to {out}" in printed.getvalue()
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "region,year,observed,estimate,ci_low,ci_high,method,status"
    rows = list(csv.DictReader(text.splitlines()))
    abai = EstimationResult.objects.get(region_code=ABAI)
    assert rows[0] == {
        "region": ABAI,
        "year": "2023",
        "observed": str(sum(RICH.values())),
        "estimate": f"{abai.estimate:.1f}",
        "ci_low": f"{abai.ci_low:.1f}",
        "ci_high": f"{abai.ci_high:.1f}",
        "method": "mse",
        "status": "estimated",
    }
    assert rows[1] == {
        "region": ALMATY_CITY,
        "year": "2023",
        "observed": "70",
        "estimate": "",
        "ci_low": "",
        "ci_high": "",
        "method": "mse",
        "status": "lower_bound",
    }


@pytest.mark.django_db
def test_an_old_run_from_the_synthetic_truth_is_never_published():
    """Runs made from the truth before it moved to synth stay stored, but no published read
    (latest results, monitoring's cells, the page's latest run) sees them, even when newer."""
    published = services.estimation_run(
        histories=[history(ABAI, 2023, RICH)], feed_monitoring=False
    )
    old = EstimationRun.objects.create(
        source=RunSource.TRUTH, status=RunStatus.DONE, first_year=2023, last_year=2023
    )
    EstimationResult.objects.create(
        run=old, region_code=ABAI, year=2023, method=Method.MSE, police=481, estimate=99999.0,
        ci_low=90000.0, ci_high=110000.0,
    )  # fmt: skip
    (latest,) = latest_results()
    assert latest.run_id == published.pk
    assert latest_results(region_code=ABAI, year=2023, method=Method.MSE) == [latest]
    assert all(cell.value != 99999.0 for cell in estimate_cells())
    assert last_run() == published


@pytest.mark.django_db
def test_mse_command_writes_json_and_rejects_a_bad_file(tmp_path):
    good = tmp_path / "lists.csv"
    good.write_text("A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n1,0,1,5\n0,1,1,4\n")
    out = tmp_path / "result.json"
    call_command(
        "latency", "mse", str(good), "--out", str(out), "--bootstrap", "20", "--seed", "1",
        stdout=StringIO(),
    )  # fmt: skip
    result = json.loads(out.read_text())
    for key in ("estimate", "ci_low", "ci_high", "observed", "method", "model", "spread"):
        assert key in result
    assert result["observed"] == 105 and result["bootstrap"]["replicates"] == 20
    bad = tmp_path / "bad.csv"
    bad.write_text("A,B,count\n1,0,40\n1,1,many\n")
    with pytest.raises(CommandError, match="Row 3, column 'count'"):
        call_command("latency", "mse", str(bad), "--out", str(out), stdout=StringIO())


@pytest.mark.django_db
def test_regions_closed_in_2022_get_the_sum_of_their_successors():
    east_today = "630000000"  # East Kazakhstan: before 8 June 2022 it included today's Abai
    services.estimation_run(
        histories=[history(ABAI, 2021, RICH), history(east_today, 2021, RICH)],
        feed_monitoring=False,
    )
    former = Territory.objects.get(kato_code=east_today, valid_to__isnull=False)
    (cell,) = [c for c in estimate_cells() if c.territory_id == former.pk]
    both = [r.estimate or 0 for r in latest_results(method=Method.MSE)]
    assert cell.year == 2021 and cell.value == pytest.approx(sum(both))
    assert (cell.low or 0) < cell.value < (cell.high or 0)


@pytest.mark.django_db
def test_estimates_reach_the_reporting_ratio(make_user):
    """Monitoring divides its own registered victims by the published estimate; a full
    recomputation asks latency again and keeps the ratio."""
    root = make_user(Role.POLICE_SUPERVISOR, ABAI, is_superuser=True, username="root")
    police_victims(root, SEMEY, dt.date(2023, 5, 1), 3)
    services.estimation_run(histories=[history(ABAI, 2023, RICH)])
    (result,) = latest_results(method=Method.MSE)
    abai = Territory.objects.current().regions().get(kato_code=ABAI)
    stored = IndicatorValue.objects.get(indicator="reporting_ratio", territory=abai, period="2023")
    assert stored.numerator == 3 and stored.denominator == pytest.approx(result.estimate)
    assert stored.value == pytest.approx(100 * 3 / (result.estimate or 0))
    assert stored.low == pytest.approx(100 * 3 / (result.ci_high or 0))
    indicators_compute()
    again = IndicatorValue.objects.get(indicator="reporting_ratio", territory=abai, period="2023")
    assert again.value == pytest.approx(stored.value)
    assert not IndicatorValue.objects.filter(indicator="reporting_ratio", period="2023-01")
