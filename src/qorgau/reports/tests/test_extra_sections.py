"""The sections read from other parts: shown when they have results, noted when not."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qorgau.conftest import ABAI
from qorgau.latency.models import EstimationResult, EstimationRun, Method, RunSource, RunStatus
from qorgau.reports.render import report_build, report_request_parse

pytestmark = pytest.mark.django_db


def _build(kind: str, code: str | None, period: str = "2024"):
    return report_build(report_request_parse(kind=kind, code=code, period=period, language="en"))


def test_without_results_the_sections_say_so(report_values):
    built = _build("national", None)
    skipped = {s.key: s.skipped for s in built.sections if s.skipped}
    assert "latency" in skipped
    assert "rating" in skipped
    assert "No estimate of hidden violence has been computed for this year." in built.html
    assert "No rating of akimats has been computed for this year." in built.html


def test_registered_and_estimated_victims_of_the_region(report_values):
    run = EstimationRun.objects.create(
        status=RunStatus.DONE, source=RunSource.LINKAGE, finished_at=timezone.now()
    )
    EstimationResult.objects.create(
        run=run,
        region_code=ABAI,
        year=2024,
        method=Method.MSE,
        police=1234,
        observed=2345,
        estimate=5678.0,
        ci_low=4000.0,
        ci_high=7000.0,
        ratio=0.2173,
        ratio_low=0.18,
        ratio_high=0.3,
    )
    built = _build("region", ABAI, "2024Q4")
    latency = next(s for s in built.sections if s.key == "latency")
    assert not latency.skipped
    assert "5,678" in latency.html
    assert "1234" in latency.html or "1,234" in latency.html
    assert "21.7" in latency.html


def test_the_league_table_with_rank_intervals(report_values):
    from qorgau.rating.models import Level, RatingResult, RatingRun, RunStatus
    from qorgau.rating.services import method_current
    from qorgau.territory.models import Territory

    method = method_current()
    run = RatingRun.objects.create(
        method=method,
        method_name=method.name,
        method_version=method.version,
        method_sha256="0" * 64,
        year=2024,
        level=Level.REGION,
        draws=100,
        seed=1,
        status=RunStatus.DONE,
    )
    for rank, code in enumerate((ABAI, "750000000"), start=1):
        RatingResult.objects.create(
            run=run,
            territory=Territory.objects.by_code(code),
            rank=rank,
            score=80.0 - 10 * rank,
            score_low=60.0,
            score_high=75.0,
            rank_low=rank,
            rank_high=rank + 3,
        )
    built = _build("national", None)
    rating = next(s for s in built.sections if s.key == "rating")
    assert not rating.skipped
    assert "Abai Region" in rating.html
    assert "1 – 4" in rating.html
    assert "2 – 5" in rating.html
