"""A scorecard never shows the law's change as a territory's: no change across a series break."""

from __future__ import annotations

import numpy as np

from qorgau.monitoring.breaks import breaks_load
from qorgau.rating.services import Table, previous_value

CODES = ["criminal_offences_rate", "administrative_offences_rate", "incidents_rate"]


def _last_year() -> Table:
    value = np.array([[10.0, 20.0, 30.0]])
    return Table(units=[], codes=CODES, value=value, low=value, high=value)


def test_last_years_value_is_left_out_across_a_break() -> None:
    dates = {b.date.isoformat() for b in breaks_load()}
    assert {"2023-07-01", "2024-06-16"} <= dates
    table = _last_year()
    # Law 72-VIII (16 June 2024) moved battery and light harm into the Criminal Code
    assert previous_value(table, 0, "criminal_offences_rate", 2024) is None
    assert previous_value(table, 0, "criminal_offences_rate", 2025) is None  # 2024 straddles
    assert previous_value(table, 0, "criminal_offences_rate", 2026) == 10.0
    assert previous_value(table, 0, "administrative_offences_rate", 2023) is None
    assert previous_value(table, 0, "administrative_offences_rate", 2024) is None  # left the CoAO
    assert previous_value(table, 0, "incidents_rate", 2024) == 30.0  # no break: compared
