"""Property tests: the cell parsers and the row pipeline turn any input into a value or a
rejection, never into another exception."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qorgau.registry.importing.fields import (
    CellError,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_iin,
    parse_int,
    parse_kato,
)
from qorgau.registry.importing.incidents import IncidentsSpec
from qorgau.registry.importing.refs import TerritoryIndex
from qorgau.registry.importing.spec import ImportContext, Row
from qorgau.registry.rules import local_zone

cells = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.-: T+Z", max_size=30),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.none(),
)


def _parses_or_rejects(parser, value) -> None:
    try:
        parser(value)
    except CellError as exc:
        assert str(exc.reason)


@given(cells)
def test_dates_parse_or_reject(value) -> None:
    _parses_or_rejects(parse_date, value)


@given(cells)
def test_datetimes_parse_or_reject(value) -> None:
    _parses_or_rejects(parse_datetime(local_zone()), value)


@given(st.one_of(cells, st.text(alphabet="0123456789", min_size=10, max_size=13)))
def test_iin_column_parses_or_rejects(value) -> None:
    _parses_or_rejects(parse_iin, value)


@given(cells)
@example("--0")  # two signs: int() refused it after the check let it through
def test_other_cells_parse_or_reject(value) -> None:
    for parser in (parse_bool, parse_int(0, 10), parse_kato):
        _parses_or_rejects(parser, value)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_both_date_forms_round_trip(day) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day:%d.%m.%Y}") == day


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from(IncidentsSpec.column_names()), cells, max_size=12))
def test_incident_rows_never_raise(values) -> None:
    spec = IncidentsSpec()
    ctx = ImportContext("s", None, None, _index(), local_zone(), dt.date(2025, 1, 1))
    # Readers give every column of the header; the header check guarantees the required ones.
    row = Row(2, {}, {**dict.fromkeys(IncidentsSpec.column_names(), ""), **values})
    problems = spec.parse(row)
    if not problems:
        spec.check(row.values, ctx)


_INDEX: list[TerritoryIndex] = []


def _index() -> TerritoryIndex:
    if not _INDEX:
        _INDEX.append(TerritoryIndex())
    return _INDEX[0]


def test_the_documented_columns_are_the_importers() -> None:
    from pathlib import Path

    from qorgau.registry.importing.docs import column_tables

    document = Path(__file__).resolve().parents[4] / "docs" / "import-formats.md"
    assert column_tables().strip() in document.read_text(encoding="utf-8")
