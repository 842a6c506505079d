"""Runs on stored indicator values: results, explanation, reproducibility, Goodhart resistance."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command

from qorgau.monitoring.models import IndicatorValue
from qorgau.rating.models import RatingMethod, RatingRun, RunStatus
from qorgau.rating.services import (
    method_current,
    method_store,
    rating_compare,
    rating_run,
    run_as_json,
)
from qorgau.rating.tests import fixtures
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db


def test_a_run_scores_ranks_and_explains_every_region_with_values():
    fixtures.load_both_years()
    run = rating_run(year=2024, draws=200, seed=1, method=fixtures.v2())
    assert run.status == RunStatus.DONE and run.progress == 100
    assert (run.method_name, run.method_version) == ("default", 2)
    assert run.method_sha256 == fixtures.v2().sha256 and len(run.data_sha256) == 64
    results = list(run.results.select_related("territory").order_by("rank"))
    assert [r.territory.kato_code for r in results][0] == fixtures.ABAI  # best on everything
    assert results[-1].territory.kato_code == fixtures.ATYRAU
    assert len(run.summary["not_rated"]) == 15  # regions without any value are not rated
    assert "programme_completion" in run.summary["dropped"]  # source not in the system yet
    assert "incidents_rate" not in run.summary["indicators"]  # registered counts never scored
    for result in results:
        parts = list(result.indicators.all())
        assert sum(p.contribution or 0.0 for p in parts) == pytest.approx(result.score)
        assert result.rank_low is not None and result.rank_high is not None
        assert result.rank_low <= result.rank_high
        assert result.previous_rank is not None
        assert all(p.previous_value is not None for p in parts)
    abai = results[0].indicators.get(indicator="reporting_ratio")
    assert abai.value == 40 and abai.normalised == pytest.approx(100)
    assert abai.change == pytest.approx(4)


def test_same_method_and_data_give_identical_results():
    fixtures.load_both_years()
    first = rating_run(year=2024, draws=300, seed=5)
    second = rating_run(year=2024, draws=300, seed=5)
    assert first.data_sha256 == second.data_sha256
    assert run_as_json(first) == run_as_json(second)
    fixtures.put("reporting_ratio", fixtures.AKMOLA, 2024, 31)
    third = rating_run(year=2024, draws=300, seed=5)
    assert third.data_sha256 != first.data_sha256


def test_old_runs_stay_viewable_after_the_method_changes(client):
    fixtures.load_both_years()
    old = rating_run(year=2024, draws=50)
    text = (
        method_current()
        .content.replace("version: 4", "version: 5")
        .replace("{code: harm, weight: 1,", "{code: harm, weight: 3,")
    )
    v5 = method_store(text=text, note="harm weighs more")
    new = rating_run(year=2024, draws=50, method=v5)
    assert (new.method_version, old.method_version) == (5, 4)
    assert new.method_sha256 != old.method_sha256
    old.refresh_from_db()
    assert old.method.version == 4 and old.results.count() == 5
    assert client.get("/rating/method/default/v4/").status_code == 200
    assert client.get("/rating/method/default/v3/").status_code == 200
    assert client.get("/rating/method/default/v2/").status_code == 200
    assert client.get("/rating/method/default/v1/").status_code == 200
    page = client.get("/rating/method/").content.decode()
    assert "version 5" in page and "harm weighs more" in page  # the newest version is shown
    assert re.search(r'Harm seen outside the police</th><td class="num">3(\.0)?</td>', page)
    comparison = rating_compare(old, new)
    assert comparison.common == 5 and comparison.spearman is not None


def test_a_version_is_never_overwritten():
    text = method_current().content
    with pytest.raises(ValueError, match="never overwritten"):
        method_store(text=text)
    assert RatingMethod.objects.filter(name="default").count() == 4  # v1 to v4 shipped


def test_a_missing_cell_is_imputed_and_flagged():
    fixtures.load_both_years()
    fixtures.put("order_check_compliance", fixtures.AKTOBE, 2024, None)
    run = rating_run(year=2024, draws=20)
    result = run.results.get(territory__kato_code=fixtures.AKTOBE)
    cell = result.indicators.get(indicator="order_check_compliance")
    assert cell.imputed and result.imputed == 1
    assert run.summary["imputed_cells"] == 1


def test_hiding_violence_does_not_gain_rank_and_is_flagged():
    """Akmola stops registering half of its violence in 2024. Its registered figures fall; what
    is hard to hide (homicides, grave harm) does not; the estimated true number of victims does
    not change, so its reporting ratio halves. It must not climb, and it must be flagged."""
    fixtures.load_both_years()
    honest = rating_run(year=2024, draws=100)
    honest_rank = honest.results.get(territory__kato_code=fixtures.AKMOLA).rank
    fixtures.put("incidents_rate", fixtures.AKMOLA, 2024, 280 * 0.5)
    fixtures.put("reporting_ratio", fixtures.AKMOLA, 2024, 30 * 0.5)
    hiding = rating_run(year=2024, draws=100)
    result = hiding.results.get(territory__kato_code=fixtures.AKMOLA)
    assert result.rank >= honest_rank
    honest_score = honest.results.get(territory__kato_code=fixtures.AKMOLA).score
    assert result.score is not None and honest_score is not None
    assert result.score < honest_score
    assert result.flags == ["registration_fell"]
    others = hiding.results.exclude(territory__kato_code=fixtures.AKMOLA)
    assert not any(r.flags for r in others)


def test_districts_within_a_region():
    abai = Territory.objects.regions().current().get(kato_code=fixtures.ABAI)
    districts = list(Territory.objects.current().filter(parent=abai).order_by("kato_code")[:4])
    for n, district in enumerate(districts):
        for code, row in fixtures.VALUES_2024.items():
            fixtures.put(code, district.kato_code, 2024, row[n])
    run = rating_run(year=2024, level="district", region=abai, draws=50)
    assert run.results.count() == 4
    assert run.results.get(rank=1).territory == districts[0]


def test_a_run_with_too_little_data_fails_and_says_why():
    with pytest.raises(ValueError, match="fewer than two"):
        rating_run(year=2024, draws=10)
    assert RatingRun.objects.get().status == RunStatus.FAILED


def test_cli_run_and_compare(capsys):
    fixtures.load_both_years()
    out = io.StringIO()
    call_command(
        "rating",
        "run",
        "--year",
        "2024",
        "--draws",
        "40",
        "--seed",
        "2",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "Run #" in out.getvalue() and "1. " in out.getvalue()
    call_command(
        "rating",
        "run",
        "--year",
        "2024",
        "--draws",
        "40",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    a, b = RatingRun.objects.order_by("id")
    out = io.StringIO()
    call_command("rating", "compare", str(a.pk), str(b.pk), stdout=out)
    assert "Spearman 1.000" in out.getvalue()


def test_cli_compute_on_any_table(tmp_path):
    table = tmp_path / "in.csv"
    table.write_text("unit,a,b,people\nu1,10,10,10\nu2,40,30,20\nu3,90,20,30\n")
    method = tmp_path / "m.yaml"
    method.write_text(
        "name: mine\nversion: 1\nnormalisation: minmax\naggregation: arithmetic\n"
        "uncertainty: {draws: 50, seed: 1}\n"
        "groups: [{code: index}, {code: g, parent: index}]\n"
        "indicators: [{code: a, direction: 1, weight: 1, parent: g, denominator: people},"
        " {code: b, direction: -1, weight: 1, parent: g}]\n"
    )
    out = tmp_path / "out.csv"
    call_command(
        "rating",
        "compute",
        "--indicators",
        str(table),
        "--method",
        str(method),
        "--out",
        str(out),
        stderr=io.StringIO(),
    )
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["unit", "score", "rank", "rank_low", "rank_high", "index", "g"]
    # a per person 1, 2, 3 → 0, 50, 100; b → 100, 0, 50: u1 50, u2 25, u3 75
    assert [float(r["score"]) for r in rows] == pytest.approx([50, 25, 75])
    assert [r["rank"] for r in rows] == ["2", "3", "1"]


def test_on_values_computed_by_monitoring(make_user):
    """The whole chain on a tiny hand-made country: registry → indicator values → rating."""
    import datetime as dt

    from django.utils import timezone

    from qorgau.accounts.roles import Role
    from qorgau.conftest import KURCHATOV, MEDEU, SEMEY
    from qorgau.monitoring.engine import indicators_compute
    from qorgau.registry import services as s

    root = make_user(Role.POLICE_SUPERVISOR, fixtures.ABAI, is_superuser=True, username="root")

    def incident(code: str, day: int, victim: Any, offender: Any, **facts: Any) -> None:
        when = timezone.make_aware(dt.datetime(2025, 1, day, 20))
        s.incident_register(
            actor=root,
            occurred_at=when,
            reported_at=when,
            district=Territory.objects.by_code(code, on=when.date()),
            settlement_type="urban",
            source_channel="call_102",
            victims=[victim],
            offenders=[(offender, "spouse")],
            audit=False,
            **facts,
        )

    people = [
        s.person_register(actor=root, sex=sex, birth_year=1980, audit=False) for sex in "FFMMFM"
    ]
    incident(SEMEY, 5, people[0], people[2], physical=True)
    incident(KURCHATOV, 9, people[1], people[3], injury="death")
    incident(MEDEU, 12, people[4], people[5], physical=True)
    indicators_compute()
    assert IndicatorValue.objects.filter(indicator="domestic_homicide_rate", period="2025").exists()
    run = rating_run(year=2025, draws=20, method=fixtures.v2())
    ranks = {r.territory.kato_code: r.rank for r in run.results.select_related("territory")}
    assert set(ranks) == {fixtures.ABAI, "750000000"}  # the two regions with records
    assert ranks["750000000"] < ranks[fixtures.ABAI]  # Abai had a domestic homicide
    almaty = run.results.get(territory__kato_code="750000000")
    homicides = almaty.indicators.get(indicator="domestic_homicide_rate")
    assert homicides.value == 0 and not homicides.imputed  # no row stored = no event
    assert np.isfinite(almaty.score)
