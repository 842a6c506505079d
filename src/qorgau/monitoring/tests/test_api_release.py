"""The indicator-values API gives each role what its downloads give it: exact stored figures
to the statistics roles, the protected release to everyone else (it used to give every role
with the aggregates permission the exact small counts the downloads withheld)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, COUNTRY, SEMEY
from qorgau.monitoring.models import IndicatorValue
from qorgau.monitoring.periods import period_parse
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db


def _value(code: str, count: float) -> None:
    period = period_parse("2025")
    IndicatorValue.objects.create(
        indicator="incidents_rate",
        territory=Territory.objects.by_code(code),
        period=period.code,
        period_kind=period.kind,
        period_start=period.start,
        numerator=count,
        denominator=320_000,
        value=count / 32,
        computed_at=timezone.now(),
    )


def _semey_row(client) -> dict:
    response = client.get("/api/v1/indicator-values/?indicator=incidents_rate&period=2025")
    assert response.status_code == 200
    return next(r for r in response.json()["results"] if r["territory_code"] == SEMEY)


def test_a_coordinator_gets_the_release_and_the_analyst_the_stored_figure(make_user, signed_in):
    _value(COUNTRY, 3_000)
    _value(ABAI, 120)
    _value(SEMEY, 3)
    coordinator = signed_in(make_user(Role.AKIMAT_COORDINATOR, ABAI))
    banded = _semey_row(coordinator)
    assert banded["numerator"] is None and banded["numerator_flag"] == "<5"
    assert banded["value"] is None and banded["note"]
    analyst = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    exact = _semey_row(analyst)
    assert exact["numerator"] == 3 and "numerator_flag" not in exact


def test_larger_counts_reach_the_coordinator_perturbed_by_at_most_the_published_shift(
    make_user, signed_in
):
    _value(SEMEY, 400)
    row = _semey_row(signed_in(make_user(Role.AKIMAT_COORDINATOR, ABAI)))
    assert row["numerator_flag"] == "" and abs(row["numerator"] - 400) <= 2
    assert row["value"] == pytest.approx(row["numerator"] / 320_000 * 100_000, rel=1e-6)
