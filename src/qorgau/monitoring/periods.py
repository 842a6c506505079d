"""Reporting periods: a year ``2024``, a quarter ``2024Q4`` or a month ``2024-10``.

The same notation is used by every command, page, API parameter and export. Periods are
calendar periods in Asia/Almaty time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodKind(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


class PeriodError(ValueError):
    """Text that is not a period."""


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    kind: PeriodKind
    code: str

    def __str__(self) -> str:
        return self.code

    @property
    def months(self) -> list[Period]:
        return list(months_between(self.start, self.end))

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def month(year: int, number: int) -> Period:
    return Period(
        dt.date(year, number, 1), _month_end(year, number), PeriodKind.MONTH, f"{year}-{number:02d}"
    )


def quarter(year: int, number: int) -> Period:
    first = 3 * (number - 1) + 1
    return Period(
        dt.date(year, first, 1), _month_end(year, first + 2), PeriodKind.QUARTER, f"{year}Q{number}"
    )


def year(number: int) -> Period:
    return Period(dt.date(number, 1, 1), dt.date(number, 12, 31), PeriodKind.YEAR, str(number))


def period_parse(text: str) -> Period:
    """``2024`` → the year, ``2024Q4`` → the quarter, ``2024-10`` → the month."""
    value = text.strip().upper()
    try:
        if match := _YEAR.match(value):
            return year(int(match[1]))
        if match := _QUARTER.match(value):
            return quarter(int(match[1]), int(match[2]))
        if match := _MONTH.match(value):
            return month(int(match[1]), int(match[2]))
    except ValueError:  # year 0000, or a period ending after 9999-12-31
        pass
    raise PeriodError(
        f"{text!r} is not a period: write a year (2024), a quarter (2024Q4) or a month (2024-10)."
    )


def months_between(start: dt.date, end: dt.date) -> Iterator[Period]:
    current = dt.date(start.year, start.month, 1)
    while current <= end:
        yield month(current.year, current.month)
        current = _month_end(current.year, current.month) + dt.timedelta(days=1)


def periods_containing(day: dt.date) -> list[Period]:
    """The month, quarter and year that contain ``day``."""
    return [month(day.year, day.month), quarter(day.year, (day.month - 1) // 3 + 1), year(day.year)]
