"""A synthetic country for the stress test of the rating (tests and the benchmark).

The published hidden-violence estimates need a linkage run, which a small test country cannot
train reliably; here the estimate is made with latency's own estimator from the capture
histories a perfect linkage would give (the synthetic truth), and stored as monitoring stores
the reporting ratio. Only ever in a test or benchmark database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone


def synthetic_country(*, scale: float, seed: int, first_year: int, last_year: int) -> list[Any]:
    """Generate the country, compute monitoring's indicators, store the reporting ratios; the
    truth's capture histories (for the stress test's re-estimation)."""
    from qorgau.monitoring.engine import indicators_compute
    from qorgau.synth.evaluation import truth_histories
    from qorgau.synth.services import synth_run

    run = synth_run(
        first_year=first_year,
        last_year=last_year,
        scale=scale,
        seed=seed,
        today=dt.date(last_year + 1, 6, 1),
    )
    indicators_compute()
    histories = truth_histories(run)
    reporting_ratio_store(histories)
    return histories


def reporting_ratio_store(histories: list[Any]) -> int:
    """Registered victims ÷ the estimate from each region-year's capture table (as latency
    would feed monitoring); a refused estimate stores nothing. The number stored."""
    from qorgau.latency import mse
    from qorgau.latency.services import table_of
    from qorgau.monitoring.models import IndicatorValue
    from qorgau.territory.models import Territory

    stored = 0
    for history in histories:
        try:
            found = mse.estimate(table_of(history)[0], spread=False)
        except mse.EstimationRefused:
            continue
        day = dt.date(history.year, 12, 31)
        region = Territory.objects.valid_on(day).filter(kato_code=history.region_code).first()
        victims = IndicatorValue.objects.filter(
            indicator="victims_rate", territory=region, period=str(history.year), breakdown=""
        ).first()
        if region is None or victims is None or not found.estimate:
            continue
        IndicatorValue.objects.update_or_create(
            indicator="reporting_ratio",
            territory=region,
            period=str(history.year),
            breakdown="",
            defaults={
                "period_kind": "year",
                "period_start": dt.date(history.year, 1, 1),
                "numerator": victims.numerator,
                "denominator": found.estimate,
                "value": 100 * victims.numerator / found.estimate,
                "low": 100 * victims.numerator / found.ci_high if found.ci_high else None,
                "high": min(100.0, 100 * victims.numerator / found.ci_low)
                if found.ci_low
                else None,
                "computed_at": timezone.now(),
            },
        )
        stored += 1
    return stored
