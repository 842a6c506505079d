"""Read queries over the stored indicator values, shared by the dashboards and exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from qorgau.monitoring.catalogue import Indicator, catalogue_load
from qorgau.monitoring.models import ComputationRun, IndicatorValue
from qorgau.monitoring.periods import Period, PeriodKind, period_parse, year
from qorgau.territory.models import Territory


@dataclass(frozen=True)
class KeyFigure:
    indicator: Indicator
    value: IndicatorValue | None
    previous: IndicatorValue | None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        if self.value.value is None or self.previous.value is None:
            return None
        return self.value.value - self.previous.value

    @property
    def significant(self) -> bool:
        """Whether the two 95% intervals do not overlap (a conservative test of change)."""
        v, p = self.value, self.previous
        if not v or not p or None in (v.low, v.high, p.low, p.high):
            return False
        return bool(v.low > p.high or v.high < p.low)  # type: ignore[operator]


def last_run() -> ComputationRun | None:
    return ComputationRun.objects.filter(finished_at__isnull=False).first()


def latest_year(today: dt.date | None = None) -> Period | None:
    """The year a page opens on: the newest *ended* year with values.

    A year still running is incomplete (its counts look like a sharp fall beside a whole year)
    and a future year holds only what is already dated in it (coordination deadlines), so
    neither is chosen while an ended year has values; the current year is the fallback of an
    installation whose data all fall in it.
    """
    today = today or timezone.localdate()
    years = IndicatorValue.objects.filter(period_kind=PeriodKind.YEAR).order_by("-period_start")
    ended = years.filter(period_start__lt=dt.date(today.year, 1, 1))
    newest = ended.values_list("period", flat=True).first()
    if newest is None:
        current = years.filter(period_start=dt.date(today.year, 1, 1))
        newest = current.values_list("period", flat=True).first()
    return period_parse(newest) if newest else None


def is_complete(period: Period, today: dt.date | None = None) -> bool:
    """Whether the period has ended: only then are its counts comparable with other periods."""
    return period.end < (today or timezone.localdate())


def previous_period(period: Period) -> Period:
    if period.kind == PeriodKind.YEAR:
        return year(period.start.year - 1)
    if period.kind == PeriodKind.QUARTER:
        number = (period.start.month - 1) // 3 + 1
        code = f"{period.start.year}Q{number - 1}" if number > 1 else f"{period.start.year - 1}Q4"
        return period_parse(code)
    month = period.start.month
    code = f"{period.start.year}-{month - 1:02d}" if month > 1 else f"{period.start.year - 1}-12"
    return period_parse(code)


def key_figures(territory: Territory, period: Period) -> list[KeyFigure]:
    """Every computable indicator's total for a territory, beside the previous period."""
    before = previous_period(period)
    values = {
        (v.indicator, v.period): v
        for v in IndicatorValue.objects.filter(
            territory=territory, breakdown="", period__in=[period.code, before.code]
        )
    }
    return [
        KeyFigure(
            indicator,
            values.get((indicator.code, period.code)),
            values.get((indicator.code, before.code)),
        )
        for indicator in catalogue_load().indicators
        if (indicator.code, period.code) in values
    ]


def unit_values(indicator: str, period: Period, parent: Territory) -> QuerySet[IndicatorValue]:
    """The values of the units directly under ``parent`` (regions, or districts of a region)."""
    return (
        IndicatorValue.objects.filter(
            indicator=indicator, period=period.code, breakdown="", territory__parent=parent
        )
        .select_related("territory")
        .order_by("territory__kato_code")
    )


def trend(
    indicator: str, territory: Territory, kind: PeriodKind = PeriodKind.YEAR
) -> QuerySet[IndicatorValue]:
    """The series by period up to the current one: a future period holds only deadlines."""
    return IndicatorValue.objects.filter(
        indicator=indicator,
        territory=territory,
        breakdown="",
        period_kind=kind,
        period_start__lte=timezone.localdate(),
    ).order_by("period_start")


def breakdowns(indicator: str, territory: Territory, period: Period) -> QuerySet[IndicatorValue]:
    return (
        IndicatorValue.objects.filter(indicator=indicator, territory=territory, period=period.code)
        .exclude(breakdown="")
        .order_by("breakdown")
    )
