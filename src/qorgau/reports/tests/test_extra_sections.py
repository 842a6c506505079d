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


# --- Budget, coordination and programmes ------------------------------------------------------


def _section(built, key: str):
    return next(s for s in built.sections if s.key == key)


def _stored_cells(html: str) -> list[tuple[str, str, str, str]]:
    """(indicator, KATO code, data-value, printed text) of every stored figure in the HTML."""
    from qorgau.reports.tests.test_render import _cells

    return _cells(html)


def _assert_stored(html: str, period: str) -> set[tuple[str, str]]:
    """Every figure marked as stored equals the stored value, as printed; returns the
    (indicator, KATO code) pairs seen."""
    from qorgau.monitoring.models import IndicatorValue
    from qorgau.reports.sections import number

    seen = set()
    for indicator, code, raw, text in _stored_cells(html):
        stored = IndicatorValue.objects.get(
            indicator=indicator, territory__kato_code=code, period=period, breakdown=""
        )
        assert float(raw) == stored.value, (indicator, code)
        assert text.strip() == number(stored.value), (indicator, code, text)
        seen.add((indicator, code))
    return seen


def _rows(html: str, table: int | None = None) -> dict[str, list[str]]:
    """The table rows of the HTML (or of its ``table``-th table) by their first cell's text:
    the other cells' texts."""
    import re

    if table is not None:
        html = re.findall(r"<table.*?</table>", html, flags=re.S)[table]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(
            r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]  # fmt: skip
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


def test_without_data_the_new_sections_say_so(report_values):
    built = _build("region", ABAI, "2024Q4")
    skipped = {s.key: s.skipped for s in built.sections if s.skipped}
    assert {"budget", "coordination", "programs"} <= set(skipped)
    assert "No allocation or execution of the budget programme is recorded" in built.html
    assert "No work of the coordinating bodies is recorded" in built.html
    assert "No psychocorrection programme activity is recorded" in built.html


def _budget_fixture():
    """Abai: crisis centres revised to 1,000,000, spent 300,000 + 250,000 + 200,000 in
    January–March; psychocorrection 400,000, spent 360,000 in June. Almaty city: crisis centres
    2,000,000, all spent in December."""
    import datetime as dt
    from decimal import Decimal

    from qorgau.budget.models import Allocation, Execution, Source, SubProgramme
    from qorgau.conftest import ALMATY_CITY
    from qorgau.territory.models import Territory, TerritoryPopulation

    on = dt.date(2024, 12, 31)
    abai = Territory.objects.by_code(ABAI, on=on)
    almaty = Territory.objects.by_code(ALMATY_CITY, on=on)
    crisis = SubProgramme.objects.get(code="crisis_centres")
    psycho = SubProgramme.objects.get(code="psychocorrection")
    for sub, region, approved, revised in (
        (crisis, abai, 1200000, 1000000),
        (psycho, abai, 400000, 400000),
        (crisis, almaty, 2000000, 2000000),
    ):
        Allocation.objects.create(sub_programme=sub, region=region, year=2024,
                                  approved=Decimal(approved), revised=Decimal(revised),
                                  source=Source.ENTRY)  # fmt: skip
    for sub, region, month, spent in (
        (crisis, abai, 1, 300000),
        (crisis, abai, 2, 250000),
        (crisis, abai, 3, 200000),
        (psycho, abai, 6, 360000),
        (crisis, almaty, 12, 2000000),
    ):
        Execution.objects.create(sub_programme=sub, region=region, year=2024, month=month,
                                 executed=Decimal(spent), people_served=10,
                                 source=Source.ENTRY)  # fmt: skip
    for region, people in ((abai, 600000), (almaty, 2000000)):
        TerritoryPopulation.objects.update_or_create(
            territory=region, year=2024, defaults={"total": people, "source": "test"}
        )


def _compute(*codes: str) -> None:
    from qorgau.monitoring.engine import indicators_compute

    indicators_compute(only=codes)


def test_budget_execution_by_sub_programme_and_region(report_values):
    from qorgau.conftest import ALMATY_CITY, COUNTRY

    _budget_fixture()
    _compute("budget_execution", "spending_per_capita")
    budget = _section(_build("national", None, "2024"), "budget")
    assert not budget.skipped
    rows = _rows(budget.html)
    # By sub-programme, the whole year: approved, revised, executed, executed %.
    crisis = next(cells for name, cells in rows.items() if "crisis" in name.lower())
    assert crisis == ["3,200,000", "3,000,000", "2,750,000", "91.7"]
    psycho = next(
        cells for name, cells in rows.items() if "psychological correction" in name.lower()
    )
    assert psycho == ["400,000", "400,000", "360,000", "90.0"]
    assert rows["Total"] == ["3,600,000", "3,400,000", "3,110,000", "91.5"]
    # By region, with the stored execution and spending per capita.
    assert rows["Abai Region"][:3] == ["1,400,000", "1,110,000", "79.3"]
    assert rows["Almaty"][:3] == ["2,000,000", "2,000,000", "100.0"]
    seen = _assert_stored(budget.html, "2024")
    for code in (ABAI, ALMATY_CITY, COUNTRY):
        assert ("budget_execution", code) in seen
        assert ("spending_per_capita", code) in seen
    assert "<img" in budget.html  # the chart of the regions' execution


def test_budget_of_a_quarter_counts_the_year_to_date_of_the_region_only(report_values):
    _budget_fixture()
    _compute("budget_execution", "spending_per_capita")
    budget = _section(_build("region", ABAI, "2024Q3"), "budget")
    rows = _rows(budget.html)
    assert rows["Total"] == ["1,600,000", "1,400,000", "1,110,000", "79.3"]
    assert "Almaty" not in budget.html.split("<figure>")[0]  # the chart shows every region
    assert "By region" not in budget.html
    national = _rows(_section(_build("national", None, "2024Q3"), "budget").html)
    # Almaty city spent everything in December: nothing by the end of September.
    assert national["Almaty"][:3] == ["2,000,000", "0", "0.0"]
    assert all(indicator in {"budget_execution", "spending_per_capita"}
               for indicator, *_ in _stored_cells(budget.html))  # fmt: skip
    _assert_stored(budget.html, "2024Q3")


def _coordination_fixture():
    """Abai's body: two meetings and a case conference held in 2024Q4, a planned one; three
    decisions due in November (one done on time, one late, one still open). Almaty's body: one
    meeting."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from qorgau.accounts.models import Organisation, OrganisationKind
    from qorgau.conftest import ALMATY_CITY
    from qorgau.coordination.models import (
        CoordinatingBody,
        Decision,
        ItemStatus,
        Meeting,
        MeetingKind,
        MeetingStatus,
    )
    from qorgau.territory.models import Territory

    zone = ZoneInfo("Asia/Almaty")
    abai, almaty = Territory.objects.by_code(ABAI), Territory.objects.by_code(ALMATY_CITY)
    police = Organisation.objects.create(name="Abai police", kind=OrganisationKind.POLICE,
                                         territory=abai)  # fmt: skip
    bodies = {
        region: CoordinatingBody.objects.create(
            name=f"Council {region.kato_code}", territory=region
        )
        for region in (abai, almaty)
    }

    def meeting(region, day, kind=MeetingKind.REGULAR, status=MeetingStatus.HELD):
        return Meeting.objects.create(
            body=bodies[region], kind=kind, status=status,
            planned_at=dt.datetime(day.year, day.month, day.day, 10, tzinfo=zone),
            held_on=day if status == MeetingStatus.HELD else None,
        )  # fmt: skip

    first = meeting(abai, dt.date(2024, 10, 10))
    meeting(abai, dt.date(2024, 11, 12))
    meeting(abai, dt.date(2024, 12, 3), MeetingKind.CONFERENCE)
    meeting(abai, dt.date(2024, 12, 20), status=MeetingStatus.PLANNED)
    meeting(almaty, dt.date(2024, 10, 20))
    deadline = dt.date(2024, 11, 30)
    for status, done in (
        (ItemStatus.DONE, dt.date(2024, 11, 20)),
        (ItemStatus.DONE, dt.date(2024, 12, 10)),
        (ItemStatus.OPEN, None),
    ):
        Decision.objects.create(meeting=first, owner=police, deadline=deadline, status=status,
                                completed_on=done, text="A decision")  # fmt: skip


def test_coordinating_bodies_of_the_region(report_values):
    _coordination_fixture()
    _compute("decisions_executed_on_time")
    coordination = _section(_build("region", ABAI, "2024Q4"), "coordination")
    assert not coordination.skipped
    rows = _rows(coordination.html, 0)
    # bodies, meetings, conferences, decisions taken, due (stored), on time % (stored), overdue
    assert rows["Abai Region"] == ["1", "2", "1", "3", "3", "33.3", "1"]
    assert _assert_stored(coordination.html, "2024Q4") == {("decisions_executed_on_time", ABAI)}
    assert "Almaty" not in coordination.html
    national = _rows(_section(_build("national", None, "2024Q4"), "coordination").html, 0)
    assert national["Almaty"][:3] == ["1", "1", "0"]
    assert national["Kazakhstan"][:4] == ["2", "3", "1", "3"]


def _programme_fixture():
    """Three offenders in Semey obliged from 1 October 2024, all enrolled on 10 October; one
    completed in December, one dropped out in November."""
    import datetime as dt

    from qorgau.programs.models import Enrolment, EnrolmentStatus
    from qorgau.programs.tests.conftest import make_programme, make_provider, make_requirement

    programme = make_programme(make_provider("Abai programmes", ABAI), capacity=10)
    start = dt.date(2024, 10, 1)
    for status, ended in (
        (EnrolmentStatus.COMPLETED, dt.date(2024, 12, 15)),
        (EnrolmentStatus.DROPPED_OUT, dt.date(2024, 11, 15)),
        (EnrolmentStatus.ENROLLED, None),
    ):
        requirement = make_requirement(starts_on=start)
        Enrolment.objects.create(
            requirement=requirement, offender=requirement.offender,
            district=requirement.district, programme=programme, status=status,
            listed_on=start, enrolled_on=dt.date(2024, 10, 10), ended_on=ended,
        )  # fmt: skip


def test_psychocorrection_programmes_of_the_region(report_values):
    from qorgau.conftest import SEMEY

    _programme_fixture()
    _compute("programme_enrolment", "programme_completion", "reoffending_after_programme")
    programs = _section(_build("region", ABAI, "2024Q4"), "programs")
    assert not programs.skipped
    rows = _rows(programs.html)
    # obliged, enrolled, enrolled %, completed, completion %, dropped out, re-offended, %
    expected = ["3", "3", "100.0", "1", "33.3", "1", "0", "0.0"]
    assert rows["Semey City"] == expected
    assert rows["Abai Region"] == expected
    seen = _assert_stored(programs.html, "2024Q4")
    assert ("programme_completion", SEMEY) in seen
    assert ("reoffending_after_programme", ABAI) in seen
    national = _rows(_section(_build("national", None, "2024Q4"), "programs").html)
    assert national["Abai Region"] == expected
    assert national["Kazakhstan"] == expected
