"""Measures supplied by a higher part through the provider registry (no import of it here)."""

from __future__ import annotations

import datetime as dt

import pytest

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, COUNTRY, SEMEY
from qorgau.monitoring import measures
from qorgau.monitoring.engine import indicators_compute, indicators_fed_by
from qorgau.monitoring.models import IndicatorValue
from qorgau.monitoring.tests.test_engine import _incident
from qorgau.registry import services as s
from qorgau.territory.models import Territory


@pytest.fixture
def fake_estimates(monkeypatch):
    cells: list[measures.EstimateCell] = []
    monkeypatch.setitem(measures.ESTIMATE_PROVIDERS, "estimated_true_victims", lambda: cells)
    return cells


@pytest.mark.django_db
def test_reporting_ratio_divides_registered_victims_by_the_estimate(
    fake_estimates, make_user, signed_in
):
    root = make_user(Role.POLICE_SUPERVISOR, ABAI, is_superuser=True, username="root")
    offender = s.person_register(actor=root, sex="M", birth_year=1980, audit=False)
    for day in (dt.date(2024, 3, 1), dt.date(2024, 5, 1)):
        victim = s.person_register(actor=root, sex="F", birth_year=1990, audit=False)
        _incident(root, SEMEY, day, victim, offender)
    abai = Territory.objects.by_code(ABAI)
    fake_estimates.append(measures.EstimateCell(abai.pk, 2024, 10.0, 8.0, 16.0))
    indicators_compute()
    ratio = IndicatorValue.objects.get(indicator="reporting_ratio", territory=abai)
    assert ratio.period == "2024" and ratio.numerator == 2 and ratio.denominator == 10.0
    assert ratio.value == pytest.approx(100 * ratio.numerator / 10)
    assert (ratio.low, ratio.high) == pytest.approx(
        (100 * ratio.numerator / 16, 100 * ratio.numerator / 8)
    )
    rate = IndicatorValue.objects.get(indicator="estimated_victims_rate", territory=abai)
    assert rate.numerator == 10.0 and (rate.low or 0) < (rate.value or 0) < (rate.high or 0)
    assert not IndicatorValue.objects.filter(indicator="reporting_ratio", period_kind="month")

    # Only the indicators an estimate feeds are recomputed; the others stay.
    others = IndicatorValue.objects.exclude(
        indicator__in=indicators_fed_by("estimated_true_victims")
    )
    before = others.count()
    fake_estimates[0] = measures.EstimateCell(abai.pk, 2024, 20.0, 15.0, 30.0)
    indicators_compute(only=indicators_fed_by("estimated_true_victims"))
    assert others.count() == before
    assert IndicatorValue.objects.get(indicator="reporting_ratio", territory=abai).denominator == 20

    analyst = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    page = analyst.get(f"/monitoring/territory/{abai.pk}/?period=2024")
    assert "Estimated true victims" in page.content.decode()


@pytest.mark.django_db
def test_without_a_provider_the_measure_still_awaits_its_source(monkeypatch):
    monkeypatch.delitem(measures.ESTIMATE_PROVIDERS, "estimated_true_victims", raising=False)
    summary = indicators_compute()
    assert "reporting_ratio" in summary.indicators_awaiting


@pytest.mark.django_db
def test_the_reporting_ratio_follows_a_day_of_new_records(fake_estimates, make_user):
    """From a day inside the window, the ratio's registered victims move by that day's first
    counts (the day path), and equal what a full recomputation gives, first counts included."""
    from qorgau.monitoring.models import FirstCountedPersons

    root = make_user(Role.POLICE_SUPERVISOR, ABAI, is_superuser=True, username="root")
    offender = s.person_register(actor=root, sex="M", birth_year=1980, audit=False)
    victims = [s.person_register(actor=root, sex="F", audit=False) for _ in range(3)]
    _incident(root, SEMEY, dt.date(2024, 3, 1), victims[0], offender)
    _incident(root, SEMEY, dt.date(2024, 12, 2), victims[1], offender)
    abai = Territory.objects.by_code(ABAI)
    fake_estimates.append(measures.EstimateCell(abai.pk, 2024, 10.0, 8.0, 16.0))
    indicators_compute(window_start=dt.date(2024, 12, 1))

    def ratio():
        value = IndicatorValue.objects.get(indicator="reporting_ratio", territory=abai)
        return value.numerator, value.value

    def firsts():
        return sorted(
            FirstCountedPersons.objects.filter(indicator="reporting_ratio").values_list(
                "territory_id", "period", "month", "persons"
            )
        )

    assert ratio() == (2, pytest.approx(20.0))
    # a mark on the stored figure: only a shift keeps it
    IndicatorValue.objects.filter(indicator="reporting_ratio").update(numerator=102)
    # one victim counted already this year, one new
    _incident(root, SEMEY, dt.date(2024, 12, 20), victims[0], offender)
    _incident(root, SEMEY, dt.date(2024, 12, 21), victims[2], offender)
    indicators_compute(since=dt.date(2024, 12, 20))
    assert ratio() == (103, pytest.approx(1030.0))
    incremental = firsts()
    indicators_compute(window_start=dt.date(2024, 12, 1))
    assert ratio() == (3, pytest.approx(30.0))
    assert incremental == firsts()
