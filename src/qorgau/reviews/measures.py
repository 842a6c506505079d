"""Rows for the monitoring indicators (registered from ``ReviewsConfig.ready``).

``review_findings``: one row per finding, on the day of its review's death or grave harm and in
its district, with its ``code``: the indicator ``review_findings_rate`` (per million population)
breaks the findings down by code, so that the country sees what recurs (missed risk, no order,
failed check, no referral) by region and year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from qorgau.monitoring.measures import Row, read_days
from qorgau.monitoring.reading import plain_rows
from qorgau.monitoring.recount import counted_record_register
from qorgau.reviews.models import Finding, SeriousCaseReview


def review_findings(since: dt.date | None) -> Iterator[Row]:
    findings = read_days(Finding.objects.all(), "review__event_on", since)
    for day, district, code in plain_rows(
        findings, "review__event_on", "review__district_id", "code"
    ):
        yield Row(day, district, None, 1.0, {"code": code})


def _finding_days(findings: Sequence[Any]) -> Iterable[dt.date]:
    ids = {finding.review_id for finding in findings}
    return SeriousCaseReview.objects.filter(pk__in=ids).values_list("event_on", flat=True)


REVIEW_MEASURES = {"review_findings": (review_findings, {"code"})}


def register() -> None:
    from qorgau.monitoring import measures

    for name, (function, fields) in REVIEW_MEASURES.items():
        measures.measure_register(name, function, fields=fields)
    counted_record_register(
        Finding, ("review_id", "code"), _finding_days, measures=("review_findings",)
    )
