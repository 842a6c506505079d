"""Calendar-month arithmetic, written once.

Terms in the law run in calendar months, not in days, and periods step month by month. A day
the target month lacks is clamped to its last day: 31 January + 1 month is 28 February (29 in
a leap year).
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TypeVar

D = TypeVar("D", bound=dt.date)


def add_months(day: D, months: int) -> D:
    """``day`` moved by ``months`` (negative: back), clamped to the end of a shorter month.

    A ``datetime`` keeps its time of day.
    """
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return day.replace(year=year, month=month0 + 1, day=min(day.day, last))
