"""`qorgau report`: arguments checked with clear errors and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from qorgau.conftest import ABAI, SEMEY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["national", "--period", "2024Q5"], "is not a period"),
        (["national", "--period", "24"], "is not a period"),
        (["national", "--period", "2024", "--lang", "de"], "Unknown language 'de'"),
        (["region", "999999999", "--period", "2024"], "Unknown region '999999999'"),
        (["region", SEMEY, "--period", "2024"], "Unknown region"),  # a district
        (["national", "--period", "2024", "--format", "docx"], "Unknown format 'docx'"),
        (["national", "--period", "2019"], "No indicator values are stored"),
    ],
)
def test_bad_arguments_are_refused_clearly(report_values, tmp_path, arguments, message):
    out = tmp_path / "r.pdf"
    with pytest.raises(CommandError, match=message):
        call_command("report", *arguments, "--out", str(out))
    assert not out.exists()


def test_the_region_that_did_not_exist_yet(report_values, tmp_path):
    # Abai Region was created in June 2022.
    with pytest.raises(CommandError, match="did not exist in 2021"):
        call_command("report", "region", ABAI, "--period", "2021", "--out", str(tmp_path / "x"))


def test_writes_an_html_report(report_values, tmp_path):
    out = tmp_path / "passport.html"
    call_command(
        "report",
        "region",
        ABAI,
        "--period",
        "2024",
        "--lang",
        "ru",
        "--format",
        "html",
        "--out",
        str(out),
    )
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "область Абай" in html


def test_the_command_exits_non_zero_with_the_message(tmp_path):
    env = {**os.environ, "QORGAU_LOG_LEVEL": "ERROR"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "report",
            "national",
            "--period",
            "2024-13",
            "--lang",
            "en",
            "--format",
            "pdf",
            "--out",
            str(tmp_path / "r.pdf"),
        ],
        capture_output=True,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "qorgau.settings"},
        timeout=120,
    )
    assert result.returncode != 0
    assert "is not a period" in result.stderr
