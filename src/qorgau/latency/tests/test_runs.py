"""Estimation runs end to end: stored results, refusals, the synthetic truth path, the
commands, and the estimates flowing into monitoring without monitoring importing latency."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qorgau.conftest import ABAI, ALMATY_CITY
from qorgau.latency import services
from qorgau.latency.models import EstimationResult, EstimationRun, Method, RunSource, RunStatus
from qorgau.latency.selectors import latest_results
from qorgau.latency.survey import SurveyRate
from qorgau.linkage.selectors import REGISTERS, CaptureHistories
from qorgau.monitoring.engine import indicators_compute
from qorgau.monitoring.measures import ESTIMATE_PROVIDERS
from qorgau.monitoring.models import IndicatorValue
from qorgau.synth.models import TruthCount
from qorgau.synth.services import synth_run
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
    assert run.status == RunStatus.FAILED and "--from-truth" in run.message


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
def test_on_synthetic_data_the_truth_path_counts_what_the_truth_file_says():
    """Evaluation only: the capture histories from the truth keys reproduce TruthCount's
    registered counts, and the estimates reach monitoring's reporting ratio."""
    synth_run(first_year=2023, last_year=2023, scale=0.005, seed=5, today=dt.date(2024, 12, 31))
    indicators_compute()
    out = StringIO()
    call_command("latency", "estimate", "--from-truth", "--years", "2023-2023", stdout=out)
    assert "monitoring updated" in out.getvalue()
    results = {r.region_code: r for r in latest_results(method=Method.MSE)}
    truth = {t.region_code: t for t in TruthCount.objects.filter(year=2023)}
    assert set(results) == set(truth)
    for code, count in truth.items():
        assert results[code].police == count.police
        assert results[code].observed == count.any_register
        assert results[code].registered["health"] == count.health
        assert results[code].run.source == RunSource.TRUTH

    # Monitoring computed the ratio from its own registered victims over the estimate.
    assert "estimated_true_victims" in ESTIMATE_PROVIDERS
    region = Territory.objects.current().regions().get(kato_code=ALMATY_CITY)
    result = results[ALMATY_CITY]
    assert result.estimate is not None, result.refusal
    stored = IndicatorValue.objects.get(
        indicator="reporting_ratio", territory=region, period="2023"
    )
    assert stored.numerator == result.police
    assert stored.value == pytest.approx(100 * result.police / (result.estimate or 0))
    assert stored.low == pytest.approx(100 * result.police / (result.ci_high or 0))
    # The country is the sum of its regions, published only when every region has one.
    country = IndicatorValue.objects.filter(
        indicator="estimated_victims_rate", territory__level=0, period="2023"
    ).first()
    refused = [r for r in results.values() if r.estimate is None]
    assert all(r.refusal for r in refused)
    if refused:
        assert country is None
    else:
        total = sum(r.estimate or 0 for r in results.values())
        assert country.numerator == pytest.approx(total)

    # A full recomputation of monitoring keeps them (the provider is asked again).
    indicators_compute()
    assert IndicatorValue.objects.filter(indicator="reporting_ratio", period="2023").exists()
    assert not IndicatorValue.objects.filter(indicator="reporting_ratio", period="2023-01")


@pytest.mark.django_db
def test_regions_closed_in_2022_get_the_sum_of_their_successors():
    east_today = "630000000"  # East Kazakhstan: before 8 June 2022 it included today's Abai
    services.estimation_run(
        histories=[history(ABAI, 2021, RICH), history(east_today, 2021, RICH)],
        feed_monitoring=False,
    )
    from qorgau.latency.selectors import estimate_cells

    former = Territory.objects.get(kato_code=east_today, valid_to__isnull=False)
    (cell,) = [c for c in estimate_cells() if c.territory_id == former.pk]
    both = [r.estimate or 0 for r in latest_results(method=Method.MSE)]
    assert cell.year == 2021 and cell.value == pytest.approx(sum(both))
    assert (cell.low or 0) < cell.value < (cell.high or 0)
