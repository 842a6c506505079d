"""Building extracts for the importer's tests (helpers only; named test_* to sit with them)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from qorgau.registry.iin import iin_make

INCIDENT_HEADER = [
    "record_id",
    "occurred_at",
    "reported_at",
    "district",
    "settlement_type",
    "source_channel",
    "physical",
    "alcohol",
    "injury",
    "victim_iin",
    "offender_iin",
    "relationship",
]


def iin(year: int, serial: int, sex: str = "F") -> str:
    """A valid IIN for someone born on 1 March of ``year``."""
    for offset in range(100):
        value = iin_make(dt.date(year, 3, 1), sex, serial + offset)
        if value:
            return value
    raise AssertionError("no IIN")


def incident_row(number: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "record_id": f"KUI-{number:06d}",
        "occurred_at": "2024-03-05 21:40",
        "reported_at": "2024-03-05 22:05",
        "district": "101000000",
        "settlement_type": "urban",
        "source_channel": "call_102",
        "physical": "1",
        "alcohol": "0",
        "injury": "light",
        "victim_iin": iin(1990, 2 * number, "F"),
        "offender_iin": iin(1985, 2 * number + 1, "M"),
        "relationship": "spouse",
    }
    row.update(overrides)
    return row


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(name for row in rows for name in row))


def write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    header = header or columns_of(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    header = header or columns_of(rows)
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name) for name in header])
    book.save(path)
    return path


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))
