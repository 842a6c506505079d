"""The capture-history file of ``qorgau latency mse``: separators and the caller's language."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROWS = [
    ("A", "B", "C", "count"),
    (1, 0, 0, 50),
    (0, 1, 0, 40),
    (0, 0, 1, 30),
    (1, 1, 0, 10),
    (1, 0, 1, 8),
    (0, 1, 1, 6),
    (1, 1, 1, 3),
]


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_comma_semicolon_and_tab_separated_files_give_the_same_estimate(tmp_path, separator):
    """A spreadsheet in a Kazakh or Russian locale saves CSV with semicolons; that file
    failed with "no column named count"."""
    source = tmp_path / "histories.csv"
    source.write_text("\n".join(separator.join(map(str, row)) for row in ROWS), encoding="utf-8")
    out = tmp_path / "result.json"
    call_command("latency", "mse", str(source), "--out", str(out), "--language", "en")
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["observed"] == 147 and found["estimate"] == pytest.approx(323.0, abs=0.1)


@pytest.mark.parametrize(
    ("language", "words"), [("en", "no column named"), ("ru", "столбца"), ("kk", "баған")]
)
def test_the_command_speaks_the_callers_language(tmp_path, language, words):
    source = tmp_path / "histories.csv"
    source.write_text("A,B,C\n1,0,0\n", encoding="utf-8")
    with pytest.raises(CommandError, match=words):
        call_command(
            "latency", "mse", str(source), "--out", str(tmp_path / "r.json"), "--language", language
        )
