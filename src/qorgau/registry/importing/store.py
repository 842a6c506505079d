"""Bulk insertion of validated rows: COPY on PostgreSQL, one ``executemany`` elsewhere.

The importer has validated every row against the registry's rules before it gets here, so it
skips what ``Model.save()`` and ``bulk_create`` would spend per row (instances, signals,
per-field preparation) and writes plain tuples. Only the conversions the database needs are
made: dates and times to the backend's form, JSON to text. Primary keys are then read back by
each row's natural key in one query, which works the same on every backend.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

Converter = Callable[[Any], Any] | None


def _converter(field: models.Field[Any, Any]) -> Converter:
    """How one column's Python value is handed to the database driver (``None``: as is)."""
    postgres = connection.vendor == "postgresql"
    if isinstance(field, models.JSONField):
        return json.dumps
    if postgres:
        return None  # psycopg adapts dates, aware datetimes and booleans itself
    if isinstance(field, models.DateTimeField):
        return _sqlite_datetime
    if isinstance(field, models.DateField):
        return _sqlite_date
    return None


def _sqlite_date(value: dt.date | None) -> str | None:
    """What Django's SQLite backend stores for a date (``str(value)``), without the call."""
    return None if value is None else value.isoformat()


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    """What Django's SQLite backend stores for an aware datetime (naive UTC text), faster."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(" ")


def _prepared(
    fields: Sequence[models.Field[Any, Any]], rows: Iterable[Sequence[Any]]
) -> list[Sequence[Any]]:
    """``rows`` with the values of the columns that need a conversion converted.

    A column holding one object in every row (the batch's ``created_at``) is converted once.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    converting = [
        (i, convert) for i, convert in enumerate(_converter(field) for field in fields) if convert
    ]
    if not converting or not rows:
        return rows
    varying: list[tuple[int, Callable[[Any], Any]]] = []
    constant: list[tuple[int, Any]] = []
    for i, convert in converting:
        first = rows[0][i]
        if all(row[i] is first for row in rows):
            constant.append((i, convert(first)))
        else:
            varying.append((i, convert))
    prepared: list[Sequence[Any]] = []
    for row in rows:
        values = list(row)
        for i, convert in varying:
            values[i] = convert(values[i])
        for i, value in constant:
            values[i] = value
        prepared.append(values)
    return prepared


def _fields(model: type[models.Model], columns: Sequence[str]) -> list[models.Field[Any, Any]]:
    meta = model._meta
    return [meta.get_field(name) for name in columns]  # type: ignore[misc]


def write_rows(table: str, db_columns: Sequence[str], prepared: Sequence[Sequence[Any]]) -> None:
    """Write rows already in the database's form: ``COPY`` on PostgreSQL, one ``executemany``
    elsewhere. The import's only way of writing, also used by its benchmark's baselines."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in db_columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(db_columns))
            # table and column names from the models, quoted; every value a parameter
            cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", prepared)  # noqa: S608


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``, field attnames) into ``model``'s table.

    Returns the number of rows written. Must run inside the caller's transaction.
    """
    fields = _fields(model, columns)
    prepared = _prepared(fields, rows)
    if not prepared:
        return 0
    write_rows(model._meta.db_table, [str(field.column) for field in fields], prepared)
    return len(prepared)


def insert_returning_pks(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    keys: Sequence[Any],
    key_filter: dict[str, Any],
    key_column: str,
) -> list[int]:
    """Insert ``rows`` like :func:`insert_rows` and return their primary keys, in row order.

    On PostgreSQL the keys are drawn from the table's sequence first (``nextval``, safe under
    concurrency) and written with the rows by ``COPY``: nothing is read back. Elsewhere the rows
    are inserted by ``executemany`` and their keys read back by ``keys``, the values of the
    unique ``key_column`` (with the equalities ``key_filter`` completing the unique key).
    """
    if not rows:
        return []
    meta = model._meta
    fields = _fields(model, columns)
    db_columns = [str(field.column) for field in fields]
    prepared = _prepared(fields, rows)
    pk_column = str(meta.pk.column)
    if connection.vendor == "postgresql":
        pks = reserve_pks(model, len(prepared))
        write_rows(
            meta.db_table,
            [pk_column, *db_columns],
            [(pk, *row) for pk, row in zip(pks, prepared, strict=True)],
        )
        return pks
    write_rows(meta.db_table, db_columns, prepared)
    found = dict(select_by_keys(model, key_column, [pk_column], keys, key_filter))
    return [found[key] for key in keys]


_SEQUENCES: dict[str, str] = {}


def reserve_pks(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys from the table's sequence (PostgreSQL only)."""
    table = model._meta.db_table
    column = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        sequence = _SEQUENCES.get(table)
        if sequence is None:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)", [connection.ops.quote_name(table), column]
            )
            sequence = _SEQUENCES[table] = str(cursor.fetchone()[0])
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return [pk for (pk,) in cursor.fetchall()]


def _sqlite_chunk() -> int:
    """How many values one ``IN (...)`` list may hold on this SQLite (bound parameters)."""
    limit = 999
    raw = connection.connection
    if raw is not None and hasattr(raw, "getlimit"):
        import sqlite3

        limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(100, min(limit - 10, 5000))


def select_by_keys(
    model: type[models.Model],
    key_column: str,
    columns: Sequence[str],
    keys: Iterable[Any],
    where: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """``(key, *columns)`` of the rows of ``model`` whose ``key_column`` is one of ``keys``.

    Plain SQL, one query (``= ANY(array)``) on PostgreSQL, ``IN`` lists of a few thousand on
    SQLite: a batch's look-up costs the database's work, not the ORM's building of a query of
    thousands of parameters. ``where`` adds equalities (``{"source": ...}``); ``key_column`` is
    also required to be non-null, the condition of the partial unique indexes on record numbers.
    Dates and date-times come back as Python values on both backends.
    """
    wanted = list(set(keys))
    if not wanted:
        return []
    meta = model._meta
    quote = connection.ops.quote_name
    selected = [key_column, *columns]
    fields = {f.column: f for f in meta.concrete_fields}
    conditions = [f"{quote(name)} = %s" for name in (where or {})]
    conditions.append(f"{quote(key_column)} IS NOT NULL")
    head = (
        # table and column names from the models, quoted; every value a parameter
        f"SELECT {', '.join(quote(name) for name in selected)} FROM {quote(meta.db_table)} "  # noqa: S608
        f"WHERE {' AND '.join(conditions)} AND {quote(key_column)} "
    )
    params = list((where or {}).values())
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(head + "= ANY(%s)", [*params, wanted])
            found = cursor.fetchall()
        else:
            size = _sqlite_chunk()
            for start in range(0, len(wanted), size):
                chunk = wanted[start : start + size]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(head + f"IN ({marks})", [*params, *chunk])
                found.extend(cursor.fetchall())
    if connection.vendor != "postgresql":
        readers: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(selected):
            read = _sqlite_reader(fields[name])
            if read is not None:
                readers.append((i, read))
        if readers:
            converted = []
            for record in found:
                values = list(record)
                for i, read in readers:
                    if values[i] is not None:
                        values[i] = read(values[i])
                converted.append(tuple(values))
            found = converted
    return found


def _sqlite_reader(field: models.Field[Any, Any]) -> Converter:
    """How SQLite's value for a date or date-time column becomes what the ORM would return.

    Django's SQLite connection converts declared ``date``/``datetime`` columns itself (to
    naive values); text is parsed here in case it does not.
    """
    if isinstance(field, models.DateTimeField):
        return _sqlite_read_datetime
    if isinstance(field, models.DateField):
        return _sqlite_read_date
    return None


def _sqlite_read_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _sqlite_read_datetime(value: Any) -> dt.datetime:
    """Django's SQLite form of an aware date-time (naive UTC) as an aware value."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
