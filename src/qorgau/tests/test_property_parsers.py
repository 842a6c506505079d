"""Property tests of the parsers and validators not covered beside their apps.

Each parser meets anything a user can type or a file can hold with a value or its own, clean
error — never another exception, which would be a 500 on a page or a crashed command. The
registry's date, datetime, boolean, integer, KATO and IIN cells are covered in
``registry/tests/test_import_props.py`` and ``test_iin.py``; this module adds the rest.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qorgau.budget.services import MAX_AMOUNT, _Row
from qorgau.latency.tables import TableError, parse_capture_rows
from qorgau.monitoring.periods import Period, PeriodError, PeriodKind, period_parse
from qorgau.programs.importing import _parse_attended
from qorgau.programs.importing import _parse_date as programs_parse_date
from qorgau.rating.methods import METHODS_DIR, MethodError, method_parse
from qorgau.registry import choices
from qorgau.registry.importing.fields import (
    CellError,
    parse_choice,
    parse_codes,
    parse_id_list,
    parse_iin_list,
    parse_record_id,
    parse_text,
    split_list,
)

cells = st.one_of(
    st.text(),
    st.text(alphabet="0123456789;, .-eE+", max_size=30),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.none(),
)


def _rejects_cleanly(parser: Any, value: Any, error: type[Exception] = CellError) -> Any:
    try:
        return parser(value)
    except error as exc:
        assert str(exc)
        return None


# --------------------------------------------------------------------------- import cells


@given(cells)
def test_text_and_list_cells_parse_or_reject(value: Any) -> None:
    for parser in (parse_text(10), parse_record_id, parse_id_list, parse_iin_list):
        _rejects_cleanly(parser, value)
    items = split_list(value)
    assert all(item and item == item.strip() and ";" not in item for item in items)


@given(cells)
def test_choice_cells_give_a_listed_code_or_name_the_allowed_ones(value: Any) -> None:
    one, many = parse_choice(choices.SettlementType), parse_codes(choices.SourceChannel)
    code = _rejects_cleanly(one, value)
    assert code is None or code in choices.SettlementType.values
    codes = _rejects_cleanly(many, value)
    assert codes is None or (set(codes) <= set(choices.SourceChannel.values))
    assert codes is None or len(codes) == len(set(codes))


@given(st.sampled_from(choices.SettlementType.values), st.sampled_from(["", " ", "  "]))
def test_choice_codes_are_read_whatever_their_case(code: str, pad: str) -> None:
    assert parse_choice(choices.SettlementType)(pad + code.upper() + pad) == code


@given(st.text(max_size=80), st.integers(min_value=0, max_value=40))
def test_text_cells_keep_at_most_their_length(text: str, limit: int) -> None:
    value = _rejects_cleanly(parse_text(limit), text)
    assert value is None or (len(value) <= limit and value == text.strip())


# --------------------------------------------------------------------------- periods


@given(st.text(max_size=12))
def test_any_text_is_a_period_or_a_period_error(text: str) -> None:
    period = _rejects_cleanly(period_parse, text, PeriodError)
    assert period is None or (isinstance(period, Period) and period.start <= period.end)


@given(st.text(alphabet="0123456789Qq- ", max_size=9))
def test_period_shaped_text_is_a_period_or_a_period_error(text: str) -> None:
    _rejects_cleanly(period_parse, text, PeriodError)


@given(st.integers(min_value=1000, max_value=9998), st.integers(min_value=1, max_value=12))
def test_period_codes_round_trip(year: int, month: int) -> None:
    for code, kind in (
        (f"{year:04d}", PeriodKind.YEAR),
        (f"{year:04d}Q{(month - 1) // 3 + 1}", PeriodKind.QUARTER),
        (f"{year:04d}-{month:02d}", PeriodKind.MONTH),
    ):
        period = period_parse(code.lower())
        assert (period.code, period.kind) == (code, kind)
        assert period.contains(period.start) and period.contains(period.end)


@pytest.mark.parametrize("text", ["0000", "9999-12", "9999Q4"])
def test_periods_outside_the_calendar_are_period_errors(text: str) -> None:
    with pytest.raises(PeriodError):
        period_parse(text)


# --------------------------------------------------------------------------- rating methods

DEFAULT_METHOD = (METHODS_DIR / "default-v1.yaml").read_text(encoding="utf-8")
yaml_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
        st.sampled_from(["minmax", "zscore", "rank", "index", "mean", -1, 1, 0]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10), children, max_size=4),
    ),
    max_leaves=12,
)  # fmt: skip


def _method_or_error(text: str) -> None:
    try:
        method_parse(text)
    except MethodError as exc:
        assert str(exc)


@given(st.text(max_size=300))
def test_any_text_is_a_method_or_a_method_error(text: str) -> None:
    _method_or_error(text)


@given(yaml_values)
def test_any_yaml_document_is_a_method_or_a_method_error(data: Any) -> None:
    _method_or_error(yaml.safe_dump(data))


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for n, value in enumerate(data):
            found += _paths(value, (*prefix, n))
    return found


DEFAULT_PATHS = _paths(yaml.safe_load(DEFAULT_METHOD))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(DEFAULT_PATHS), yaml_values), min_size=1, max_size=3))
def test_the_default_method_with_any_key_changed_is_checked_cleanly(changes: Any) -> None:
    """Near-valid files reach the deep checks that random documents never get to."""
    data = yaml.safe_load(DEFAULT_METHOD)
    for path, value in changes:
        target = data
        try:
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    _method_or_error(yaml.safe_dump(data))


# --------------------------------------------------------------------------- latency CSV

capture_cells = st.one_of(
    st.sampled_from(["0", "1", "", " 1 ", "count", "a", "b", "-1", "2", "1e3", "١"]),
    st.text(max_size=5),
    st.integers(min_value=-5, max_value=10**6).map(str),
)


@given(
    st.lists(st.sampled_from(["a", "b", "c", "count", "", "a "]), min_size=0, max_size=5),
    st.lists(st.lists(capture_cells, min_size=0, max_size=5), max_size=8),
)
def test_any_capture_csv_is_a_table_or_a_table_error(header: list[str], rows: Any) -> None:
    try:
        table = parse_capture_rows([header, *rows])
    except TableError as exc:
        assert str(exc)
    else:
        assert table.observed >= 0


@given(
    st.lists(st.lists(st.sampled_from("01"), min_size=3, max_size=3), max_size=7, unique_by=tuple),
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=7, max_size=7),
)
def test_well_formed_capture_csvs_keep_every_count(patterns: Any, counts: list[int]) -> None:
    rows = [["a", "b", "c", "count"]]
    rows += [[*p, str(n)] for p, n in zip(patterns, counts, strict=False) if "1" in p]
    if len(rows) == 1:
        return
    try:
        table = parse_capture_rows(rows)
    except TableError:
        return  # a table the estimator cannot use (said so with the row)
    assert table.observed == sum(int(row[3]) for row in rows[1:])


# --------------------------------------------------------------------------- budget rows


@given(st.one_of(cells, st.sampled_from(["NaN", "Infinity", "-inf", "sNaN", "1e999999", "1E+30"])))
def test_budget_cells_give_a_value_or_a_row_error(value: Any) -> None:
    row = _Row("execution", 2, {"x": value})
    number = row.integer("x", required=False)
    amount = row.amount("x", required=False)
    row.flag("x")
    assert number is None or number >= 0
    assert amount is None or Decimal(0) <= amount <= MAX_AMOUNT
    assert all(error.message for error in row.errors)


# --------------------------------------------------------------------------- programmes


@given(st.text(max_size=20))
def test_attendance_cells_parse_or_reject(text: str) -> None:
    _rejects_cleanly(programs_parse_date, text, ValueError)
    _rejects_cleanly(_parse_attended, text, ValueError)


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_attendance_dates_round_trip(day: dt.date) -> None:
    assert programs_parse_date(f"{day:%d.%m.%Y}") == day


# --------------------------------------------------------------------------- citizens form

form_values = st.one_of(
    st.text(max_size=40), st.sampled_from(["", "0", "-1", "1", "99999999999999999999", "on"])
)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            name: form_values
            for name in ("account", "district", "address", "occurred_on", "at_risk",
                         "reporter", "contact", "happening_now", "children_involved")
        },
    )
)  # fmt: skip
def test_the_citizens_report_form_validates_anything(data: dict[str, str]) -> None:
    from qorgau.citizens.forms import ReportForm

    form = ReportForm(data=data)
    try:
        valid = form.is_valid()
    except ValidationError:  # pragma: no cover - a form must collect errors, not raise them
        raise AssertionError("the form raised instead of reporting errors") from None
    if not valid:
        assert all(str(message) for messages in form.errors.values() for message in messages)
