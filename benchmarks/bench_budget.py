"""Benchmark of the budget XLSX upload: validating and storing N rows of monthly execution.

Measured in one run on the same workbook:

* the baseline: reading the workbook with openpyxl only (every cell of every row);
* the first upload through ``workbook_store`` (parse, check every rule, create rows,
  revisions and the audit entries);
* the same upload again (everything unchanged: the idempotent path).

The rows are written inside a transaction that is rolled back, so the bench database keeps
only what the other benchmarks made.
"""

from __future__ import annotations

import io
import math
import statistics
import time
from collections.abc import Callable
from typing import Any


def _timed(action: Callable[[], Any], repeat: int = 3) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _workbook(rows: int) -> tuple[bytes, int]:
    """Allocations and ``rows`` execution rows over the regions of 2010-2019, in one file."""
    import datetime as dt

    from openpyxl import Workbook

    from qorgau.budget.models import SubProgramme
    from qorgau.budget.services import ALLOCATION_COLUMNS, EXECUTION_COLUMNS
    from qorgau.territory.models import Territory

    regions = list(
        Territory.objects.regions()
        .valid_on(dt.date(2019, 12, 31))
        .values_list("kato_code", flat=True)
    )
    subs = list(SubProgramme.objects.filter(active=True).values_list("code", "outputs"))
    per_year = len(regions) * len(subs) * 12
    years = range(2010, 2010 + max(1, math.ceil(rows / per_year)))
    book = Workbook(write_only=True)
    allocations = book.create_sheet("allocations")
    allocations.append(list(ALLOCATION_COLUMNS))
    execution = book.create_sheet("execution")
    execution.append(list(EXECUTION_COLUMNS))
    written = 0
    for year in years:
        for region in regions:
            for code, outputs in subs:
                allocations.append([region, year, code, 12_000_000, None, None])
                for month in range(1, 13):
                    if written == rows:
                        break
                    values = {name: 10 + month for name in outputs}
                    if "completed" in values:
                        values["completed"] = 5
                    execution.append(
                        [region, year, month, code, 900_000, 500_000, 250_000, 150_000]
                        + [values.get(name) for name in EXECUTION_COLUMNS[8:13]]
                        + [None, None]
                    )
                    written += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), written


def _read_only(content: bytes) -> int:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    cells = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += len(row)
    book.close()
    return cells


def run(rows: int = 20_000) -> list[tuple[str, str, str, str]]:
    """Rows for the results table."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from qorgau.budget.services import workbook_store
    from qorgau.territory.models import Territory

    content, written = _workbook(rows)
    baseline = _timed(lambda: _read_only(content))
    user = get_user_model().objects.create(
        username=f"bench-finance-{time.time_ns()}",
        role="finance_officer",
        territory=Territory.objects.get(kato_code="000000000"),
    )
    with transaction.atomic():
        start = time.perf_counter()
        first = workbook_store(actor=user, content=content)
        store = time.perf_counter() - start
        start = time.perf_counter()
        again = workbook_store(actor=user, content=content)
        repeat = time.perf_counter() - start
        transaction.set_rollback(True)
    user.delete()
    assert not first.errors and again.unchanged == first.created, (first.errors[:3], again)
    return [
        (
            f"budget: validate and store an XLSX of {written:,} execution rows "
            f"(+{first.created - written:,} allocations)",
            f"{store:.2f} s",
            f"openpyxl read only {baseline:.2f} s",
            f"{store / baseline:.1f}×",
        ),
        (
            "budget: re-upload of the same XLSX (all rows unchanged)",
            f"{repeat:.2f} s",
            f"openpyxl read only {baseline:.2f} s",
            f"{repeat / baseline:.1f}×",
        ),
    ]
