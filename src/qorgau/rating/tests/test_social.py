"""Social disadvantage and deaths from the yearly returns (``social.py``), scored by default-v4."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qorgau.rating.services import method_current, method_load, rating_run
from qorgau.rating.social import (
    CENTRE_COVERAGE,
    CHILDREN_AT_RISK,
    CODES,
    DEATHS,
    SUPPORTED_SHARE,
    returns_read,
    social_values,
)
from qorgau.rating.sources import SOURCE_INDICATORS
from qorgau.rating.tests import fixtures
from qorgau.registry.models import SocialReturn
from qorgau.territory.models import Level, Territory, TerritoryPopulation

pytestmark = pytest.mark.django_db
YEAR = 2024
END = dt.date(YEAR, 12, 31)


def region(kato: str) -> Territory:
    return Territory.objects.valid_on(END).get(kato_code=kato)


def districts(kato: str) -> list[Territory]:
    return list(
        Territory.objects.valid_on(END)
        .filter(parent=region(kato), level=Level.DISTRICT)
        .order_by("kato_code")
    )


def set_population(territory: Territory, total: int) -> None:
    TerritoryPopulation.objects.filter(territory=territory).delete()
    TerritoryPopulation.objects.create(territory=territory, year=YEAR, total=total, source="test")


def returns(kato: str, *, deaths: int = 1, first_served: bool = True, **figures: int) -> None:
    """Returns for every district of a region: ``figures`` go to the first district, the
    others report 10 identified, 5 supported, 2 children, no centre; deaths in the first."""
    for n, district in enumerate(districts(kato)):
        first = n == 0
        SocialReturn.objects.create(
            district=district,
            year=YEAR,
            source="social services",
            families_identified=figures.get("identified", 10) if first else 10,
            families_supported=figures.get("supported", 5) if first else 5,
            children_at_risk=figures.get("children", 2) if first else 2,
            support_centres=1 if first and first_served else 0,
        )
        SocialReturn.objects.create(
            district=district, year=YEAR, source="forensic", deaths=deaths if first else 0
        )


def country(deaths: dict[str, int] | None = None) -> None:
    """Five regions rated on the fixtures' values, each with returns from every district."""
    fixtures.load()
    for n, kato in enumerate(fixtures.REGIONS):
        returns(kato, deaths=(deaths or {}).get(kato, 1 + n), identified=20 + 10 * n)


def test_the_indicators_on_a_hand_made_region():
    abai = region(fixtures.ABAI)
    parts = districts(fixtures.ABAI)
    set_population(abai, 200_000)
    for k, district in enumerate(parts):
        set_population(district, 200_000 if k == 0 else 100_000)
    returns(fixtures.ABAI, deaths=3, identified=40, supported=30, children=20)
    # a second body reporting deaths for the first district: the larger count, never the sum
    SocialReturn.objects.create(district=parts[0], year=YEAR, source="civil registry", deaths=2)
    counts = returns_read([abai], YEAR)
    values = {code: float(v[0]) for code, v in social_values(counts).items()}
    rest = len(parts) - 1
    assert counts.identified[0] == 40 + 10 * rest and counts.supported[0] == 30 + 5 * rest
    assert values[SUPPORTED_SHARE] == pytest.approx(100 * (30 + 5 * rest) / (40 + 10 * rest))
    assert values[CHILDREN_AT_RISK] == pytest.approx(10_000 * (20 + 2 * rest) / 200_000)
    assert values[DEATHS] == pytest.approx(100_000 * 3 / 200_000)  # 3, not 3 + 2
    assert values[CENTRE_COVERAGE] == pytest.approx(100 * 200_000 / (200_000 + 100_000 * rest))


def test_a_district_without_a_return_leaves_the_figure_unknown():
    returns(fixtures.AKMOLA)
    akmola = region(fixtures.AKMOLA)
    SocialReturn.objects.filter(district=districts(fixtures.AKMOLA)[-1], source="forensic").delete()
    values = social_values(returns_read([akmola], YEAR))
    assert np.isnan(values[DEATHS][0])  # counted as the worst by the rating, never as fewer
    assert not np.isnan(values[SUPPORTED_SHARE][0])
    assert np.isnan(social_values(returns_read([region(fixtures.ATYRAU)], YEAR))[DEATHS][0])


def test_default_v4_scores_social_disadvantage_and_deaths():
    country()
    run = rating_run(year=YEAR, draws=20)
    assert (run.method_name, run.method_version) == ("default", 4)
    method = method_load(method_current()).method
    assert set(CODES) <= set(method.codes)
    assert {SOURCE_INDICATORS[c].better for c in CODES} == {"higher", "lower"}
    abai = run.results.get(territory__kato_code=fixtures.ABAI)
    assert abai.groups["social"] is not None
    for code in (SUPPORTED_SHARE, CHILDREN_AT_RISK, DEATHS):
        cell = abai.indicators.get(indicator=code)
        assert cell.value is not None and not cell.imputed and (cell.weight or 0) > 0
    deaths = abai.indicators.get(indicator=DEATHS)
    people = TerritoryPopulation.objects.filter(territory=abai.territory).order_by("-year")[0].total
    assert deaths.value == pytest.approx(100_000 * 1 / people, rel=1e-5)  # stored rounded
    assert deaths.value is not None and deaths.low is not None and deaths.high is not None
    assert deaths.low < deaths.value < deaths.high


def test_a_region_with_more_deaths_scores_lower():
    country()
    before = rating_run(year=YEAR, draws=0).results.get(territory__kato_code=fixtures.AKTOBE)
    SocialReturn.objects.filter(district=districts(fixtures.AKTOBE)[0], source="forensic").update(
        deaths=30
    )
    after = rating_run(year=YEAR, draws=0).results.get(territory__kato_code=fixtures.AKTOBE)
    assert after.score is not None and before.score is not None
    assert after.score < before.score
    assert after.groups["harm"] < before.groups["harm"]
    assert after.groups["social"] == pytest.approx(before.groups["social"])


def test_hiding_police_incidents_does_not_move_them():
    """The stress test's copy after hiding: every new column is exactly as read."""
    from qorgau.rating.stress import Simulator, hide
    from qorgau.rating.stress_inputs import stress_inputs_read

    country()
    inputs = stress_inputs_read(method_load(method_current()).method, YEAR)
    columns = [inputs.method.codes.index(c) for c in CODES]
    simulator = Simulator(inputs)
    rng = np.random.default_rng(5)
    for u in range(len(inputs.units)):
        for share in (0.3, 0.9):
            for mode in ("random", "careful"):
                hidden = hide(inputs.police, u, share, mode, rng)
                after = simulator.values_after(u, hidden, rng)
                np.testing.assert_array_equal(after[:, columns], inputs.values[:, columns])
    assert not np.isnan(inputs.values[:, columns]).all()
