"""Unit costs, execution rates, spending per capita and the monitoring measures, on
hand-computed fixtures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from qorgau.budget import measures, selectors
from qorgau.budget.models import Allocation, Execution, Source, SubProgramme
from qorgau.conftest import ABAI, ALMATY_CITY
from qorgau.monitoring.models import IndicatorValue
from qorgau.territory.models import Territory, TerritoryPopulation

pytestmark = pytest.mark.django_db


def _region(code: str) -> Territory:
    return Territory.objects.by_code(code, on=dt.date(2024, 12, 31))


def _fixture() -> tuple[Territory, Territory]:
    """Abai: crisis centres 1,200,000 revised to 1,000,000; 3 months spent 300,000 + 250,000 +
    200,000 = 750,000 for 30 + 20 + 10 = 60 people and 600 + 500 + 400 = 1,500 bed-nights.
    Psychocorrection 400,000, spent 360,000 with 9 completions, 24 people served.
    Almaty city: crisis centres 2,000,000, spent 2,000,000 for 100 people."""
    abai, almaty = _region(ABAI), _region(ALMATY_CITY)
    crisis = SubProgramme.objects.get(code="crisis_centres")
    psycho = SubProgramme.objects.get(code="psychocorrection")
    Allocation.objects.create(sub_programme=crisis, region=abai, year=2024,
                              approved=Decimal(1200000), revised=Decimal(1000000),
                              source=Source.ENTRY)  # fmt: skip
    Allocation.objects.create(sub_programme=psycho, region=abai, year=2024,
                              approved=Decimal(400000), revised=Decimal(400000),
                              source=Source.ENTRY)  # fmt: skip
    Allocation.objects.create(sub_programme=crisis, region=almaty, year=2024,
                              approved=Decimal(2000000), revised=Decimal(2000000),
                              source=Source.ENTRY)  # fmt: skip
    for month, spent, people, nights in ((1, 300000, 30, 600), (2, 250000, 20, 500),
                                         (3, 200000, 10, 400)):  # fmt: skip
        Execution.objects.create(sub_programme=crisis, region=abai, year=2024, month=month,
                                 executed=Decimal(spent), people_served=people,
                                 bed_nights=nights, source=Source.ENTRY)  # fmt: skip
    Execution.objects.create(sub_programme=psycho, region=abai, year=2024, month=6,
                             executed=Decimal(360000), people_served=24, sessions=120,
                             completed=9, source=Source.ENTRY)  # fmt: skip
    Execution.objects.create(sub_programme=crisis, region=almaty, year=2024, month=12,
                             executed=Decimal(2000000), people_served=100,
                             source=Source.ENTRY)  # fmt: skip
    TerritoryPopulation.objects.update_or_create(
        territory=abai, year=2024, defaults={"total": 600000, "source": "test"}
    )
    TerritoryPopulation.objects.update_or_create(
        territory=almaty, year=2024, defaults={"total": 2000000, "source": "test"}
    )
    return abai, almaty


def test_ratio_rounds_half_up_and_refuses_zero():
    assert selectors.ratio(Decimal(10), 3) == Decimal("3.33")
    assert selectors.ratio(Decimal(5), 8) == Decimal("0.63")  # 0.625 rounds up
    assert selectors.ratio(Decimal(10), 0) is None


def test_unit_costs_by_sub_programme():
    abai, _almaty = _fixture()
    rows = {r["sub_programme"]: r for r in selectors.by_sub_programme(2024, abai)}
    crisis = rows["crisis_centres"]
    assert crisis["executed"] == Decimal(750000)
    assert crisis["rate"] == Decimal("75.00")  # 750,000 / 1,000,000 revised
    assert crisis["cost_per_person"] == Decimal("12500.00")  # 750,000 / 60
    assert crisis["cost_per_bed_night"] == Decimal("500.00")  # 750,000 / 1,500
    assert "cost_per_completed_programme" not in crisis
    psycho = rows["psychocorrection"]
    assert psycho["cost_per_completed_programme"] == Decimal("40000.00")  # 360,000 / 9
    assert psycho["cost_per_person"] == Decimal("15000.00")  # 360,000 / 24
    assert psycho["cost_per_session"] == Decimal("3000.00")  # 360,000 / 120
    assert psycho["rate"] == Decimal("90.00")


def test_national_unit_cost_pools_regions():
    _fixture()
    crisis = next(
        r for r in selectors.by_sub_programme(2024) if r["sub_programme"] == "crisis_centres"
    )
    # (750,000 + 2,000,000) / (60 + 100) = 17,187.5 → 17,187.50
    assert crisis["cost_per_person"] == Decimal("17187.50")
    assert crisis["rate"] == Decimal("91.67")  # 2,750,000 / 3,000,000


def test_spending_per_capita_by_region():
    abai, almaty = _fixture()
    rows = {r["region"]: r for r in selectors.by_region(2024)}
    assert rows[ABAI]["executed"] == Decimal(1110000)
    assert rows[ABAI]["per_capita"] == Decimal("1.85")  # 1,110,000 / 600,000
    assert rows[ABAI]["rate"] == Decimal("79.29")  # 1,110,000 / 1,400,000
    assert rows[ALMATY_CITY]["per_capita"] == Decimal("1.00")
    assert rows[ALMATY_CITY]["cost_per_person"] == Decimal("20000.00")


def test_months_show_the_cumulative_rate():
    abai, _almaty = _fixture()
    months = selectors.by_month(2024, abai)
    assert months[0]["cumulative_rate"] == Decimal("21.43")  # 300,000 / 1,400,000
    assert months[2]["cumulative"] == Decimal(750000)
    assert months[11]["cumulative_rate"] == Decimal("79.29")


def test_spending_beside_a_monitoring_indicator():
    abai, almaty = _fixture()
    IndicatorValue.objects.create(
        indicator="victims_rate", territory=abai, period="2024", period_kind="year",
        period_start=dt.date(2024, 1, 1), numerator=120, denominator=600000, value=20.0,
        computed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    rows = {r["region"]: r for r in selectors.spending_and_results(2024, "victims_rate")}
    assert rows[ABAI]["indicator_value"] == 20.0
    assert rows[ALMATY_CITY]["indicator_value"] is None


def test_measures_sit_on_the_region_and_spread_the_allocation(monkeypatch):
    abai, _almaty = _fixture()
    monkeypatch.setattr(measures, "_last_complete_month", lambda: dt.date(2024, 3, 31))
    allocated = [r for r in measures.budget_allocated(None) if r.district_id == abai.pk]
    assert {r.day.month for r in allocated} == {1, 2, 3}
    assert sum(r.weight for r in allocated) == pytest.approx(1400000 * 3 / 12)
    executed = [r for r in measures.budget_executed(None) if r.district_id == abai.pk]
    assert sum(r.weight for r in executed) == pytest.approx(1110000)
    assert {r.district_id for r in measures.budget_executed(None)} <= {
        t.pk for t in Territory.objects.regions()
    }
    from qorgau.monitoring.measures import MEASURE_FIELDS, MEASURES

    assert MEASURES["budget_allocated"] is measures.budget_allocated
    assert MEASURE_FIELDS["budget_executed"] == set()


def test_engine_tally_rolls_region_rows_to_region_and_country(monkeypatch):
    """The measures feed the engine as they are: a region row counts for the region and the
    country, and no district gets a value."""
    from qorgau.monitoring.catalogue import Term
    from qorgau.monitoring.engine import _TerritoryTree, tally

    abai, _almaty = _fixture()
    rows = list(measures.budget_executed(None))
    cells = tally(rows, Term("budget_executed", {}), (), _TerritoryTree.load(), False, None)
    country = Territory.objects.get(kato_code="000000000").pk
    assert cells[(abai.pk, "2024", "")] == pytest.approx(1110000)
    assert cells[(country, "2024", "")] == pytest.approx(3110000)
    districts = set(Territory.objects.districts().values_list("pk", flat=True))
    assert not {territory for territory, _p, _b in cells} & districts
