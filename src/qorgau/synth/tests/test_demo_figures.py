"""The demo's figures look like Kazakhstan's: rates, violence types and phone numbers."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from qorgau.citizens.synthesis import _directory
from qorgau.conftest import COUNTRY
from qorgau.monitoring.engine import _population
from qorgau.monitoring.population import population_scale
from qorgau.registry import models as rm
from qorgau.synth.phones import MOBILE_PREFIXES, mobile_number
from qorgau.synth.services import synth_clear, synth_run
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 12, 31)
SCALE = 0.005


@pytest.fixture
def sample() -> None:
    synth_clear()
    synth_run(first_year=2024, last_year=2024, scale=SCALE, seed=3, today=DAY)


def _share(**flag: bool) -> float:
    incidents = rm.Incident.objects.filter(source="synth")
    return incidents.filter(**flag).count() / incidents.count()


def test_every_violence_type_is_recorded_with_a_plausible_share(sample: None) -> None:
    """The flags were numpy booleans stored as blobs: every type but physical counted 0%."""
    assert 0.6 < _share(psychological=True) < 0.8
    assert 0.05 < _share(economic=True) < 0.15
    assert 0.005 < _share(sexual=True) < 0.1
    assert 0.5 < _share(physical=True) < 1


def test_rates_of_a_synthetic_sample_use_the_population_it_stands_for(sample: None) -> None:
    """A 0.5% sample over the real population gave 2-3 incidents per 100,000, not ~500."""
    assert population_scale() == SCALE
    country = Territory.objects.by_code(COUNTRY)
    population = _population(None)(country.pk, 2024)
    assert population is not None
    incidents = rm.Incident.objects.filter(source="synth", occurred_at__year=2024).count()
    assert 300 < incidents / population * 100_000 < 1_000


def test_every_per_capita_figure_divides_by_the_people_its_numerator_stands_for(
    sample: None,
) -> None:
    """Counts of the sample divide by the scaled population (the indicators, the rating's own
    rates); money is never a sample, so the budget's spending per head and the indicator
    ``spending_per_capita`` divide by every resident and agree (8,969 against 179 tenge)."""
    from qorgau.budget.selectors import population_of
    from qorgau.monitoring.catalogue import catalogue_load
    from qorgau.monitoring.population import population_nearest

    country = Territory.objects.by_code(COUNTRY)
    whole = population_of([country.pk], 2024)[country.pk]
    assert _population(None, sampled=False)(country.pk, 2024) == whole
    assert population_nearest([country.pk], 2024) == {country.pk: whole * SCALE}
    spending = catalogue_load().get("spending_per_capita")
    assert spending.denominator.measure == "population_whole"


def test_real_data_keep_their_population(sample: None) -> None:
    synth_clear()
    assert population_scale() == 1.0


def test_phone_numbers_are_varied_kazakh_mobiles_and_follow_the_seed() -> None:
    numbers = [mobile_number(np.random.default_rng([5, 7])) for _ in range(2)]
    assert numbers[0] == numbers[1]
    rng = np.random.default_rng(1)
    drawn = [mobile_number(rng) for _ in range(200)]
    pattern = re.compile(r"^\+7 (\d{3}) \d{3} \d{2} \d{2}$")
    assert all((m := pattern.match(n)) and m.group(1) in MOBILE_PREFIXES for n in drawn)
    assert len(set(drawn)) > 190 and len({n[3:6] for n in drawn}) > 6


def test_the_synthetic_directory_has_no_placeholder_numbers() -> None:
    regions = list(Territory.objects.current().regions())
    services = _directory(regions, np.random.default_rng(1))
    regional = [s.phone for s in services if s.region_id is not None]
    assert "+7 700 000 00 00" not in regional
    assert len(set(regional)) > len(regional) * 0.9
