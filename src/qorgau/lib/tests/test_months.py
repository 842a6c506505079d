"""Calendar months: the carry into the year and the clamping to a shorter month."""

from __future__ import annotations

import datetime as dt

import pytest

from qorgau.lib.months import add_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),  # leap year
        (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
        (dt.date(2024, 11, 15), 3, dt.date(2025, 2, 15)),  # into the next year
        (dt.date(2024, 3, 31), -1, dt.date(2024, 2, 29)),  # back
        (dt.date(2024, 1, 10), -13, dt.date(2022, 12, 10)),
        (dt.date(2024, 5, 20), 0, dt.date(2024, 5, 20)),
    ],
)
def test_months_carry_into_the_year_and_clamp_to_the_month_end(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(day, months) == expected


def test_a_datetime_keeps_its_time() -> None:
    moment = dt.datetime(2024, 8, 31, 21, 40)
    assert add_months(moment, 1) == dt.datetime(2024, 9, 30, 21, 40)
