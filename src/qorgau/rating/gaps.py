"""Why a value is missing from a run, so that the scorecard says it beside the filled value.

A missing reporting ratio most often means that the hidden-violence estimate of the region was
refused (the registers could not support one), which is worth knowing: hiding violence from
one register can break the estimate. Any other gap is a value monitoring did not store.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qorgau.latency.models import Method as EstimationMethod
from qorgau.latency.selectors import latest_results
from qorgau.monitoring.catalogue import catalogue_load
from qorgau.rating.models import Missing
from qorgau.rating.normalisation import Array
from qorgau.rating.sources import SOURCE_INDICATORS
from qorgau.territory.models import Territory

Reason = tuple[str, str]  # (a Missing value, details such as the refusal as latency wrote it)


def missing_reasons(
    units: Sequence[Territory], codes: Sequence[str], value: Array, year: int
) -> dict[tuple[int, str], Reason]:
    """(row, indicator) → why, for every missing cell of a units × indicators table."""
    catalogue = catalogue_load()
    gaps = np.isnan(value)
    from_latency = {
        c for c in codes if c not in SOURCE_INDICATORS and catalogue.get(c).source == "latency"
    }
    refused = _refusals(year) if any(gaps[:, codes.index(c)].any() for c in from_latency) else {}
    out: dict[tuple[int, str], Reason] = {}
    for i, j in zip(*np.nonzero(gaps), strict=True):
        code, unit = codes[j], units[i]
        if code in from_latency and unit.kato_code in refused:
            out[(int(i), code)] = (Missing.ESTIMATE_REFUSED, refused[unit.kato_code])
        else:
            out[(int(i), code)] = (Missing.NO_VALUE, "")
    return out


def _refusals(year: int) -> dict[str, str]:
    """Region code → why latency refused its estimate for ``year`` (the published run's)."""
    results = latest_results(method=EstimationMethod.MSE, year=year)
    return {r.region_code: r.refusal for r in results if r.refused}
