"""Reading and writing the stored figures: indicator values, day figures and first counts.

Plain SQL through the cursor on purpose: Django's per-row converters and ``bulk_create``'s
per-field preparation dominated the run time (see each function).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import QuerySet

from qorgau.monitoring.engine.counting import DayKey
from qorgau.monitoring.engine.figures import _same
from qorgau.monitoring.models import DayFigure, FirstCountedPersons, IndicatorValue
from qorgau.monitoring.reading import array_literal, plain_rows

if TYPE_CHECKING:
    from qorgau.monitoring.engine.context import _Context


_COMPARED = ("numerator", "denominator", "value", "low", "high")
StoredKey = tuple[str, int, str, str]  # indicator, territory, period code, breakdown


def _stored_figures(
    stored: QuerySet[IndicatorValue],
) -> dict[StoredKey, tuple[int, tuple[Any, ...]]]:
    """The stored cells with their primary key and figures (``_COMPARED``).

    Read through the cursor: every column is text, integer or float on both backends, so
    Django's per-row converters would only cost time (a third of an incremental run).
    """
    sql, params = (
        stored.values_list("indicator", "territory_id", "period", "breakdown", "pk", *_COMPARED)
        .query.get_compiler(stored.db)
        .as_sql()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(row[0], row[1], row[2], row[3]): (row[4], row[5:]) for row in cursor.fetchall()}


def _store(
    values: list[tuple[Any, ...]],
    stored: QuerySet[IndicatorValue],
    computed_at: dt.datetime,
    existing: dict[StoredKey, tuple[int, tuple[Any, ...]]],
    unchanged: set[StoredKey],
) -> int:
    """Make the stored cells hold ``values``; returns the rows written.

    The ``existing`` cells are compared first and only the cells whose figures changed are
    written, the cells that no longer have a value deleted: a day of new records changes a few
    hundred cells of the tens of thousands in a year, and a full recomputation changes few of
    the million cells of a national data set (deleting and inserting them all took four fifths
    of its time). ``unchanged`` cells were found equal while computing.
    """
    existing = {key: old for key, old in existing.items() if key not in unchanged}
    moved: list[tuple[int, tuple[Any, ...]]] = []
    added: list[tuple[Any, ...]] = []
    for row in values:
        old = existing.pop((row[0], row[1], row[2], row[5]), None)
        if old is None:
            added.append(row)
        elif not _same(old[1], row[6:11]):
            moved.append((old[0], row))
    outdated = [pk for pk, _figures in existing.values()]
    for offset in range(0, len(outdated), 900):
        gone = IndicatorValue.objects.filter(pk__in=outdated[offset : offset + 900])
        gone._raw_delete(gone.db)
    stamp = connection.ops.adapt_datetimefield_value(computed_at)
    _update_rows(
        IndicatorValue,
        (*_COMPARED, "computed_at"),
        [(*row[6:11], stamp, pk) for pk, row in moved],
    )
    _insert(added, computed_at)
    return len(moved) + len(added)


def _update_rows(model: type[Any], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Rewrite ``columns`` of stored rows in place, each row its new values and then its
    primary key, in one statement per chunk: the rows' new values are a table joined on the
    key. The cells' key columns stay; on SQLite no index is touched, where a delete and an
    insert would rewrite every index of the table (six on the stored values). On PostgreSQL
    a statement per row cost a round trip each (0.35 s for a day's 2,800 cells)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(["id", *(f"c{i}" for i in range(len(columns)))])
    types = ["bigint", *(model._meta.get_field(c).db_type(connection) for c in columns)]
    placeholders = ", ".join(["%s"] * len(types))
    assignments = ", ".join(f"{quote(c)} = v.c{i}" for i, c in enumerate(columns))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a column each, as an array: one short statement
            arrays = ", ".join(f"%s::{kind}[]" for kind in types)
            cursor.execute(
                # table and column names from the models, quoted; every value a parameter
                f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v ({names}) "  # noqa: S608
                f"WHERE {table}.id = v.id",
                [array_literal([row[-1] for row in rows])]
                + [array_literal([row[i] for row in rows]) for i in range(len(columns))],
            )
            return
        size = 30_000 // len(types)  # below SQLite's limit on parameters
        for offset in range(0, len(rows), size):
            chunk = rows[offset : offset + size]
            values = ", ".join([f"({placeholders})"] * len(chunk))
            cursor.execute(
                # table and column names from the models, quoted; every value a parameter
                f"WITH v ({names}) AS (VALUES {values}) "  # noqa: S608
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.id = v.id",
                [value for row in chunk for value in (row[-1], *row[:-1])],
            )


def _stored_cells(keys: list[StoredKey]) -> dict[StoredKey, tuple[int, tuple[Any, ...]]]:
    """The stored cells among ``keys``, as ``_stored_figures`` reads them, looked up by the
    unique index (a join with the keys as a table of values)."""
    table = connection.ops.quote_name(IndicatorValue._meta.db_table)
    columns = ", ".join(f"v.{c}" for c in ("indicator", "territory_id", "period", "breakdown"))
    figures = ", ".join(f"v.{c}" for c in ("id", *_COMPARED))
    found: dict[StoredKey, tuple[int, tuple[Any, ...]]] = {}
    join = (
        # table and column names from the models, quoted; every value a parameter
        f"SELECT {columns}, {figures} FROM k JOIN {table} v ON v.indicator = k.i "  # noqa: S608
        "AND v.territory_id = k.t AND v.period = k.p AND v.breakdown = k.b"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the keys as four arrays: one short statement
            cursor.execute(
                # table and column names from the models, quoted; every value a parameter
                f"WITH k (i, t, p, b) AS "  # noqa: S608
                f"(SELECT * FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::text[])) {join}",
                [array_literal([key[i] for key in keys]) for i in range(4)],
            )
            batches = [cursor.fetchall()]
        else:
            batches = []
            for offset in range(0, len(keys), 2_000):
                chunk = keys[offset : offset + 2_000]
                rows = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
                cursor.execute(
                    f"WITH k (i, t, p, b) AS (VALUES {rows}) {join}",
                    [value for key in chunk for value in key],
                )
                batches.append(cursor.fetchall())
    for batch in batches:
        for row in batch:
            found[row[0], row[1], row[2], row[3]] = (row[4], row[5:])
    return found


def _store_day_figures(
    context: _Context, only: Collection[str] | None, window: dt.date | None
) -> dt.date | None:
    """Replace the stored day figures from each term's first day on, and return the window.

    A complete run replaces all of them (or those of ``only``). The day path compares with
    the stored ones and writes only those that changed, then moves the window's start to the
    first day of the month before ``since``'s: a later run from an earlier day takes the
    month path, which needs none.
    """
    figures = DayFigure.objects.all()
    incremental = context.incremental
    if incremental is None:
        if only is not None:
            figures = figures.filter(indicator__in=list(only))
        figures._raw_delete(figures.db)
    rows: list[tuple[Any, ...]] = []
    moved: list[tuple[float, int]] = []
    outdated: list[int] = []
    stored = _month_path_day_figures(context)
    for (code, position), (_first, _last, fresh) in context.day_fresh.items():
        if incremental is None:
            rows.extend((code, position, *key, figure) for key, figure in fresh.items())
            continue
        if code in incremental.daily:
            before = dict(incremental.day_stored.get((code, position), {}))
        else:
            before = stored.get((code, position), {})
        for key, figure in fresh.items():
            old = before.pop(key, None)
            if old is None:
                rows.append((code, position, *key, figure))
            elif not math.isclose(old[1], figure, rel_tol=1e-9):
                moved.append((figure, old[0]))
        outdated.extend(pk for pk, _figure in before.values())
    _update_rows(DayFigure, ("figure",), moved)
    for offset in range(0, len(outdated), 900):
        gone = DayFigure.objects.filter(pk__in=outdated[offset : offset + 900])
        gone._raw_delete(gone.db)
    adapt = connection.ops.adapt_datefield_value
    columns = ("indicator", "term", "territory_id", "period", "breakdown", "day", "figure")
    _insert_rows(DayFigure, columns, ((*row[:5], adapt(row[5]), row[6]) for row in rows))
    if incremental is not None and incremental.daily and window is not None:
        since = incremental.from_day
        assert since is not None
        start = (since.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        if start > window:
            gone = DayFigure.objects.filter(day__lt=start)
            gone._raw_delete(gone.db)
            window = start
    return window


def _month_path_day_figures(
    context: _Context,
) -> dict[tuple[str, int], dict[DayKey, tuple[int, float]]]:
    """The stored day figures the month path's terms rewrite (from their first day to their
    last), read at once so that only those that changed are written."""
    incremental = context.incremental
    if incremental is None:
        return {}
    spans = {
        (code, position): (first, last)
        for (code, position), (first, last, _fresh) in context.day_fresh.items()
        if code not in incremental.daily
    }
    if not spans:
        return {}
    figures = DayFigure.objects.filter(
        indicator__in=sorted({code for code, _position in spans}),
        day__gte=min(first for first, _last in spans.values()),
    )
    lasts = [last for _first, last in spans.values()]
    if None not in lasts:
        figures = figures.filter(day__lte=max(last for last in lasts if last is not None))
    stored: dict[tuple[str, int], dict[DayKey, tuple[int, float]]] = {}
    for term, found in _read_day_figures(figures).items():
        if term not in spans:
            continue
        first, last = spans[term]
        stored[term] = {
            key: figure
            for key, figure in found.items()
            if key[3] >= first and (last is None or key[3] <= last)
        }
    return stored


def _read_day_figures(
    figures: QuerySet[DayFigure],
) -> dict[tuple[str, int], dict[DayKey, tuple[int, float]]]:
    """The stored day figures, by (indicator, term), each with its primary key."""
    stored: dict[tuple[str, int], dict[DayKey, tuple[int, float]]] = defaultdict(dict)
    for pk, code, term, territory, period, breakdown, day, figure in plain_rows(
        figures,
        "pk",
        "indicator",
        "term",
        "territory_id",
        "period",
        "breakdown",
        "day",
        "figure",
    ):
        stored[code, term][territory, period, breakdown, day] = (pk, figure)
    return stored


def _store_first_counts(context: _Context, only: Collection[str] | None) -> None:
    """Replace the stored first counts: all of them (or those of ``only``) after a full
    computation; after an incremental one, those from the first recomputed month on that
    changed (a day of records changes few of them)."""
    stored = FirstCountedPersons.objects.all()
    if context.incremental is None:
        if only is not None:
            stored = stored.filter(indicator__in=list(only))
        stored._raw_delete(stored.db)
    rows: list[tuple[Any, ...]] = []
    moved: list[tuple[int, int]] = []
    outdated: list[int] = []
    for (code, position), counts in context.first_counts.items():
        before = dict(context.first_stored.get((code, position), {}))
        for cell, persons in counts.items():
            old = before.pop(cell, None)
            if old is None:
                rows.append((code, position, *cell, persons))
            elif old[1] != persons:
                moved.append((persons, old[0]))
        outdated.extend(pk for pk, _persons in before.values())
    _update_rows(FirstCountedPersons, ("persons",), moved)
    for offset in range(0, len(outdated), 900):
        gone = FirstCountedPersons.objects.filter(pk__in=outdated[offset : offset + 900])
        gone._raw_delete(gone.db)
    columns = ("indicator", "term", "territory_id", "period", "breakdown", "month", "persons")
    _insert_rows(FirstCountedPersons, columns, rows)


_COLUMNS = (
    "indicator",
    "territory_id",
    "period",
    "period_kind",
    "period_start",
    "breakdown",
    "numerator",
    "denominator",
    "value",
    "low",
    "high",
)


def _insert(values: list[tuple[Any, ...]], computed_at: dt.datetime) -> None:
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(computed_at)
    _insert_rows(
        IndicatorValue,
        (*_COLUMNS, "computed_at"),
        ((*row[:4], ops.adapt_datefield_value(row[4]), *row[5:], stamp) for row in values),
    )


def _insert_rows(
    model: type[Any], columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
) -> None:
    """COPY on PostgreSQL, plain executemany on SQLite: bulk_create's per-field preparation
    dominated the run time, and on PostgreSQL COPY streams the rows without a statement each."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    iterator = iter(rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in iterator:
                    copy.write_row(row)
            return
        # table and column names from the models, quoted; every value a parameter
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        while chunk := list(itertools.islice(iterator, 20_000)):
            cursor.executemany(sql, chunk)
