"""Harm from registers the akimat does not control, and concealment detection (issue 22)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qorgau.rating.concealment import discordance
from qorgau.rating.models import RatingMethod
from qorgau.rating.services import method_current, method_store, rating_run
from qorgau.rating.sources import SOURCE_INDICATORS
from qorgau.rating.tests import fixtures
from qorgau.registry.models import RegisterRecord
from qorgau.territory.models import Level, Territory, TerritoryPopulation

pytestmark = pytest.mark.django_db
YEARS = (2022, 2023, 2024)


def district_of(kato: str) -> Territory:
    region = Territory.objects.valid_on(dt.date(2024, 12, 31)).get(kato_code=kato)
    return Territory.objects.filter(parent=region, level=Level.DISTRICT).order_by("pk")[0]


def records(kato: str, year: int, register: str, n: int, injury: str = "") -> None:
    district = district_of(kato)
    RegisterRecord.objects.bulk_create(
        RegisterRecord(
            register=register,
            source="test",
            source_record_id=f"{kato}-{year}-{register}-{injury}-{k}",
            district=district,
            seen_on=dt.date(year, 3, 1),
            injury=injury,
        )
        for k in range(n)
    )


def police(kato: str, year: int, incidents: float, victims: float) -> None:
    fixtures.put("incidents_rate", kato, year, incidents)
    fixtures.put("victims_rate", kato, year, victims)
    from qorgau.monitoring.models import IndicatorValue

    for code, n in (("incidents_rate", incidents), ("victims_rate", victims)):
        IndicatorValue.objects.filter(
            indicator=code, territory__kato_code=kato, period=str(year)
        ).update(numerator=n)


def country(hiding: dict[str, float] | None = None) -> None:
    """Five regions with steady police and independent registers; ``hiding`` halves (or
    scales) one region's 2024 police registrations while the other registers stay put."""
    for year in YEARS:
        fixtures.load(fixtures.VALUES_2024, year)
        for n, kato in enumerate(fixtures.REGIONS):
            share = (hiding or {}).get(kato, 1.0) if year == 2024 else 1.0
            police(kato, year, 100 * share, 80 * share)
            records(kato, year, "health", 20 + 4 * n, injury="light")
            records(kato, year, "crisis_centre", 10 + n)
            records(kato, year, "line_111", 30)
        records(fixtures.ABAI, year, "health", 50)  # visits without an injury: not harm


def test_harm_is_counted_from_registers_outside_the_police():
    country()
    run = rating_run(year=2024, draws=20)
    assert run.method_version == 4
    assert "domestic_homicide_rate" not in run.summary["indicators"]
    abai = run.results.get(territory__kato_code=fixtures.ABAI)
    people = TerritoryPopulation.objects.filter(territory=abai.territory).order_by("-year")[0].total
    injuries = abai.indicators.get(indicator="health_violence_injuries_rate")
    assert injuries.value == pytest.approx(10_000 * 20 / people)  # the 50 visits not counted
    assert injuries.value is not None and injuries.low is not None and injuries.high is not None
    assert injuries.low < injuries.value < injuries.high
    share = abai.indicators.get(indicator="police_share_of_independent")
    assert share.value == pytest.approx(100 * 80 / (20 + 10 + 30))
    worse = run.results.get(territory__kato_code=fixtures.ATYRAU)  # most injuries, most clients
    assert worse.groups["harm"] < abai.groups["harm"]
    assert not any(r.flags for r in run.results.all())


def test_a_fall_in_police_registrations_alone_is_flagged_and_lowers_detection(make_user, signed_in):
    country()
    honest = rating_run(year=2024, draws=20).results.get(territory__kato_code=fixtures.AKMOLA)
    RegisterRecord.objects.all().delete()
    from qorgau.monitoring.models import IndicatorValue

    IndicatorValue.objects.all().delete()
    country(hiding={fixtures.AKMOLA: 0.5})
    run = rating_run(year=2024, draws=20)
    hiding = run.results.get(territory__kato_code=fixtures.AKMOLA)
    assert hiding.flags == ["registration_fell", "concealment"]
    assert hiding.groups["detection"] < honest.groups["detection"]
    assert hiding.score is not None and honest.score is not None
    assert hiding.score < honest.score and hiding.rank >= honest.rank
    evidence = run.summary["concealment"][fixtures.AKMOLA]
    assert evidence["flagged"] and (evidence["police_before"], evidence["police_now"]) == (100, 50)
    assert evidence["independent_now"] == evidence["independent_before"]
    assert evidence["residual"] < -evidence["threshold"]
    cell = hiding.indicators.get(indicator="registration_discordance")
    assert cell.value == pytest.approx(100 * np.log(50.5 / 100.5), rel=0.01)
    assert not any(r.flags for r in run.results.exclude(pk=hiding.pk))
    from qorgau.accounts.roles import Role
    from qorgau.conftest import COUNTRY

    client = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    page = client.get(f"/rating/run/{run.pk}/").content.decode()
    assert "police registrations fell behind the independent registers" in page
    assert 'id="concealment"' in page


def test_a_fall_seen_by_every_register_is_not_concealment():
    police_counts = np.array([[100, 100, 50], [100, 100, 100], [100, 100, 100], [90, 95, 100]])
    independent = np.array([[60, 60, 30], [60, 60, 60], [60, 60, 60], [60, 60, 60]])
    found = discordance(police_counts, independent)
    assert found.flagged == [False] * 4
    assert found.value[0] == pytest.approx(0.0, abs=3)  # both halved: no discordance
    hidden = police_counts.copy()
    hidden[0, -1] = 25  # the police fell further than the others
    after = discordance(hidden, independent)
    assert after.flagged[0] and after.value[0] < found.value[0]


def test_the_discordance_never_rewards_registering_less():
    rng = np.random.default_rng(3)
    police_counts = rng.poisson(100, size=(8, 4)).astype(float)
    independent = rng.poisson(70, size=(8, 4)).astype(float)
    base = discordance(police_counts, independent).value
    for share in (0.1, 0.3, 0.5, 0.9):
        for u in range(8):
            hidden = police_counts.copy()
            hidden[u, -1] *= 1 - share
            assert discordance(hidden, independent).value[u] <= base[u] + 1e-12


def test_a_method_may_score_the_rating_s_own_indicators_only_in_their_direction():
    text = method_current().content.replace("version: 4", "version: 5")
    flipped = text.replace(
        "{code: health_violence_injuries_rate, direction: -1",
        "{code: health_violence_injuries_rate, direction: 1",
    )
    with pytest.raises(ValueError, match="lower is better for 'health_violence_injuries_rate'"):
        method_store(text=flipped)
    assert method_store(text=text).version == 5
    assert set(SOURCE_INDICATORS) >= {"calls_111_per_10k", "registration_discordance"}
    assert RatingMethod.objects.filter(name="default", version=2).exists()  # still viewable


def test_social_services_records_are_counted_per_10000():
    """Available to methods (not scored by default-v3 or v4: a record is both need and reach)."""
    from qorgau.rating.sources import counts_read, source_values

    country()
    records(fixtures.AKTOBE, 2024, "social", 12)
    units = [
        Territory.objects.valid_on(dt.date(2024, 12, 31)).get(kato_code=k) for k in fixtures.REGIONS
    ]
    values, found = source_values(counts_read(units, [2023, 2024]))
    people = TerritoryPopulation.objects.filter(territory=units[2]).order_by("-year")[0].total
    assert values["social_support_per_10k"][2] == pytest.approx(10_000 * 12 / people)
    assert values["social_support_per_10k"][0] == 0
    assert found.flagged == [False] * 5
