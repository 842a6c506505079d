"""A figure is published as an estimate only when its checks pass; otherwise the victims seen
by at least one register are published as a lower bound, with the reason, and nothing reads
the model's number as a figure (monitoring, the rating, the national total)."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import translation

from qorgau.conftest import ABAI, ALMATY_CITY
from qorgau.latency import mse, services
from qorgau.latency.models import EstimationResult, FigureStatus, Method
from qorgau.latency.publication import publication_failures
from qorgau.latency.selectors import estimate_cells
from qorgau.latency.tests.test_runs import RICH, history
from qorgau.linkage.selectors import CaptureHistories


def _estimate(counts: dict[tuple[int, ...], int], lists: int = 3) -> mse.Estimate:
    names = ["a", "b", "c", "d", "e"][:lists]
    return mse.estimate(mse.CaptureTable.from_counts(names, counts))


def test_a_well_supported_estimate_passes():
    table = {(1, 0, 0): 300, (0, 1, 0): 200, (0, 0, 1): 250, (1, 1, 0): 60, (1, 0, 1): 75}
    table |= {(0, 1, 1): 50, (1, 1, 1): 15}
    found = _estimate(table)
    assert publication_failures(found, 200) == []


def test_few_overlaps_fail():
    table = {(1, 0, 0): 300, (0, 1, 0): 200, (0, 0, 1): 250, (1, 1, 0): 3, (1, 0, 1): 2}
    table |= {(0, 1, 1): 2}
    found = _estimate(table)
    with translation.override("en"):
        (reason,) = [r for r in publication_failures(found, 7) if "more than one" in r]
    assert "Only 7 people" in reason


def test_chao_above_the_interval_fails():
    found = _estimate({(1, 0, 0): 300, (0, 1, 0): 200, (0, 0, 1): 250, (1, 1, 0): 60})
    found.chao, found.ci_high = 5_000.0, 1_000.0
    with translation.override("en"):
        assert any("Chao" in r for r in publication_failures(found, 60))


def test_selection_rules_that_disagree_fail():
    found = _estimate({(1, 0, 0): 300, (0, 1, 0): 200, (0, 0, 1): 250, (1, 1, 0): 60})
    found.spread = {"min": 1_000.0, "max": 2_500.0}
    with translation.override("en"):
        assert any("factor of two" in r for r in publication_failures(found, 60))


def test_an_estimate_the_surveys_contradict_fails(settings):
    """Registers that see the same victims make the model find a small dark figure; when by
    the estimate most victims would be on the police register, the figure is a lower bound."""
    found = _estimate({(1, 0, 0): 300, (0, 1, 0): 200, (0, 0, 1): 250, (1, 1, 0): 60})
    police = round(0.5 * found.estimate)
    with translation.override("en"):
        before = publication_failures(found, 60)
        (reason,) = set(publication_failures(found, 60, police)) - set(before)
        assert "50% of the victims reached the police" in reason
        assert publication_failures(found, 60, round(0.3 * found.estimate)) == before
        settings.QORGAU_MAX_REPORTING_PERCENT = 60
        assert publication_failures(found, 60, police) == before


def test_a_sampler_that_did_not_converge_fails():
    found = _estimate({(1, 0, 0): 300, (0, 1, 0): 200, (0, 0, 1): 250, (1, 1, 0): 60})
    found.intervals["latent_class"] = {"converged": False, "rhat": 1.4, "effective": 37}
    with translation.override("en"):
        assert any("did not converge" in r for r in publication_failures(found, 60))


SPARSE = {"p": 400, "h": 90, "l": 50, "ph": 4, "pl": 3, "hl": 1}


@pytest.mark.django_db
def test_a_failed_check_publishes_a_lower_bound_and_feeds_nothing():
    services.estimation_run(
        histories=[history(ABAI, 2023, RICH), history(ALMATY_CITY, 2023, SPARSE)],
        feed_monitoring=False,
    )
    good = EstimationResult.objects.get(region_code=ABAI, method=Method.MSE)
    assert good.status == FigureStatus.ESTIMATE and good.estimate is not None
    weak = EstimationResult.objects.get(region_code=ALMATY_CITY, method=Method.MSE)
    assert weak.status == FigureStatus.LOWER_BOUND
    assert weak.estimate is None and weak.ratio is None
    assert weak.lower_bound == sum(SPARSE.values())
    assert weak.unpublished["estimate"] > weak.observed  # kept for the analyst, not published
    assert weak.refusal  # the reason, in the language of the run
    published = {(cell.year, cell.value) for cell in estimate_cells()}
    assert (2023, good.estimate) in published
    assert all(value != weak.unpublished["estimate"] for _year, value in published)


@pytest.mark.django_db
def test_a_stratified_run_estimates_within_sex_and_age():
    """A run may estimate within (sex, age band) groups and sum them; histories without the
    split are one group (as groups too small are merged), and the result says so."""
    rng = np.random.default_rng(3)
    strata: dict[tuple[int, int], dict[tuple[int, ...], int]] = {}
    for group, rates in {
        (0, 1): [0.4, 0.2, 0.1, 0.2, 0.1],
        (1, 1): [0.1, 0.05, 0.0, 0.1, 0.1],
    }.items():
        seen = (rng.random((3_000, 5)) < np.asarray(rates)).astype(int)
        counts: dict[tuple[int, ...], int] = {}
        for row in map(tuple, seen[seen.any(axis=1)].tolist()):
            counts[row] = counts.get(row, 0) + 1
        strata[group] = counts
    total: dict[tuple[int, ...], int] = {}
    for counts in strata.values():
        for pattern, n in counts.items():
            total[pattern] = total.get(pattern, 0) + n
    histories = [
        CaptureHistories(region_code=ABAI, year=2024, counts=total, strata=strata),
        CaptureHistories(region_code=ALMATY_CITY, year=2024, counts=total),
    ]
    services.estimation_run(histories=histories, selection="stratified", feed_monitoring=False)
    split = EstimationResult.objects.get(region_code=ABAI)
    assert split.status == FigureStatus.ESTIMATE
    assert (split.ci_low or 0) <= 6_000 <= (split.ci_high or 0)
    assert split.model_terms == ["groups by the first 2 covariates: 2"]
    unsplit = EstimationResult.objects.get(region_code=ALMATY_CITY)
    assert unsplit.model_terms != split.model_terms and not unsplit.refusal
    assert any("one group" in warning for warning in unsplit.warnings)


@pytest.mark.django_db
def test_the_reasons_follow_the_readers_language():
    """Checks are stored as codes, so a lower bound says why in the page's language, whatever
    the language of the run that stored it."""
    with translation.override("en"):
        services.estimation_run(
            histories=[history(ALMATY_CITY, 2023, SPARSE)], feed_monitoring=False
        )
    weak = EstimationResult.objects.get(region_code=ALMATY_CITY, method=Method.MSE)
    assert weak.unpublished["checks"]
    with translation.override("en"):
        english = weak.reasons
    with translation.override("ru"):
        russian = weak.reasons
    assert english and russian and english != russian
    assert "Only" in english[0] and "Only" not in russian[0]
