"""Small, hand-checkable indicator values for rating tests (stored as monitoring stores them)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qorgau.monitoring.models import IndicatorValue
from qorgau.rating.models import RatingMethod
from qorgau.rating.services import method_sync_builtin
from qorgau.territory.models import Territory

ABAI, AKMOLA, AKTOBE, ALMATY_REGION, ATYRAU = (
    "100000000",
    "110000000",
    "150000000",
    "190000000",
    "230000000",
)
REGIONS = [ABAI, AKMOLA, AKTOBE, ALMATY_REGION, ATYRAU]

# 2024 values per region, in the order of REGIONS; a best, e worst on most indicators.
VALUES_2024 = {
    "reporting_ratio": [40, 30, 25, 20, 15],
    "order_check_compliance": [95, 90, 80, 70, 60],
    "orders_within_one_day": [80, 70, 75, 60, 50],
    "crisis_centre_clients_rate": [60, 50, 40, 45, 30],
    "domestic_homicide_rate": [4, 6, 8, 10, 12],
    "grave_harm_rate": [10, 12, 11, 15, 20],
    "repeat_victimisation": [10, 12, 14, 16, 18],
    "incidents_rate": [300, 280, 260, 240, 220],
}
VALUES_2023 = {code: [v * 0.9 for v in values] for code, values in VALUES_2024.items()}


def put(code: str, kato: str, year: int, value: float | None, spread: float = 0.1) -> None:
    territory = Territory.objects.valid_on(dt.date(year, 12, 31)).get(kato_code=kato)
    IndicatorValue.objects.update_or_create(
        indicator=code,
        territory=territory,
        period=str(year),
        breakdown="",
        defaults={
            "period_kind": "year",
            "period_start": dt.date(year, 1, 1),
            "numerator": 0 if value is None else value,
            "denominator": 100,
            "value": value,
            "low": None if value is None else value * (1 - spread),
            "high": None if value is None else value * (1 + spread),
            "computed_at": timezone.now(),
        },
    )


def v2() -> RatingMethod:
    """Version 2 of the default method: harm from the police register (kept for the tests of
    its rules; version 3 counts harm from the registers outside the police)."""
    method_sync_builtin()
    return RatingMethod.objects.get(name="default", version=2)


def load(values: dict[str, list[float]] | None = None, year: int = 2024) -> None:
    for code, row in (values or VALUES_2024).items():
        for kato, value in zip(REGIONS, row, strict=True):
            put(code, kato, year, value)


def load_both_years() -> None:
    load(VALUES_2023, 2023)
    load(VALUES_2024, 2024)
