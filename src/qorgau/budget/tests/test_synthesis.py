"""Synthetic budget: every region and year of the run, realistic execution, consistent outputs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from qorgau.budget import synthesis
from qorgau.budget.models import Allocation, AllocationRevision, Execution
from qorgau.registry.intake import RegisterRecordDraft, register_records_store
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db


def test_synthesis_covers_every_region_and_year():
    from qorgau.synth.models import SynthRun

    SynthRun.objects.create(
        seed=1, first_year=2023, last_year=2024, scale=0.5, last_day=dt.date(2024, 12, 31)
    )
    semey = Territory.objects.by_code("101000000", on=dt.date(2024, 6, 1))
    day = dt.date(2024, 5, 1)
    register_records_store(
        [RegisterRecordDraft("crisis_centre", f"c{i}", semey.pk, day) for i in range(6)],
        source="synth",
    )
    # A real crisis centre's import is not part of the synthetic volumes.
    register_records_store(
        [RegisterRecordDraft("crisis_centre", "r1", semey.pk, day)], source="crisis-semey"
    )
    # Semey under East Kazakhstan, before the 2022 reform: counted in today's Abai Region.
    semey_2021 = Territory.objects.by_code("101000000", on=dt.date(2021, 6, 1))
    assert semey_2021.parent.kato_code != "100000000"
    register_records_store(
        [RegisterRecordDraft("crisis_centre", "o1", semey_2021.pk, dt.date(2021, 6, 1))],
        source="synth",
    )
    volumes = synthesis._crisis_volumes(0.5)
    assert volumes == {("100000000", 2024): 12, ("100000000", 2021): 2}
    counts = synthesis.synthesise(seed=3)
    assert counts["allocations"] > 0 and counts["executions"] > 0
    regions_2024 = Territory.objects.regions().valid_on(dt.date(2024, 12, 31)).count()
    covered = Allocation.objects.filter(year=2024).values("region").distinct().count()
    assert covered == regions_2024
    # Crisis-centre money only where the registers saw crisis-centre clients (Abai, 2024),
    # serving the run's 6 synthetic records scaled back by 1 / 0.5.
    crisis = Execution.objects.filter(sub_programme__code="crisis_centres")
    assert set(crisis.values_list("region__kato_code", "year").distinct()) == {("100000000", 2024)}
    assert 10 <= crisis.aggregate(n=Sum("people_served"))["n"] <= 14
    for allocation in Allocation.objects.all():
        spent = Execution.objects.filter(
            sub_programme=allocation.sub_programme, region=allocation.region, year=allocation.year
        ).aggregate(s=Sum("executed"))["s"] or Decimal(0)
        assert Decimal("0.6") * allocation.revised <= spent <= allocation.revised
    assert AllocationRevision.objects.filter(number=1).count() == Allocation.objects.count()
    synthesis.clear()
    assert not Allocation.objects.exists() and not AllocationRevision.objects.exists()
