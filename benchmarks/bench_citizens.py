"""Benchmark of the citizen portal's report submission against a bare insert.

Measured in one run on the database ``benchmarks/run.py`` prepared:

* ``N`` anonymous reports submitted through the public view with Django's test client: form
  validation, the district look-up, three Fernet encryptions, the keyed receipt digest, the
  rate-limit counter in the cache, the transaction, and rendering the receipt page;
* the baseline: ``N`` bare ``CitizenReport.objects.create`` calls with constant tokens — what
  storing the row costs without any of the above.

The rows created are removed afterwards. Called from ``benchmarks/run.py`` as
``bench_citizens.run(n)``.
"""

from __future__ import annotations

import time
from typing import Any


def run(n: int = 300) -> list[tuple[str, str, str, str]]:
    from django.test import Client, override_settings

    from qorgau.citizens.models import CitizenReport
    from qorgau.territory.models import Territory

    district = Territory.objects.current().districts().order_by("kato_code").first()
    if district is None:
        return []
    form: dict[str, Any] = {
        "account": "Shouting and crying next door, something was broken. " * 4,
        "district": str(district.pk),
        "at_risk": "woman",
        "reporter": "neighbour",
        "address": "Abai street 5, flat 12",
        "contact": "+7 701 000 00 00, weekdays 10-12",
        "occurred_on": "",
        "website": "",
    }
    before = set(CitizenReport.objects.values_list("pk", flat=True))
    client = Client()
    with override_settings(QORGAU_CITIZENS_RATE_LIMITS={"report": (n + 10, 3600)}):
        client.get("/portal/report/")  # warm-up: templates, choices
        start = time.perf_counter()
        for _ in range(n):
            response = client.post("/portal/report/", form)
            assert response.status_code == 200, response.status_code
        through_view = time.perf_counter() - start

    start = time.perf_counter()
    for index in range(n):
        CitizenReport.objects.create(
            receipt_digest=f"bench-{index:08d}-{time.perf_counter_ns()}",
            district=district,
            at_risk="woman",
            account_token="x",
            source="bench",
        )
    bare = time.perf_counter() - start
    CitizenReport.objects.exclude(pk__in=before).delete()
    return [
        (
            f"citizens: {n} anonymous reports through the public view",
            f"{through_view / n * 1000:.2f} ms/report",
            f"bare insert {bare / n * 1000:.2f} ms/report",
            f"{through_view / bare:.1f}×",
        )
    ]
