"""`qorgau rating` as an outside user runs it: unreadable cells, the files it writes."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qorgau.rating.tests import fixtures

METHOD = (
    "name: mine\nversion: 1\nimputation: mean\nuncertainty: {draws: 20, seed: 1}\n"
    "groups: [{code: index}, {code: g, parent: index}, {code: h, parent: index}]\n"
    "indicators: [{code: a, direction: 1, weight: 1, parent: g},"
    " {code: b, direction: -1, weight: 1, parent: h}]\n"
)
UNREADABLE = 'unit,a,b\nu1,10,20\nu2,"20,5",30\nu3,30,fifteen\n'


def _files(tmp_path, table: str):
    (tmp_path / "in.csv").write_text(table, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(METHOD, encoding="utf-8")
    return ["--indicators", str(tmp_path / "in.csv"), "--method", str(tmp_path / "m.yaml")]


def test_unreadable_cells_are_errors_naming_row_and_column_and_nothing_is_written(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("an earlier result\n")
    with pytest.raises(CommandError) as error:
        call_command("rating", "compute", *_files(tmp_path, UNREADABLE), "--out", str(out))
    assert error.value.returncode == 2
    lines = str(error.value).splitlines()
    assert lines[0].startswith("Nothing was written: 2 problems")
    assert lines[1].startswith("Row 3, column 'a', value '20,5': the decimal separator")
    assert "e.g. 20.5" in lines[1]
    assert lines[2].startswith("Row 4, column 'b', value 'fifteen': not a number")
    assert out.read_text() == "an earlier result\n"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("unit,a,b\nu1,10,20\nu2,20,5,30\n", "Row 3 has 4 cells but the header has 3"),
        ("unit,a,b\nu1,10,20\nu1,20,30\n", "Row 3, column 'unit', value 'u1': the unit is"),
        ("unit,a,b\nu1,10,20\n,20,30\n", "Row 3, column 'unit', value '': every row needs"),
        ("unit,a,b\nu1,10,20\nu2,1e999,30\n", "Row 3, column 'a', value '1e999': not a number"),
        ("unit,a,b\nu1,10,20\nu2,20\n", "Row 3, column 'b', value '': the row has fewer"),
    ],
)
def test_other_unreadable_rows(tmp_path, table, expected):
    with pytest.raises(CommandError, match="Nothing was written") as error:
        call_command("rating", "compute", *_files(tmp_path, table), "--out", str(tmp_path / "o"))
    assert expected in str(error.value)
    assert not (tmp_path / "o").exists()


def test_empty_cells_and_na_are_missing_not_errors(tmp_path):
    table = "unit,a,b\nu1,10,20\nu2,,30\nu3,30,NA\nu4, 40 ,-1.5e1\n"
    out = tmp_path / "out.csv"
    call_command(
        "rating", "compute", *_files(tmp_path, table), "--out", str(out), stderr=io.StringIO()
    )
    rows = list(csv.DictReader(out.open()))
    assert [r["unit"] for r in rows] == ["u1", "u2", "u3", "u4"]


def test_the_exit_code_of_the_command_is_not_zero(tmp_path):
    env = {
        **os.environ,
        "QORGAU_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "QORGAU_LANGUAGE": "en",
    }
    arguments = ["rating", "compute", *_files(tmp_path, UNREADABLE), "--out", "o.csv"]
    done = subprocess.run(
        [sys.executable, "-m", "qorgau", *arguments],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Row 3, column 'a', value '20,5'" in done.stderr
    assert not (tmp_path / "o.csv").exists()


def test_compute_says_when_an_indicator_carries_no_weight(tmp_path):
    table = "unit,a,b\nu1,10,5\nu2,20,5.000000000000001\nu3,30,5\n"
    out, stdout = tmp_path / "out.csv", io.StringIO()
    call_command(
        "rating",
        "compute",
        *_files(tmp_path, table),
        "--out",
        str(out),
        stdout=stdout,
        stderr=io.StringIO(),
    )
    assert "carries no weight: b (5)" in stdout.getvalue()
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["unit", "score", "rank", "rank_low", "rank_high", "index", "g", "h"]
    assert [r["h"] for r in rows] == ["", "", ""]  # its group has nothing left to score
    assert [r["rank"] for r in rows] == ["3", "2", "1"]


@pytest.mark.django_db
def test_run_out_writes_kato_codes_scores_ranks_and_one_column_per_group(tmp_path):
    fixtures.load_both_years()
    out, stdout = tmp_path / "run.csv", io.StringIO()
    call_command(
        "rating",
        "run",
        "--year",
        "2024",
        "--draws",
        "30",
        "--out",
        str(out),
        stdout=stdout,
        stderr=io.StringIO(),
    )
    with out.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == [
        "unit",
        "score",
        "rank",
        "rank_low",
        "rank_high",
        "index",
        "detection",
        "protection",
        "services",
        "harm",
        "social",
    ]
    assert [r[0] for r in rows] == fixtures.REGIONS  # KATO codes, best first
    assert [r[2] for r in rows] == ["1", "2", "3", "4", "5"]
    for row in rows:
        assert float(row[1]) == pytest.approx(float(row[5]))  # the index is the score
        assert int(row[3]) <= int(row[2]) <= int(row[4])
