"""The computation's entry point, ``indicators_compute``: which indicators and periods a run
covers, and the run's record (``ComputationRun``) that the next incremental run starts from.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from qorgau.monitoring.catalogue import Catalogue, Indicator, catalogue_load
from qorgau.monitoring.engine.context import _Context
from qorgau.monitoring.engine.counting import _COLUMNS_CACHE, Progress, _TerritoryTree
from qorgau.monitoring.engine.figures import _awaits, _is_daily, _is_estimate, indicators_fed_by
from qorgau.monitoring.engine.incremental import _Incremental
from qorgau.monitoring.engine.values import _daily_values, _estimate_values, _indicator_values
from qorgau.monitoring.engine.writing import (
    _store,
    _store_day_figures,
    _store_first_counts,
    _stored_figures,
)
from qorgau.monitoring.measures import reading_session
from qorgau.monitoring.models import ComputationRun, IndicatorValue
from qorgau.monitoring.recount import recount_noted, recount_settle


@dataclass
class ComputeSummary:
    indicators_computed: int
    indicators_awaiting: list[str]
    values_written: int
    # the earlier day an incremental run started from, for records changed that are dated
    # before its ``since`` (``monitoring.recount``), else None
    recounted_from: dt.date | None = None


def indicators_compute(
    *,
    since: dt.date | None = None,
    progress: Progress | None = None,
    catalogue: Catalogue | None = None,
    only: Collection[str] | None = None,
    until: dt.date | None = None,
    window_start: dt.date | None = None,
) -> ComputeSummary:
    """Compute and store every indicator whose data exists; with ``since``, only the periods
    that contain a day from ``since`` on (its months, quarters and years).

    Records dated before ``since`` count as before, but only the cells of the affected periods
    are computed and compared with the stored ones, and only those that differ are written.
    ``since`` is moved back to the day the last run covering these indicators began, so that
    what was recorded since then (and the days the orders in force have been counted for) is
    never missed. ``only`` limits the work to those indicator codes (e.g. the ones a new
    estimate feeds). ``until`` (default today) is the last day whose periods an incremental
    computation covers: records are never dated later, so only a replay of history (the
    benchmark's "one day of new records" in a past year) sets it. ``window_start`` is the first
    day whose day figures a complete run keeps (default: the first day of the latest incident's
    month); an incremental run from a day in that window shifts only the cells the day touches.

    A run of every indicator also recounts from the days that changed records were noted on
    (``monitoring.recount``): an incremental run starts no later than the earliest, and the
    indicators of a measure noted alone (a re-offence after a programme) are recomputed from
    its own day. The notes it read are then settled; one made meanwhile waits for the next run.
    """
    if only is not None:
        return _compute(since, progress, catalogue, only, until, window_start)
    noted = recount_noted(timezone.now())
    recounted: dt.date | None = None
    if since is not None and noted.days.get("", since) < since:
        since = recounted = noted.days[""]
    summary = _compute(since, progress, catalogue, None, until, window_start)
    if since is not None:
        for measure, day in sorted(noted.days.items()):
            codes = indicators_fed_by(measure, catalogue) if measure else []
            if day < since and codes:
                summary.values_written += _compute(
                    day, None, catalogue, codes, until, None
                ).values_written
                recounted = min(day, recounted or day)
    recount_settle(noted)
    summary.recounted_from = recounted
    return summary


def _releasing_rows(compute: Callable[..., ComputeSummary]) -> Callable[..., ComputeSummary]:
    """Let go of the run's rows when it ends: a complete run's would hold gigabytes."""

    @functools.wraps(compute)
    def run(*args: Any) -> ComputeSummary:
        try:
            return compute(*args)
        finally:
            _COLUMNS_CACHE.clear()

    return run


@_releasing_rows
def _compute(
    since: dt.date | None,
    progress: Progress | None,
    catalogue: Catalogue | None,
    only: Collection[str] | None,
    until: dt.date | None,
    window_start: dt.date | None,
) -> ComputeSummary:
    catalogue = catalogue or catalogue_load()
    today = timezone.localdate()
    computable = [i for i in catalogue.indicators if not _awaits(i, catalogue)]
    awaiting = [i.code for i in catalogue.indicators if _awaits(i, catalogue)]
    if only is not None:
        computable = [i for i in computable if i.code in only]
    if since:
        since = min(since, _last_run_day({i.code for i in computable}) or since)
    window = _window(since, only, window_start, today)
    start = dt.date(since.year, 1, 1) if since else None
    run = ComputationRun.objects.create(
        started_at=timezone.now(), since=start, catalogue_version=catalogue.version
    )
    stored = IndicatorValue.objects.all()
    if only is not None:
        stored = stored.filter(indicator__in=list(only))
    incremental: _Incremental | None = None
    existing: dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]] | None = None
    if since:
        periods = affected_periods(since, until or today)
        shiftable = _complete_indicators(catalogue) & {i.code for i in computable}
        daily: set[str] = set()
        if window and since >= window:
            daily = {i.code for i in computable if i.code in shiftable and _is_daily(i)}
        # naming the indicators lets the database look the periods up by index
        codes = [i.code for i in catalogue.indicators] if only is None else list(only)
        # an estimate's indicator keeps its own cells (few: yearly, no breakdown), all read
        estimates = {i.code for i in computable if _is_estimate(i)}
        monthly = [code for code in codes if code not in daily or code in estimates]
        existing = (
            _stored_figures(stored.filter(indicator__in=monthly, period__in=sorted(periods)))
            if monthly
            else {}
        )
        incremental = _Incremental.of(since, until or today, periods, existing)
        incremental.shiftable = shiftable
        if daily:
            incremental.daily_from(since, daily)
    context = _Context(_TerritoryTree.load(), start, incremental, window)
    values: list[tuple[Any, ...]] = []
    daily_indicators: list[Indicator] = []
    with reading_session(until=incremental.to_day if incremental else None):
        for number, indicator in enumerate(computable, start=1):
            if progress:
                progress(number, len(computable), indicator.code)
            if incremental is not None and indicator.code in incremental.daily:
                if _is_estimate(indicator):
                    values.extend(_estimate_values(indicator, context))
                    continue
                context.day_deltas(indicator)
                daily_indicators.append(indicator)
                continue
            computed = _indicator_values(indicator, context)
            if incremental is not None:
                computed = [row for row in computed if row[2] in incremental.periods]
            values.extend(computed)
    if daily_indicators:
        shifted, touched = _daily_values(daily_indicators, context)
        values.extend(shifted)
        assert existing is not None
        existing.update(touched)
    with transaction.atomic():
        if existing is None:  # a full computation still writes only the cells that changed
            existing = _stored_figures(stored)
        written = _store(values, stored, timezone.now(), existing, context.unchanged)
        _store_first_counts(context, only)
        window = _store_day_figures(context, only, window)
        run.finished_at = timezone.now()
        run.values_written = written
        run.indicators = [i.code for i in computable]
        run.window_start = window
        run.save(update_fields=["finished_at", "values_written", "indicators", "window_start"])
    return ComputeSummary(len(computable), awaiting, written)


def _finished_runs() -> QuerySet[ComputationRun]:
    return ComputationRun.objects.filter(finished_at__isnull=False).order_by("-started_at")


def _last_run_day(codes: set[str]) -> dt.date | None:
    """The local day the latest finished run that computed all of ``codes`` began."""
    for started, computed in _finished_runs().values_list("started_at", "indicators")[:50]:
        if codes <= set(computed):
            return timezone.localtime(started).date()
    return None


def _window(
    since: dt.date | None, only: Collection[str] | None, start: dt.date | None, today: dt.date
) -> dt.date | None:
    """The first day whose day figures this run keeps.

    A complete run of every indicator starts the window at ``start`` or at the first day of the
    latest incident's month; any other run keeps the window it finds (none before the first
    complete run that kept one).
    """
    if since is None and only is None:
        if start is None:
            from qorgau.registry.models import Incident

            latest = Incident.objects.order_by("-occurred_at").values_list(
                "occurred_at", flat=True
            )[:1]
            start = min(timezone.localtime(latest[0]).date(), today) if latest else today
            start = start.replace(day=1)
        return start
    current: dt.date | None = _finished_runs().values_list("window_start", flat=True).first()
    return current


def _complete_indicators(catalogue: Catalogue) -> set[str]:
    """The indicators whose stored figures a complete run of this catalogue wrote last.

    Incremental runs keep them complete; a run of an older catalogue (or a part installed
    since) leaves figures an incremental run cannot shift, so those indicators are recomputed
    over the whole of their affected periods.
    """
    complete: set[str] = set()
    seen: set[str] = set()
    runs = ComputationRun.objects.filter(since__isnull=True, finished_at__isnull=False)
    for version, codes in runs.order_by("-started_at").values_list(
        "catalogue_version", "indicators"
    )[:50]:
        fresh = set(codes) - seen
        if version == catalogue.version:
            complete |= fresh
        seen |= fresh
    return complete


def affected_periods(since: dt.date, today: dt.date) -> set[str]:
    """The codes of every month, quarter and year holding a day from ``since`` to ``today``."""
    codes: set[str] = set()
    year, month = since.year, since.month
    last = (max(today, since).year, max(today, since).month)
    while (year, month) <= last:
        codes |= {f"{year}-{month:02d}", f"{year}Q{(month - 1) // 3 + 1}", str(year)}
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return codes
