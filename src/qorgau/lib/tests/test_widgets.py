"""Date inputs keep their value in every language (a Kazakh "07.12.2026" emptied them)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.utils import translation

from qorgau.lib.widgets import DateInput, DateTimeInput

SOURCE = Path(__file__).resolve().parents[2]


def test_date_inputs_write_iso_values_in_every_language() -> None:
    for language in ("kk", "ru", "en"):
        with translation.override(language):
            day = DateInput().render("d", dt.date(2026, 12, 7))
            moment = DateTimeInput().render("m", dt.datetime(2026, 12, 7, 9, 30))
        assert 'type="date"' in day and 'value="2026-12-07"' in day
        assert 'type="datetime-local"' in moment and 'value="2026-12-07T09:30"' in moment


def test_no_form_builds_a_browser_date_input_of_its_own() -> None:
    """Every ``type="date"`` input of the project is one of these widgets."""
    own = re.compile(r"forms\.Date(Time)?Input\(|\"type\": \"date")
    found = [
        f"{path.relative_to(SOURCE)}:{number}"
        for path in SOURCE.rglob("*.py")
        if "tests" not in path.parts and path.name != "widgets.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if own.search(line)
    ]
    assert not found, found
