"""The issue's criterion on the synthetic country: hiding registered incidents does not pay.

Each of five regions spread across the table hides 30–90% of its registered 2024 incidents, at
random or keeping the grave ones, in a copy of the inputs; under the current method its
expected score never rises and it gains more than half a point in at most 5% of draws. The same
test fails for version 2 of the method (harm counted from the police register), so it can fail.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.core.management import call_command

from qorgau.rating.compute import compute_index
from qorgau.rating.models import RatingMethod, RatingStress
from qorgau.rating.services import method_current, method_load
from qorgau.rating.stress import PoliceCounts, hide, stress_run
from qorgau.rating.stress_inputs import rating_stress, stress_inputs_read
from qorgau.rating.tests import fixtures
from qorgau.rating.tests.synthetic import synthetic_country

pytestmark = pytest.mark.django_db
SHARES = (0.3, 0.6, 0.9)


def spread_across_the_table(method: RatingMethod, histories: list[Any], n: int = 5) -> list[str]:
    inputs = stress_inputs_read(method_load(method).method, 2024, histories=histories)
    ranks = compute_index(inputs.units, inputs.values, inputs.method).rank
    order = [inputs.units[i] for i in np.argsort(ranks)]
    return [order[k] for k in np.linspace(0, len(order) - 1, n).astype(int)]


def test_hiding_incidents_never_pays_under_the_current_method_and_did_under_v2(client):
    histories = synthetic_country(scale=0.01, seed=3, first_year=2023, last_year=2024)
    current = method_current()
    units = spread_across_the_table(current, histories)
    stress = rating_stress(
        year=2024, units=units, shares=SHARES, draws=10, seed=7, histories=histories
    )
    result = stress.results
    assert result["method"] == "default-v4" and len(result["rows"]) == 5 * 3 * 2
    assert result["raised_expected"] == [], result["rows"]
    assert result["rewarded_share"] <= 0.05
    assert stress.passes
    # the score falls, on average, wherever hiding removes a noticeable share
    assert np.mean([r["mean_change"] for r in result["rows"] if r["share"] == 0.9]) < 0

    old = rating_stress(
        year=2024,
        stored=fixtures.v2(),
        units=units,
        shares=SHARES,
        draws=10,
        seed=7,
        histories=histories,
    ).results
    assert not old["passes"]
    assert old["raised_expected"] and old["rewarded_share"] > 0.05

    page = client.get("/rating/method/").content.decode()
    assert "Stress test" in page and "hiding did not pay" in page
    assert "/rating/method/default/v2/" in page
    v2_page = client.get("/rating/method/default/v2/").content.decode()
    assert "hiding paid" in v2_page

    call_command(
        "rating", "stress", "--year", "2024", "--regions", units[0], "--shares", "0.5",
        "--modes", "careful", "--draws", "3", "--seed", "1",
    )  # fmt: skip
    latest = RatingStress.objects.first()
    assert latest is not None and [r["unit"] for r in latest.results["rows"]] == [units[0]]
    assert latest.results["notes"] == ["estimate_held_fixed"]  # no linkage run here


def test_careful_hiding_keeps_every_grave_case_and_random_hiding_thins_them():
    police = PoliceCounts(*(np.array([v], dtype=float) for v in (100, 30, 5, 80, 20)))
    rng = np.random.default_rng(1)
    careful = hide(police, 0, 0.9, "careful", rng)
    assert (careful.grave, careful.homicides, careful.incidents) == (30, 5, 30)
    assert 30 <= careful.victims < 80
    kept = [hide(police, 0, 0.5, "random", rng) for _ in range(200)]
    assert np.mean([k.incidents for k in kept]) == pytest.approx(50, abs=2)
    assert np.mean([k.grave for k in kept]) == pytest.approx(15, abs=1.5)
    assert all(k.repeat_victims <= k.victims for k in kept)


def test_a_police_only_method_fails_the_stress_test():
    """Hand-made inputs, no database: a method that scores the police register's harm as
    "less is better" rewards hiding; the check catches it."""
    from qorgau.rating.methods import method_parse

    method = method_parse(
        "name: police-only\nversion: 1\nimputation: {method: worst}\n"
        "groups:\n  - {code: index, weight: 1}\n"
        "indicators:\n  - {code: grave_harm_rate, direction: -1, weight: 1, parent: index}\n"
        "  - {code: repeat_victimisation, direction: -1, weight: 1, parent: index}\n"
    ).method
    from qorgau.rating.stress import StressInputs

    counts = PoliceCounts(
        *(np.array(v, dtype=float) for v in ([100] * 4, [30] * 4, [1] * 4, [80] * 4, [20] * 4))
    )
    values = np.array([[30.0, 25.0], [20.0, 30.0], [25.0, 20.0], [35.0, 15.0]])
    inputs = StressInputs(
        units=["a", "b", "c", "d"],
        method=method,
        values=values,
        police=counts,
        police_history=np.full((4, 2), 100.0),
        independent_history=np.full((4, 2), 60.0),
        tables=[None] * 4,
    )
    result = stress_run(inputs, shares=(0.5,), modes=("random",), draws=10, seed=1)
    assert not result["passes"] and result["raised_expected"]
