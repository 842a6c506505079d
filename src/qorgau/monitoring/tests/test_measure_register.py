"""The one way parts above monitoring hand it their measures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from qorgau.monitoring import measures


def _reader(since: dt.date | None) -> Iterator[measures.Row]:
    return iter(())


def test_a_count_is_additive_an_amount_exact_and_fields_are_kept() -> None:
    from qorgau.monitoring.measures import register as r

    r.measure_register("test_counted", _reader, fields=("code",))
    assert r.MEASURES["test_counted"] is _reader
    assert "test_counted" in r.ADDITIVE_MEASURES and "test_counted" not in r.EXACT_MEASURES
    assert r.MEASURE_FIELDS["test_counted"] == {"code"}
    r.measure_register("test_counted", _reader, exact=True)  # registered again: replaced
    assert "test_counted" in r.EXACT_MEASURES and "test_counted" not in r.ADDITIVE_MEASURES
    for table in (r.MEASURES, r.MEASURE_FIELDS):
        del table["test_counted"]
    r.EXACT_MEASURES.discard("test_counted")


def test_every_part_registered_its_measures_with_their_kind() -> None:
    """Loaded apps have registered through ``measure_register``: counts additive, money exact."""
    counts = {"citizen_reports", "referrals_made", "review_findings", "programme_enrolled"}
    assert counts <= set(measures.MEASURES) and counts <= measures.ADDITIVE_MEASURES
    assert {"budget_allocated", "budget_executed"} <= measures.EXACT_MEASURES
    assert measures.MEASURE_FIELDS["review_findings"] == {"code"}
