"""The shared tables: formula injection quoted in every export, and the one reader of every
import (encodings, separators, typed workbook cells, a named row when a file cannot be read)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from qorgau.budget.views import table_render
from qorgau.lib.tabular import (
    EmptyTable,
    UnreadableTable,
    open_table,
    read_table,
    read_workbook,
    safe_cell,
    safe_record,
    safe_row,
)

ATTACKS = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


@pytest.mark.parametrize("text", [*ATTACKS, "\t=1", "\r=1"])
def test_text_that_a_spreadsheet_would_run_is_quoted(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-5, 2.5, None, True, "-5", "+3.25", "-1e-05", "Akhmetova", ""])
def test_numbers_and_plain_text_are_left_alone(value: object) -> None:
    assert safe_cell(value) == value


def test_rows_and_records() -> None:
    assert safe_row(["=1", 2]) == ["'=1", 2]
    assert safe_record({"a": "@x", "b": -1}) == {"a": "'@x", "b": -1}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_budget_export_quotes_formulas(fmt: str) -> None:
    rows = [{"name": attack, "amount": -10} for attack in ATTACKS]
    payload = table_render(rows, fmt)
    if fmt == "csv":
        cells = list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))[1:]
    else:
        sheet = load_workbook(io.BytesIO(payload)).worksheets[0]
        cells = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [row[0] for row in cells] == ["'" + attack for attack in ATTACKS]
    assert {str(row[1]) for row in cells} == {"-10"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_indicator_export_quotes_formulas(fmt: str) -> None:
    """The monitoring export (``monitoring.export.render``) writes through the same writer."""
    from qorgau.monitoring.export import COLUMNS, render

    rows = [
        {**dict.fromkeys(COLUMNS), "territory": attack, "numerator": -3.0, "value": -0.5}
        for attack in ATTACKS
    ]
    payload = render(rows, fmt)
    if fmt == "csv":
        cells = list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))[1:]
    else:
        sheet = load_workbook(io.BytesIO(payload)).worksheets[0]
        cells = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    at = COLUMNS.index("territory")
    assert [row[at] for row in cells] == ["'" + attack for attack in ATTACKS]
    assert {float(row[COLUMNS.index("numerator")]) for row in cells} == {-3.0}


# --- The shared reader ------------------------------------------------------------------------

HEADER = ["name", "district", "count"]
ROWS = [["Ахметова Әйгерім", "Семей", "3"], ["Иванов", "Медеу", "12"]]


def _csv_bytes(separator: str, encoding: str) -> bytes:
    lines = [separator.join(row) for row in [HEADER, *ROWS]]
    return "\r\n".join(lines).encode(encoding)


@pytest.mark.parametrize(
    ("separator", "encoding"),
    [(",", "utf-8-sig"), (",", "utf-8"), (";", "utf-8"), ("\t", "utf-8"), (";", "cp1251")],
)
def test_csv_in_any_usual_encoding_and_separator_reads_the_same(
    separator: str, encoding: str
) -> None:
    if encoding == "cp1251":  # Windows-1251 has no Kazakh letters
        rows = [[cell.replace("Әйгерім", "Айгерим") for cell in row] for row in ROWS]
        payload = "\r\n".join(separator.join(row) for row in [HEADER, *rows]).encode(encoding)
    else:
        rows, payload = ROWS, _csv_bytes(separator, encoding)

    table = read_table(payload)

    assert table.header == HEADER  # no byte-order mark left on the first name
    assert table.rows == [(2, rows[0]), (3, rows[1])]


def test_a_csv_file_on_disk_is_read_by_its_name(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    path.write_bytes(b"a;b\r\n\r\n1;2\r\n")

    with open_table(path) as stream:
        assert stream.header == ["a", "b"]
        assert list(stream.rows) == [(3, ["1", "2"])]  # the blank row 2 is counted, not read


def test_records_fill_a_short_row_with_none() -> None:
    assert read_table(b"a,b\n1\n").records() == [{"a": "1", "b": None}]


def test_a_file_in_an_encoding_not_allowed_names_the_row() -> None:
    payload = "a,b\r\n1,2\r\nАйгерим,3\r\n".encode("cp1251")

    with pytest.raises(UnreadableTable) as refused:
        read_table(payload, encodings=("utf-8",))

    assert refused.value.row == 3
    assert str(refused.value) == "Row 3: The file is not UTF-8 text: save the CSV file as UTF-8."


def test_a_malformed_csv_names_the_row() -> None:
    with pytest.raises(UnreadableTable) as refused:
        read_table(b"a,b\n1,2\n3," + b"x" * 200_000 + b"\n")  # past csv's field limit

    assert refused.value.row == 3
    assert "near row 3" in str(refused.value)


def _workbook(**sheets: list[list[object]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_cells_keep_their_dates_and_numbers() -> None:
    payload = _workbook(data=[["day", "amount", "name"], [dt.date(2024, 3, 5), 12.5, "Семей"]])

    table = read_table(payload)

    assert table.header == ["day", "amount", "name"]
    [(number, [day, amount, name])] = table.rows
    assert number == 2
    assert isinstance(day, dt.datetime) and day.date() == dt.date(2024, 3, 5)
    assert amount == 12.5 and isinstance(amount, float)
    assert name == "Семей"


def test_xlsx_reads_the_first_or_the_named_sheet() -> None:
    payload = _workbook(first=[["a"], [1]], second=[["b"], [None], [2]])

    assert read_table(payload).rows == [(2, [1])]
    assert read_table(payload, sheet="second").rows == [(3, [2])]
    with pytest.raises(UnreadableTable, match="no sheet “third”"):
        read_table(payload, sheet="third")
    assert [(t.title, t.header) for t in read_workbook(payload)] == [
        ("first", ["a"]),
        ("second", ["b"]),
    ]


@pytest.mark.parametrize("payload", [b"", b"\r\n , \r\n"])
def test_an_empty_file_is_refused_as_empty(payload: bytes) -> None:
    with pytest.raises(EmptyTable, match="The file is empty"):
        read_table(payload, kind="csv")


def test_an_empty_sheet_is_refused_as_empty() -> None:
    with pytest.raises(EmptyTable):
        read_table(_workbook(data=[]))


@pytest.mark.parametrize("payload", [b"PK\x03\x04 not really a zip", b"plain text"])
def test_a_broken_xlsx_is_refused_as_not_a_workbook(payload: bytes) -> None:
    with pytest.raises(UnreadableTable, match="not an Excel workbook") as refused:
        read_table(payload, kind="xlsx")
    assert not isinstance(refused.value, EmptyTable)
