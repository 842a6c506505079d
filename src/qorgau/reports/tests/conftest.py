"""A small hand-made set of stored indicator values, enough for every report section."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from qorgau.conftest import ABAI, ALMATY_CITY, COUNTRY, KURCHATOV, SEMEY
from qorgau.monitoring.models import Alert, AlertKind, ComputationRun, IndicatorValue
from qorgau.monitoring.periods import period_parse
from qorgau.territory.models import Territory

ASTANA = "710000000"
PERIODS = ("2022", "2023", "2024", "2024Q3", "2024Q4")
# indicator → {KATO code → value in 2024}; other periods are scaled from it.
VALUES_2024: dict[str, dict[str, float]] = {
    "victims_rate": {
        COUNTRY: 123.456,
        ABAI: 141.25,
        ALMATY_CITY: 98.7,
        ASTANA: 110.04,
        SEMEY: 150.55,
        KURCHATOV: 88.12,
    },
    "incidents_rate": {
        COUNTRY: 210.9,
        ABAI: 250.37,
        ALMATY_CITY: 180.0,
        ASTANA: 1234.5,
        SEMEY: 260.0,
        KURCHATOV: 199.99,
    },
    "orders_per_incident": {
        COUNTRY: 0.8123,
        ABAI: 0.7712,
        ALMATY_CITY: 0.9,
        ASTANA: 0.85,
        SEMEY: 0.75,
        KURCHATOV: 0.8,
    },
}
SCALE = {"2022": 0.8, "2023": 0.9, "2024": 1.0, "2024Q3": 0.26, "2024Q4": 0.24}


def make_values() -> dict[tuple[str, str, str], IndicatorValue]:
    now = timezone.now()
    ComputationRun.objects.create(
        started_at=now - dt.timedelta(minutes=5), finished_at=now, values_written=90
    )
    territories = {
        code: Territory.objects.by_code(code)
        for code in {c for values in VALUES_2024.values() for c in values}
    }
    stored = {}
    for indicator, by_code in VALUES_2024.items():
        for code, value in by_code.items():
            for period in PERIODS:
                parsed = period_parse(period)
                scaled = value * SCALE[period] if "rate" in indicator else value
                stored[(indicator, code, period)] = IndicatorValue.objects.create(
                    indicator=indicator,
                    territory=territories[code],
                    period=period,
                    period_kind=parsed.kind,
                    period_start=parsed.start,
                    numerator=round(scaled * 10),
                    denominator=1000.0,
                    value=scaled,
                    low=scaled * 0.9,
                    high=scaled * 1.1,
                    computed_at=now,
                )
    Alert.objects.create(
        territory=territories[SEMEY],
        indicator="victims_rate",
        period="2024Q4",
        kind=AlertKind.SPIKE,
        observed=40,
        expected=20.5,
        p_value=0.0012,
        computed_at=now,
    )
    return stored


@pytest.fixture
def report_values(db: Any) -> dict[tuple[str, str, str], IndicatorValue]:
    return make_values()
