"""Helpers shared by the citizen portal tests."""

from __future__ import annotations

from typing import Any

from django.test import Client

from qorgau.citizens.models import CitizenReport
from qorgau.territory.models import Territory


def form_data(code: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "account": "Neighbour shouting, a child crying",
        "district": str(Territory.objects.by_code(code).pk),
        "at_risk": "woman",
        "reporter": "neighbour",
        "address": "",
        "contact": "",
        "occurred_on": "",
        "website": "",
    }
    data.update(overrides)
    return data


def post_report(client: Client, code: str, **overrides: Any) -> Any:
    return client.post("/portal/report/", form_data(code, **overrides))


def latest_report() -> CitizenReport:
    return CitizenReport.objects.order_by("-pk").first()  # type: ignore[return-value]
