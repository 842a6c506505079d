"""Formula injection: text cells a spreadsheet would run are quoted in every export."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from qorgau.budget.views import table_render
from qorgau.lib.tabular import safe_cell, safe_record, safe_row

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
