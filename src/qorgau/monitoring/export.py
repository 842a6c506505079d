"""Tables of stored indicator values for export and for the public, with disclosure control."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qorgau.monitoring.catalogue import catalogue_load
from qorgau.monitoring.models import IndicatorValue
from qorgau.monitoring.periods import Period
from qorgau.monitoring.release import release_protect
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
PUBLIC_COLUMNS = [*COLUMNS, "note"]


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

    With ``public`` every count is perturbed by the cell-key method (``monitoring.release``),
    rates are recomputed from the perturbed counts, and a rate over a perturbed count
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
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1).encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=_columns(rows))
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("indicators")
        columns = _columns(rows)
        sheet.append(columns)
        for row in rows:
            sheet.append([row[name] for name in columns])
        buffer_bytes = io.BytesIO()
        book.save(buffer_bytes)
        return buffer_bytes.getvalue()
    raise ValueError(f"unknown format {fmt!r}")


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    """Public rows carry a note (why a rate is not published) after the figures."""
    return PUBLIC_COLUMNS if rows and "note" in rows[0] else COLUMNS
