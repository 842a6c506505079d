"""Tables of stored indicator values for export and for the public, with disclosure control."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qorgau.lib.tabular import records_table_bytes
from qorgau.monitoring.catalogue import catalogue_load
from qorgau.monitoring.models import IndicatorValue
from qorgau.monitoring.periods import Period
from qorgau.monitoring.release import release_frame, release_protect
from qorgau.territory.models import Level, Territory

COLUMNS = [
    "indicator",
    "territory_code",
    "territory",
    "period",
    "breakdown",
    "numerator",
    "denominator",
    "value",
    "low",
    "high",
]
# The public release adds a flag after each count: ``release.BAND`` ("<5") where the count is
# published as the band "fewer than 5" (the count itself then empty), else empty; and a note
# saying why a rate is not published.
PUBLIC_COLUMNS = [
    *COLUMNS[:5],
    "numerator",
    "numerator_flag",
    "denominator",
    "denominator_flag",
    *COLUMNS[7:],
    "note",
]


@dataclass
class ExportRow:
    values: dict[str, Any]


def export_rows(
    *,
    level: int,
    period: Period,
    public: bool,
    indicators: Sequence[str] | None = None,
    on_todays_map: bool = False,
) -> list[dict[str, Any]]:
    """One row per indicator, territory of ``level`` and breakdown, plus the country total.

    With ``public`` the rows are the whole frame (a row for every cell that could have a
    count, not only those that have one) and every count is perturbed by the cell-key method
    (``monitoring.release``), small ones published as a band (``None``, flagged); rates are
    recomputed from the perturbed counts, and a rate over a band or over a perturbed count
    denominator below ten is withheld (``None``, with the reason in ``note``).
    With ``on_todays_map`` figures of territories that no longer exist are handed to today's
    territories in proportion to the population each took over (the 2022 reform).
    """
    catalogue = catalogue_load()
    codes = list(indicators) if indicators else [i.code for i in catalogue.indicators]
    territories = {t.pk: t for t in Territory.objects.filter(level__in=[Level.COUNTRY, level])}
    values = IndicatorValue.objects.filter(
        indicator__in=codes, period=period.code, territory_id__in=territories
    ).order_by("indicator", "breakdown", "territory_id")
    rows = [
        {
            "indicator": v.indicator,
            "territory_code": territories[v.territory_id].kato_code,
            "territory": territories[v.territory_id].name,
            "period": v.period,
            "breakdown": v.breakdown,
            "numerator": v.numerator,
            "denominator": v.denominator,
            "value": v.value,
            "low": v.low,
            "high": v.high,
            "_level": territories[v.territory_id].level,
            "_territory_id": v.territory_id,
        }
        for v in values
    ]
    if public:
        # in the stored rows' order, so that no filled row stands out by its place
        rows += release_frame(rows, list(territories.values()), period, codes)
        rows.sort(key=lambda r: (r["indicator"], r["breakdown"], r["_territory_id"]))
    if on_todays_map:
        rows = _on_todays_map(rows, territories)
    if public:
        release_protect(rows, period)
    for row in rows:
        row.pop("_level")
        row.pop("_territory_id")
        row.pop("_mapped", None)
    return rows


def _on_todays_map(
    rows: list[dict[str, Any]], territories: dict[int, Territory]
) -> list[dict[str, Any]]:
    from qorgau.monitoring.engine import rate_with_interval
    from qorgau.territory.services import territory_current_shares

    by_code = {t.kato_code: t for t in territories.values() if t.is_current}
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    catalogue = catalogue_load()
    for row in rows:
        territory = territories[row["_territory_id"]]
        for current, share in territory_current_shares(territory):
            if current.kato_code not in by_code:
                continue
            key = (row["indicator"], row["breakdown"], current.kato_code)
            target = merged.setdefault(
                key,
                {
                    **row,
                    "territory_code": current.kato_code,
                    "territory": current.name,
                    "numerator": 0.0,
                    "denominator": None,
                    "_level": current.level,
                    "_mapped": True,
                },
            )
            target["numerator"] += row["numerator"] * float(share)
            if row["denominator"] is not None:
                target["denominator"] = (target["denominator"] or 0.0) + row["denominator"] * float(
                    share
                )
    for row in merged.values():
        indicator = catalogue.get(row["indicator"])
        row["value"], row["low"], row["high"] = rate_with_interval(
            indicator, row["numerator"], row["denominator"]
        )
    return sorted(
        merged.values(), key=lambda r: (r["indicator"], r["breakdown"], r["territory_code"])
    )


def render(rows: list[dict[str, Any]], fmt: str) -> bytes:
    """``rows`` as JSON, CSV or XLSX bytes.

    Spreadsheet formats go through the formula-safe writer (``lib.tabular``) like every other
    export: indicator codes, territory names and breakdowns are text a spreadsheet would run if
    one started with ``=``, ``+``, ``-`` or ``@``. JSON is not opened by spreadsheets and stays
    as stored.
    """
    if fmt == "json":
        ordered = [{name: row[name] for name in _columns(rows)} for row in rows]
        return json.dumps(ordered, ensure_ascii=False, indent=1).encode()
    return records_table_bytes(_columns(rows), rows, fmt, sheet="indicators")


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    """Public rows carry flags (a count published as the band) and a note (why a rate is not
    published)."""
    return PUBLIC_COLUMNS if rows and "note" in rows[0] else COLUMNS
