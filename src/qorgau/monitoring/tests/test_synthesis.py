"""Synthetic aggregate reports: every body and month, figures from the simulated registers."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from qorgau.monitoring import aggregates as agg
from qorgau.monitoring import synthesis
from qorgau.monitoring.models import AggregateFigure, AggregateReport, ReportStatus
from qorgau.registry.models import RegisterRecord
from qorgau.territory.models import Level, Territory

pytestmark = pytest.mark.django_db


def test_each_body_reports_every_month_with_figures_from_the_registers():
    from qorgau.synth.services import synth_run

    synth_run(first_year=2023, last_year=2024, scale=0.005, seed=5, today=dt.date(2025, 3, 1))
    reports = AggregateReport.objects.filter(source="synth")
    forms = agg.forms_load()[0]
    assert set(reports.values_list("form", flat=True)) == set(forms)
    periods = sorted(set(reports.values_list("period", flat=True)))
    assert periods[0] == "2023-01" and periods[-1] == "2024-12" and len(periods) == 24
    districts = Territory.objects.current().filter(level=Level.DISTRICT).count()
    regions = Territory.objects.current().filter(level=Level.REGION).count()
    health = reports.filter(form="health_facility", period="2024-06").count()
    assert health == districts  # only the latest month may lack reports
    assert reports.filter(form="crisis_centre", period="2024-06").count() == regions

    # every report passes the checks a person entering it would face
    for report in reports.prefetch_related("figures")[:400]:
        values = {f.item: f.value for f in report.figures.all()}
        agg.figures_validate(forms[report.form], values)

    # a crisis centre's clients are its region's synthetic crisis-centre records of the month
    seen: Counter[tuple[int | None, str]] = Counter()
    for district, day in RegisterRecord.objects.filter(
        source="synth", register="crisis_centre", seen_on__year=2024
    ).values_list("district__parent_id", "seen_on"):
        seen[district, f"{day:%Y-%m}"] += 1
    clients = AggregateFigure.objects.filter(
        report__source="synth", report__form="crisis_centre", item="clients_total"
    ).values_list("report__territory_id", "report__period", "value")
    compared = [(value, seen[t, p]) for t, p, value in clients if p.startswith("2024")]
    assert compared and all(value == expected for value, expected in compared)
    assert sum(value for value, _ in compared) > 0

    # the workflow: mostly accepted, some late; a few of the last month missing, so overdue
    assert reports.filter(status=ReportStatus.ACCEPTED).count() > 0.8 * reports.count()
    late = [r for r in reports.filter(status=ReportStatus.ACCEPTED) if not agg.is_on_time(r)]
    assert 0 < len(late) < 0.2 * reports.count()
    owed = agg.reports_overdue(today=dt.date(2025, 1, 20))
    assert owed and {o.period for o in owed} == {"2024-12"}

    synthesis.clear()
    assert not AggregateReport.objects.filter(source="synth").exists()
    assert not AggregateFigure.objects.filter(report__source="synth").exists()
