"""The rating of akimats must not reward hiding violence: missing values and rounding noise.

Abai is best on everything but is made the observed worst on the reporting ratio (15, like
Atyrau): it then ranks 2nd. When its hidden-violence estimate is refused instead, the old rule
(the mean of the others, 25) lifted it back to 1st; the worst observed value keeps it 2nd.
"""

from __future__ import annotations

import pytest

from qorgau.accounts.roles import Role
from qorgau.latency.models import EstimationResult, EstimationRun, Method, RunSource
from qorgau.latency.models import RunStatus as EstimationStatus
from qorgau.rating.methods import MethodError
from qorgau.rating.models import Missing, RatingMethod, RatingRun
from qorgau.rating.services import method_current, method_store, rating_run
from qorgau.rating.tests import fixtures

pytestmark = pytest.mark.django_db

REFUSAL = "The registers share too few people for an estimate."
NOISE = 100.00000000000001


def refuse_estimate(kato: str, year: int) -> None:
    """What latency stores when the registers of a region cannot support an estimate."""
    run = EstimationRun.objects.create(
        source=RunSource.LINKAGE, status=EstimationStatus.DONE, first_year=year, last_year=year
    )
    EstimationResult.objects.create(
        run=run, region_code=kato, year=year, method=Method.MSE, refusal=REFUSAL
    )
    fixtures.put("reporting_ratio", kato, year, None)  # no estimate: no ratio


def test_a_refused_estimate_counts_as_the_worst_and_never_raises_the_rank():
    fixtures.load_both_years()
    fixtures.put("reporting_ratio", fixtures.ABAI, 2024, 15)  # the observed worst (Atyrau 15)
    v2 = fixtures.v2()  # v3 scores the same reporting ratio; v2's harm makes the ranks move
    worst = rating_run(year=2024, draws=50, seed=3, method=v2).results.get(
        territory__kato_code=fixtures.ABAI
    )
    assert worst.rank == 2
    refuse_estimate(fixtures.ABAI, 2024)
    run = rating_run(year=2024, draws=50, seed=3, method=v2)
    refused = run.results.get(territory__kato_code=fixtures.ABAI)
    assert refused.rank >= worst.rank  # the mean of the others (25) gave it rank 1
    assert refused.score == pytest.approx(worst.score)
    cell = refused.indicators.get(indicator="reporting_ratio")
    atyrau = run.results.get(territory__kato_code=fixtures.ATYRAU)
    assert cell.imputed and cell.value is None
    assert cell.normalised == atyrau.indicators.get(indicator="reporting_ratio").normalised == 0
    assert (cell.missing, cell.missing_detail) == (Missing.ESTIMATE_REFUSED, REFUSAL)
    assert refused.imputed == 1 and run.summary["imputation"] == "worst"


def test_the_scorecard_and_league_table_say_which_values_were_filled_and_why(make_user, signed_in):
    fixtures.load_both_years()
    refuse_estimate(fixtures.ABAI, 2024)
    fixtures.put("order_check_compliance", fixtures.AKTOBE, 2024, None)
    run = rating_run(year=2024, draws=20)
    aktobe = run.results.get(territory__kato_code=fixtures.AKTOBE)
    gap = aktobe.indicators.get(indicator="order_check_compliance")
    assert (gap.missing, gap.missing_detail) == (Missing.NO_VALUE, "")
    client = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    card = client.get(f"/rating/run/{run.pk}/territory/{fixtures.ABAI}/").content.decode()
    assert "the hidden-violence estimate was refused" in card and REFUSAL in card
    assert "counted as the worst value observed for this indicator" in card
    page = client.get(f"/rating/run/{run.pk}/").content.decode()
    assert "1 value missing" in page and "a gap never raises a rank" in page
    results = client.get(f"/api/v1/rating/runs/{run.pk}/results/").json()
    abai = next(r for r in results if r["territory"] == fixtures.ABAI)
    ratio = next(i for i in abai["indicators"] if i["indicator"] == "reporting_ratio")
    assert ratio["missing"] == "estimate_refused" and ratio["missing_detail"] == REFUSAL


def test_a_method_that_could_reward_a_gap_is_neither_stored_nor_run():
    text = method_current().content.replace("version: 4", "version: 5")
    for change, key in (
        (("{method: worst}", "{method: mean}"), "imputation"),
        (("{method: worst}", "none"), "imputation"),
        (("real_difference: 0.9", "imputations: [worst, median]\n  real_difference: 0.9"),
         "uncertainty.imputations"),
    ):  # fmt: skip
        with pytest.raises(MethodError) as error:
            method_store(text=text.replace(*change))
        assert error.value.key == key
    fixtures.load_both_years()
    version_1 = RatingMethod.objects.get(name="default", version=1)  # the mean: superseded
    with pytest.raises(MethodError, match="can reward a missing value"):
        rating_run(year=2024, draws=10, method=version_1)
    assert not RatingRun.objects.exists()


def test_an_indicator_the_same_everywhere_carries_no_weight_and_the_run_says_so(
    client, make_user, signed_in
):
    """orders_within_one_day at 100% everywhere, some regions reading 100.00000000000001."""
    fixtures.load_both_years()
    scores = []
    for noisy in ([fixtures.ABAI, fixtures.ATYRAU], [fixtures.AKMOLA]):
        for kato in fixtures.REGIONS:
            fixtures.put("orders_within_one_day", kato, 2024, NOISE if kato in noisy else 100)
        run = rating_run(year=2024, draws=20)
        assert run.summary["constant"] == {"orders_within_one_day": 100.0}
        assert "orders_within_one_day" not in run.summary["shares"]
        scores.append({r.territory.kato_code: r.score for r in run.results.all()})
        cell = run.results.get(territory__kato_code=fixtures.AKMOLA).indicators.get(
            indicator="orders_within_one_day"
        )
        assert cell.constant and cell.weight == 0 and cell.contribution == 0
    assert scores[0] == scores[1]  # no swing whichever regions carry the noise
    viewer = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    page = viewer.get(f"/rating/run/{run.pk}/").content.decode()
    assert "carries no weight in this run" in page
    method_page = client.get("/rating/method/").content.decode()
    assert "the same in every territory in the latest run: no weight" in method_page
