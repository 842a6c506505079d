"""Benchmark of the national report: rendering it to PDF against rendering its HTML only.

Measured in one run on the database ``benchmarks/run.py`` filled (indicator values computed
by ``bench_monitoring``, which runs first). The HTML baseline does all the database reads and
chart rendering; the difference is WeasyPrint's layout and PDF writing. Wire it into run.py::

    import bench_reports
    rows.extend(bench_reports.run())
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
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


def run(language: str = "ru") -> list[tuple[str, str, str, str]]:
    """Rows for the results table; empty when no indicator value has been computed."""
    from qorgau.reports.render import report_render, report_request_parse

    year = _fullest_year()
    if year is None:
        return []
    request = report_request_parse(kind="national", code=None, period=year, language=language)
    report_render(request, "html")  # warm the chart engine and caches
    html = _timed(lambda: report_render(request, "html"))
    pdf = _timed(lambda: report_render(request, "pdf"))
    payload, built = report_render(request, "pdf")
    return [
        (
            f"reports: national report {year} to PDF ({_pages(payload)} pages, "
            f"{len(payload) // 1024:,} KiB)",
            f"{pdf:.2f} s",
            f"HTML only {html:.2f} s",
            f"{pdf / html:.1f}×",
        )
    ]


def _fullest_year() -> str | None:
    """The year with the most stored values (the latest one may be only partly computed)."""
    from django.db.models import Count

    from qorgau.monitoring.models import IndicatorValue

    best = (
        IndicatorValue.objects.filter(period_kind="year")
        .values("period")
        .annotate(n=Count("id"))
        .order_by("-n", "-period")
        .first()
    )
    return str(best["period"]) if best else None


def _pages(pdf: bytes) -> str:
    if shutil.which("pdfinfo") is None:
        return "?"
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=False).stdout
    found = re.search(rb"Pages:\s+(\d+)", info)
    return found[1].decode() if found else "?"


if __name__ == "__main__":
    import os
    import sys
    from pathlib import Path

    import django

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")
    django.setup()
    for row in run():
        print(" | ".join(row))
