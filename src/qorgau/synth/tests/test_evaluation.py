"""Estimates from the synthetic truth: the tables a perfect linkage would give, the comparison
with the true numbers, and the wall between this evaluation and every published figure."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, COUNTRY, MEDEU, SEMEY
from qorgau.latency import services
from qorgau.latency.models import EstimationRun, Method
from qorgau.latency.selectors import estimate_cells, latest_results
from qorgau.latency.tests.test_runs import RICH, history, police_victims
from qorgau.monitoring.engine import indicators_compute, indicators_fed_by
from qorgau.monitoring.models import IndicatorValue
from qorgau.registry.intake import RegisterRecordDraft, register_records_store
from qorgau.registry.models import Person
from qorgau.synth.evaluation import latest_synth_run, truth_histories
from qorgau.synth.models import RecordTruth, SynthRun, TruthCount, TruthEstimate, VictimTruth
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db

DAY = dt.date(2023, 5, 1)
_RECORD_IDS = itertools.count()


def records(run: SynthRun, register: str, sightings: list[tuple[str, str, dt.date]]) -> None:
    """Register records (truth key, district code, day) stored as an import would, with truth."""
    drafts = [
        RegisterRecordDraft(
            register=register,
            record_id=f"test-{next(_RECORD_IDS)}",
            district_id=Territory.objects.by_code(code, on=day).pk,
            seen_on=day,
        )
        for _key, code, day in sightings
    ]
    pks = register_records_store(drafts, source="synth")
    RecordTruth.objects.bulk_create(
        RecordTruth(run=run, record_id=pk, truth_key=key)
        for pk, (key, _code, _day) in zip(pks, sightings, strict=True)
    )


def truths(run: SynthRun, victims: list[Person], prefix: str) -> list[str]:
    keys = [f"{prefix}{i}" for i in range(len(victims))]
    VictimTruth.objects.bulk_create(
        VictimTruth(run=run, person=person, truth_key=key)
        for person, key in zip(victims, keys, strict=True)
    )
    return keys


@pytest.fixture
def root(make_user):
    return make_user(Role.POLICE_SUPERVISOR, ABAI, is_superuser=True, username="root")


@pytest.fixture
def run():
    return SynthRun.objects.create(
        seed=1, first_year=2021, last_year=2023, scale=0.01, last_day=dt.date(2023, 12, 31)
    )


def test_truth_histories_count_each_true_person_once_per_region_and_year(root, run):
    police = truths(run, police_victims(root, SEMEY, DAY, 4), "p")  # p0..p3
    police_victims(root, SEMEY, DAY, 1)  # a victim without truth (not synthetic): not counted
    records(run, "health", [("p0", SEMEY, DAY), ("p0", SEMEY, DAY), ("p1", SEMEY, DAY)])
    records(run, "health", [("h0", SEMEY, DAY), ("h1", SEMEY, DAY)])
    records(run, "crisis_centre", [("p1", SEMEY, DAY), ("c0", SEMEY, DAY)])
    # Semey belonged to East Kazakhstan in 2021: counted in today's Abai, in 2021.
    records(run, "line_111", [("p0", SEMEY, dt.date(2021, 3, 2))])
    records(run, "social", [("m0", MEDEU, DAY)])
    register_records_store(
        [RegisterRecordDraft("social", "real-1", Territory.objects.by_code(SEMEY).pk, DAY)],
        source="akimat",
    )  # a record without truth (a real import): not counted

    found = {(h.region_code, h.year): h.counts for h in truth_histories(run)}
    assert set(found) == {(ABAI, 2021), (ABAI, 2023), ("750000000", 2023)}
    assert found[(ABAI, 2023)] == {
        (1, 1, 0, 0, 0): 1,  # p0, seen twice by health
        (1, 1, 1, 0, 0): 1,  # p1
        (1, 0, 0, 0, 0): 2,  # p2, p3
        (0, 1, 0, 0, 0): 2,  # h0, h1
        (0, 0, 1, 0, 0): 1,  # c0
    }
    assert found[(ABAI, 2021)] == {(0, 0, 0, 1, 0): 1}
    assert found[("750000000", 2023)] == {(0, 0, 0, 0, 1): 1}
    assert [h.year for h in truth_histories(run, years=[2021])] == [2021]
    assert len(police) == 4


@pytest.fixture
def country(root, run):
    """Abai 2023 on three registers with overlaps, enough for an estimate, and its truth."""
    police = truths(run, police_victims(root, SEMEY, DAY, 30), "p")
    health = police[:12] + [f"h{i}" for i in range(20)]
    crisis = police[:4] + ["h0", "h1", "h2"] + [f"c{i}" for i in range(5)]
    records(run, "health", [(key, SEMEY, DAY) for key in health])
    records(run, "crisis_centre", [(key, SEMEY, DAY) for key in crisis])
    TruthCount.objects.create(
        run=run, region_code=ABAI, year=2023, population=100_000, true_victims=150,
        police=30, health=32, crisis_centre=12, line_111=0, social=0, any_register=55,
    )  # fmt: skip
    return run


def published(client) -> dict[str, object]:
    """Every published figure the estimates reach: monitoring's stored values, the latest
    results, monitoring's cells and the API."""
    fed = indicators_fed_by("estimated_true_victims")
    return {
        "monitoring": sorted(
            IndicatorValue.objects.filter(indicator__in=fed).values_list(
                "indicator",
                "territory_id",
                "period",
                "value",
                "numerator",
                "denominator",
                "low",
                "high",
            )
        ),  # fmt: skip
        "latest": [
            (r.run_id, r.region_code, r.year, r.method, r.estimate, r.ci_low, r.ci_high)
            for r in latest_results()
        ],
        "cells": sorted((c.territory_id, c.year, c.value) for c in estimate_cells()),
        "api": client.get("/api/v1/latency/results/").json(),
        "runs": EstimationRun.objects.count(),
    }


def test_a_truth_evaluation_changes_no_published_value(country, make_user, signed_in, tmp_path):
    services.estimation_run(histories=[history(ABAI, 2023, RICH)])  # linkage's, monitoring fed
    client = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    before = published(client)
    assert any(row[0] == "reporting_ratio" for row in before["monitoring"])
    assert before["api"] and before["latest"]

    out = StringIO()
    csv_file = tmp_path / "truth.csv"
    call_command(
        "synth_evaluate_estimates", "--years", "2023-2023", "--out", str(csv_file), stdout=out
    )
    (truth,) = TruthEstimate.objects.all()
    assert truth.estimate is not None, truth.refusal
    assert truth.estimate != latest_results(method=Method.MSE)[0].estimate  # would show a leak
    assert "monitoring" not in out.getvalue()
    assert published(client) == before

    # A full recomputation of monitoring asks latency again: still nothing from the truth.
    indicators_compute()
    assert published(client)["monitoring"] == before["monitoring"]


def test_the_command_compares_with_the_true_numbers_and_writes_csv(country, tmp_path):
    out = StringIO()
    csv_file = tmp_path / "truth.csv"
    call_command("synth_evaluate_estimates", "--out", str(csv_file), stdout=out)
    (truth,) = TruthEstimate.objects.all()
    assert (truth.run, truth.region_code, truth.year) == (country, ABAI, 2023)
    assert truth.observed == 55 and truth.true_victims == 150 and truth.selection == "stepwise"
    assert truth.ci_low is not None and truth.ci_high is not None
    covered = "yes" if truth.ci_low <= 150 <= truth.ci_high else "no"
    (row,) = csv.DictReader(csv_file.read_text(encoding="utf-8").splitlines())
    assert row == {
        "region": ABAI,
        "year": "2023",
        "observed": "55",
        "true_victims": "150",
        "estimate": f"{truth.estimate:.1f}",
        "ci_low": f"{truth.ci_low:.1f}",
        "ci_high": f"{truth.ci_high:.1f}",
        "covered": covered,
        "status": "estimated",
    }
    text = out.getvalue()
    assert f"{ABAI}  2023" in text and f"{truth.estimate:.1f}" in text
    assert f"{int(covered == 'yes')} of 1 intervals cover the true number" in text
    assert not EstimationRun.objects.exists()


def test_a_region_the_estimator_cannot_support_is_stored_as_refused(root, run):
    police = truths(run, police_victims(root, SEMEY, DAY, 3), "p")
    records(run, "health", [("h0", SEMEY, DAY)])  # nobody on both: no overlap
    assert police
    call_command("synth_evaluate_estimates", "--selection", "independence", stdout=StringIO())
    (truth,) = TruthEstimate.objects.all()
    assert truth.estimate is None and truth.refusal and truth.true_victims is None
    assert truth.selection == "independence"


def test_without_synthetic_data_it_says_so():
    assert latest_synth_run() is None
    with pytest.raises(CommandError, match="no synthetic data set"):
        call_command("synth_evaluate_estimates", stdout=StringIO())
    with pytest.raises(CommandError, match="--years must look like"):
        call_command("synth_evaluate_estimates", "--years", "soon", stdout=StringIO())


def test_on_generated_data_the_tables_reproduce_the_true_counts():
    """The generator's own records and truth give, region by region, the registered numbers
    the truth file states (police, health, seen by any register)."""
    from qorgau.synth.services import synth_run

    run = synth_run(
        first_year=2023, last_year=2023, scale=0.005, seed=5, today=dt.date(2024, 12, 31)
    )
    histories = {h.region_code: h for h in truth_histories(run, years=[2023])}
    truth = {t.region_code: t for t in TruthCount.objects.filter(run=run, year=2023)}
    assert set(histories) == set(truth)
    assert RecordTruth.objects.filter(run=run).exists() and any(t.health for t in truth.values())
    for code, count in truth.items():
        counts = histories[code].counts
        assert sum(n for pattern, n in counts.items() if pattern[0]) == count.police
        assert sum(n for pattern, n in counts.items() if pattern[1]) == count.health
        assert sum(counts.values()) == count.any_register
