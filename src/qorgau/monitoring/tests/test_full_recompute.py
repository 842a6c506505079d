"""A full recomputation writes only the cells that change, and ends where a fresh one does.

Deleting and inserting every stored value was four fifths of a national recomputation (issue
28); the cells a run leaves as they were keep their rows.
"""

from __future__ import annotations

import datetime as dt

import pytest

from qorgau.conftest import SEMEY
from qorgau.monitoring.engine import indicators_compute
from qorgau.monitoring.models import IndicatorValue
from qorgau.monitoring.tests.test_engine import _incident, fixture  # noqa: F401 (a fixture)
from qorgau.registry import services as s

pytestmark = pytest.mark.django_db


def _cells() -> dict[tuple[str, int, str, str], tuple[int, tuple[float | None, ...]]]:
    rows = IndicatorValue.objects.values_list(
        "indicator", "territory_id", "period", "breakdown", "pk", "numerator", "denominator",
        "value", "low", "high",
    )  # fmt: skip
    return {row[:4]: (row[4], row[5:]) for row in rows}


def test_a_full_recomputation_writes_only_the_cells_that_change(fixture):  # noqa: F811
    first = indicators_compute()
    cells = _cells()
    assert first.values_written == len(cells) > 0

    again = indicators_compute()
    assert again.values_written == 0
    assert _cells() == cells  # the same rows, untouched

    victim = s.person_register(actor=fixture, sex="F", birth_year=1995, audit=False)
    offender = s.person_register(actor=fixture, sex="M", birth_year=1990, audit=False)
    _incident(fixture, SEMEY, dt.date(2025, 2, 14), victim, offender, physical=True)
    third = indicators_compute()
    after = _cells()
    assert 0 < third.values_written < len(after)
    changed = {
        key for key, (_pk, figures) in after.items() if cells.get(key, (0, None))[1] != figures
    }
    assert len(changed) <= third.values_written
    kept = [key for key in cells if key in after and key not in changed]
    assert kept and all(after[key][0] == cells[key][0] for key in kept)  # same rows

    IndicatorValue.objects.all().delete()
    indicators_compute()
    fresh = _cells()
    assert {k: f for k, (_pk, f) in fresh.items()} == {k: f for k, (_pk, f) in after.items()}
