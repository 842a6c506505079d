"""Reading the inputs of the stress test (:mod:`qorgau.rating.stress`) from the database.

Read only: the table a run would read (monitoring's stored values, the registers outside the
police), the police register's counts behind it (the numerators monitoring stored) and the
capture histories of the latest linkage run. The stress test then works on this copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from django.utils.translation import gettext as _

from qorgau.rating.compute import Method
from qorgau.rating.sources import HISTORY_YEARS, counts_read, source_fill
from qorgau.rating.stress import PoliceCounts, StressInputs
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User


ESTIMATE_HELD = "estimate_held_fixed"  # a note code: no capture histories to estimate again
# monitoring's indicator → which count of the police register its numerator is
COUNTS = {
    "incidents_rate": "incidents",
    "grave_harm_rate": "grave",
    "domestic_homicide_rate": "homicides",
    "victims_rate": "victims",
    "repeat_victimisation": "repeat_victims",
}


def police_counts(units: list[Territory], year: int) -> PoliceCounts:
    """The counts of the rated year (0 where monitoring stored no row: no such event)."""
    from qorgau.monitoring.models import IndicatorValue

    ids = {u.pk: n for n, u in enumerate(units)}
    found = {name: np.zeros(len(units)) for name in COUNTS.values()}
    for code, territory, numerator in IndicatorValue.objects.filter(
        indicator__in=list(COUNTS), period=str(year), breakdown="", territory_id__in=list(ids)
    ).values_list("indicator", "territory_id", "numerator"):
        found[COUNTS[code]][ids[territory]] = numerator
    return PoliceCounts(**found)


def stress_inputs_read(
    method: Method,
    year: int,
    level: str = "region",
    region: Territory | None = None,
    histories: Sequence[Any] | None = None,
) -> StressInputs:
    """The inputs of a run of ``method`` on ``year``; ``histories`` replaces the linkage's
    capture histories (a test passes the synthetic truth's)."""
    from qorgau.latency.mse import EstimationRefused
    from qorgau.latency.services import table_of
    from qorgau.rating.services import _subset, rating_units, values_table, zero_fill_registry_rates

    units = rating_units(year, level, region)
    table = values_table(method.codes, year, units)
    zero_fill_registry_rates(table, year)
    rated = [i for i in range(len(units)) if not np.all(np.isnan(table.value[i]))]
    table = _subset(table, rated)
    source_fill(table, year)
    counts = counts_read(table.units, list(range(year - HISTORY_YEARS, year + 1)))
    notes = []
    if histories is None and level == "region":
        histories = _linkage_histories(year)
    by_region = {h.region_code: h for h in histories or () if h.year == year}
    tables: list[Any | None] = []
    for unit in table.units:
        history = by_region.get(unit.kato_code)
        try:
            tables.append(table_of(history)[0] if history is not None else None)
        except EstimationRefused:
            tables.append(None)
    if "reporting_ratio" in method.codes and not any(t is not None for t in tables):
        notes.append(ESTIMATE_HELD)
    return StressInputs(
        units=[u.kato_code for u in table.units],
        method=method,
        values=table.value,
        police=police_counts(table.units, year),
        police_history=counts.police_incidents,
        independent_history=counts.independent,
        tables=tables,
        notes=notes,
    )


def _linkage_histories(year: int) -> list[Any]:
    from qorgau.linkage.selectors import capture_histories

    return list(capture_histories(years=[year]))


def rating_stress(
    *,
    year: int,
    stored: Any = None,
    level: str = "region",
    units: Sequence[str] | None = None,
    shares: Sequence[float] | None = None,
    modes: Sequence[str] | None = None,
    draws: int = 20,
    seed: int = 20240101,
    actor: User | None = None,
    histories: Sequence[Any] | None = None,
    progress: Any = None,
) -> Any:
    """Run the stress test of a stored method version (the current one by default) on
    ``year`` and keep the result (a :class:`~qorgau.rating.models.RatingStress`)."""
    import time

    from qorgau.rating.models import RatingStress
    from qorgau.rating.services import method_current, method_load
    from qorgau.rating.stress import MODES, SHARES, stress_run

    started = time.perf_counter()
    stored = stored or method_current()
    method = method_load(stored).method
    inputs = stress_inputs_read(method, year, level, histories=histories)
    unknown = sorted(set(units or ()) - set(inputs.units))
    if unknown:
        raise ValueError(
            _("Not rated in %(year)s: %(units)s.") % {"year": year, "units": ", ".join(unknown)}
        )
    result = stress_run(
        inputs,
        units=units,
        shares=tuple(shares or SHARES),
        modes=tuple(modes or MODES),
        draws=draws,
        seed=seed,
        progress=progress,
    )
    return RatingStress.objects.create(
        method=stored,
        year=year,
        level=level,
        data_sha256=_inputs_hash(inputs),
        results=result,
        passes=bool(result["passes"]),
        seconds=round(time.perf_counter() - started, 3),
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def _inputs_hash(inputs: StressInputs) -> str:
    import hashlib

    digest = hashlib.sha256()
    for array in (inputs.values, inputs.police_history, inputs.independent_history):
        digest.update(np.nan_to_num(np.round(array, 9), nan=-1.0).tobytes())
    digest.update(",".join(inputs.units).encode())
    return digest.hexdigest()
