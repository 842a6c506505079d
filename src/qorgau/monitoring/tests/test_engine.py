"""Indicator values on a small hand-computed fixture, and incremental = full recomputation."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, ALMATY_CITY, COUNTRY, KURCHATOV, MEDEU, SEMEY
from qorgau.monitoring.catalogue import catalogue_load
from qorgau.monitoring.engine import indicators_compute
from qorgau.monitoring.export import export_rows
from qorgau.monitoring.intervals import poisson_interval, wilson_interval
from qorgau.monitoring.models import IndicatorValue
from qorgau.monitoring.periods import PeriodError, period_parse
from qorgau.registry import services as s
from qorgau.territory.models import Territory

D = dt.date
SEMEY_2023 = 328_762
COUNTRY_2025 = 20_283_399


def test_periods_are_written_one_way_everywhere():
    assert period_parse("2024").end == D(2024, 12, 31)
    assert (period_parse("2024Q4").start, period_parse("2024Q4").end) == (
        D(2024, 10, 1),
        D(2024, 12, 31),
    )
    assert period_parse("2024-02").end == D(2024, 2, 29)
    for bad in ("2024Q5", "2024-13", "24", "2024-1", "Q4"):
        with pytest.raises(PeriodError):
            period_parse(bad)


def test_intervals_match_published_values():
    low, high = poisson_interval(0)
    assert low == 0 and math.isclose(high, 3.689, rel_tol=1e-3)
    low, high = poisson_interval(10)
    assert math.isclose(low, 4.795, rel_tol=1e-3) and math.isclose(high, 18.390, rel_tol=1e-3)
    low, high = wilson_interval(5, 10)
    assert math.isclose(low, 0.2366, rel_tol=1e-3) and math.isclose(high, 0.7634, rel_tol=1e-3)


def _when(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, 20))


def _incident(actor, code, day, victim, offender, **facts):
    return s.incident_register(
        actor=actor,
        occurred_at=_when(day),
        reported_at=_when(day),
        district=Territory.objects.by_code(code, on=day),
        settlement_type=facts.pop("settlement", "urban"),
        source_channel="call_102",
        victims=[victim],
        offenders=[(offender, "spouse")],
        audit=False,
        **facts,
    )


@pytest.fixture
def fixture(make_user, db):
    root = make_user(Role.POLICE_SUPERVISOR, ABAI, is_superuser=True, username="root")
    aigul = s.person_register(actor=root, sex="F", birth_year=1990, audit=False)
    dana = s.person_register(actor=root, sex="F", birth_year=2008, audit=False)
    marat = s.person_register(actor=root, sex="M", birth_year=1985, audit=False)
    bolat = s.person_register(actor=root, sex="M", birth_year=1970, audit=False)
    _incident(root, SEMEY, D(2025, 1, 5), aigul, marat, physical=True)
    _incident(root, SEMEY, D(2025, 1, 20), aigul, marat, psychological=True)  # a repeat
    _incident(root, SEMEY, D(2025, 2, 3), dana, bolat, physical=True, settlement="rural")
    _incident(root, KURCHATOV, D(2025, 1, 9), dana, bolat, injury="death")
    _incident(root, MEDEU, D(2025, 3, 30), aigul, bolat, physical=True)
    return root


@pytest.mark.django_db
def test_indicator_values_on_a_hand_computed_fixture(fixture):
    summary = indicators_compute()
    assert summary.indicators_computed == len(catalogue_load().indicators)  # all have a source
    assert summary.indicators_awaiting == []
    semey = Territory.objects.by_code(SEMEY)
    abai = Territory.objects.by_code(ABAI)
    country = Territory.objects.by_code("000000000")

    def value(code, territory, period, breakdown=""):
        return IndicatorValue.objects.get(
            indicator=code, territory=territory, period=period, breakdown=breakdown
        )

    january = value("incidents_rate", semey, "2025-01")
    assert (january.numerator, january.denominator) == (2, SEMEY_2023)
    assert math.isclose(january.value, 2 / SEMEY_2023 * 100_000)
    assert january.low < january.value < january.high
    assert value("incidents_rate", abai, "2025Q1").numerator == 4
    assert value("incidents_rate", country, "2025").numerator == 5
    assert (
        value("incidents_rate", country, "2025").denominator == COUNTRY_2025
    )  # the figure of 1 January 2025
    # Aigul is one victim in the year although harmed three times, in two regions
    assert value("victims_rate", country, "2025").numerator == 2
    assert value("victims_rate", semey, "2025-01").numerator == 1
    assert value("victims_rate", country, "2025", "sex=F").numerator == 2
    assert value("victims_rate", country, "2025", "age_group=0-17").numerator == 1
    repeat = value("repeat_victimisation", country, "2025")
    assert (repeat.numerator, repeat.denominator, repeat.value) == (
        2,
        2,
        100,
    )  # Aigul; Dana in Jan→Feb
    share = value("physical_violence_share", semey, "2025Q1")
    assert (share.numerator, share.denominator) == (2, 3)
    assert math.isclose(share.value, 200 / 3)
    assert value("physical_violence_share", semey, "2025Q1", "settlement_type=rural").numerator == 1
    assert value("domestic_homicide_rate", abai, "2025").numerator == 1
    assert not IndicatorValue.objects.filter(indicator="budget_execution").exists()


@pytest.mark.django_db
def test_a_figure_stays_on_the_territory_of_its_day(fixture):
    old_semey = Territory.objects.by_code(SEMEY, on=D(2021, 1, 1))
    victim = s.person_register(actor=fixture, sex="F", audit=False)
    offender = s.person_register(actor=fixture, sex="M", audit=False)
    _incident(fixture, SEMEY, D(2021, 6, 1), victim, offender)
    indicators_compute()
    old_east = old_semey.parent
    assert (
        IndicatorValue.objects.get(
            indicator="incidents_rate", territory=old_east, period="2021", breakdown=""
        ).numerator
        == 1
    )
    assert not IndicatorValue.objects.filter(
        indicator="incidents_rate", territory__kato_code=ABAI, period="2021"
    ).exists()
    # the old region's population is that of its successors
    assert (
        IndicatorValue.objects.get(
            indicator="incidents_rate", territory=old_east, period="2021", breakdown=""
        ).denominator
        == 730_172 + 610_189
    )


def _table():
    return sorted(
        IndicatorValue.objects.values_list(
            "indicator", "territory_id", "period", "breakdown", "numerator", "denominator", "value"
        )
    )


def _day_figures():
    from qorgau.monitoring.models import DayFigure

    return sorted(
        (code, term, territory, period, breakdown, day, round(figure, 6))
        for code, term, territory, period, breakdown, day, figure in DayFigure.objects.values_list(
            "indicator", "term", "territory_id", "period", "breakdown", "day", "figure"
        )
    )


def _assert_same_tables(incremental, full):
    assert [row[:4] for row in incremental] == [row[:4] for row in full]
    for mine, theirs in zip(incremental, full, strict=True):
        for a, b in zip(mine[4:], theirs[4:], strict=True):
            assert a == b or (a is not None and b is not None and math.isclose(a, b)), (
                mine,
                theirs,
            )


_CHANGE = st.tuples(
    st.sampled_from(["add", "add", "delete", "move"]),
    st.integers(0, 700),  # day, from 2023-01-01
    st.sampled_from([SEMEY, KURCHATOV]),
    st.integers(0, 2),  # victim
    st.integers(0, 1),  # offender
    st.booleans(),  # an order with it
)


def _base(root, almaty):
    """Incidents in 2023 and 2024 in two districts of Abai, and one in Almaty (other persons)."""
    victims = [s.person_register(actor=root, sex=sex, audit=False) for sex in ("F", "F", "M")]
    offenders = [s.person_register(actor=root, sex="M", audit=False) for _ in range(2)]
    history = [
        (SEMEY, D(2023, 3, 1), 0, 0),
        (KURCHATOV, D(2023, 11, 20), 1, 1),
        (KURCHATOV, D(2024, 2, 10), 0, 1),
        (SEMEY, D(2024, 7, 1), 2, 0),
        (SEMEY, D(2024, 12, 5), 1, 0),
    ]
    for code, day, victim, offender in history:
        _incident(root, code, day, victims[victim], offenders[offender], physical=True)
    elsewhere = [s.person_register(actor=almaty, sex=sex, audit=False) for sex in ("F", "M")]
    _incident(almaty, MEDEU, D(2024, 5, 5), elsewhere[0], elsewhere[1], physical=True)
    return victims, offenders


def _apply(root, victims, offenders, change, since):
    """Apply one change to the records dated from ``since`` on; returns the day it touched."""
    from qorgau.registry.models import Incident, ProtectiveOrder

    action, offset, code, victim, offender, with_order = change
    day = since + dt.timedelta(days=offset % 60)
    recent = Incident.objects.filter(occurred_at__gte=_when(since) - dt.timedelta(hours=20))
    ordered = ProtectiveOrder.objects.filter(incident__isnull=False).values("incident_id")
    deletable = recent.exclude(pk__in=ordered)  # orders are revoked, never deleted
    if action == "delete" and deletable.exists():
        incident = deletable.order_by("pk")[offset % deletable.count()]
        incident.delete()
        return timezone.localtime(incident.occurred_at).date()
    if action == "move" and recent.exists():
        incident = recent.order_by("pk")[offset % recent.count()]
        incident.district = Territory.objects.by_code(code, on=day)
        incident.save(update_fields=["district"])
        return timezone.localtime(incident.occurred_at).date()
    incident = _incident(root, code, day, victims[victim], offenders[offender], physical=True)
    if with_order:
        s.order_issue(
            actor=root,
            offender=offenders[offender],
            protected=[victims[victim]],
            issued_on=day,
            served_on=day,
            district=incident.district,
            incident=incident,
            audit=False,
        )
    return day


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(_CHANGE, min_size=1, max_size=5),
    st.integers(0, 700),
    st.booleans(),
    st.sampled_from([None, D(2023, 6, 1), D(2024, 2, 1), D(2024, 11, 1)]),
)
def test_incremental_recomputation_equals_a_full_one(make_user, changes, start, replay, window):
    """Records added, deleted or moved from a day on: recomputing from that day gives what a
    full recomputation gives, values, first counts and day figures alike.

    With ``replay`` the run covers only the periods of the changed days, as when history is
    replayed (the benchmark) and later records exist: its periods equal a full computation's.
    (An order's weeks in force after the last day are left to the run covering them, so replay
    cases add no orders.) ``window`` is the first day whose day figures the first complete run
    keeps (None: the latest incident's month); changes from a day inside it take the day path,
    earlier ones the month path.
    """
    from qorgau.monitoring.engine import affected_periods
    from qorgau.monitoring.models import ComputationRun, FirstCountedPersons

    replay = replay and not any(change[5] for change in changes)
    root = make_user(Role.POLICE_SUPERVISOR, ABAI, is_superuser=True)
    victims, offenders = _base(root, make_user(Role.POLICE_SUPERVISOR, ALMATY_CITY))
    indicators_compute(window_start=window)
    if window:  # the changes start inside the window more often than not
        start = (window - D(2023, 1, 1)).days + start % 90 if start % 3 else start
    since = D(2023, 1, 1) + dt.timedelta(days=start)
    days = [_apply(root, victims, offenders, change, since) for change in changes]
    if replay:
        indicators_compute(since=min(days), until=max(days))
        periods = affected_periods(min(days), max(days))
    else:
        indicators_compute(since=min(days))
    incremental = _table()
    firsts = sorted(
        FirstCountedPersons.objects.values_list(
            "indicator", "term", "territory_id", "period", "breakdown", "month", "persons"
        )
    )
    days_kept = _day_figures()
    indicators_compute(window_start=ComputationRun.objects.latest("started_at").window_start)
    days_full = _day_figures()
    firsts_full = sorted(
        FirstCountedPersons.objects.values_list(
            "indicator", "term", "territory_id", "period", "breakdown", "month", "persons"
        )
    )
    full = _table()
    if replay:
        # later years are left to the runs covering them (e.g. a repeat a change makes there)
        last = D(max(days).year, 12, 31)
        days_kept = [row for row in days_kept if row[5] <= last]
        days_full = [row for row in days_full if row[5] <= last]
        firsts = [row for row in firsts if row[5] <= f"{last:%Y-%m}"]
        firsts_full = [row for row in firsts_full if row[5] <= f"{last:%Y-%m}"]
        incremental = [row for row in incremental if row[2] in periods]
        full = [row for row in full if row[2] in periods]
    _assert_same_tables(incremental, full)
    assert firsts == firsts_full
    assert days_kept == days_full
    IndicatorValue.objects.all().delete()


@pytest.mark.django_db
def test_an_incremental_run_carries_the_figures_of_months_it_does_not_recompute(make_user):
    """The incremental run shifts the stored year (additive measures) and adds the persons
    first counted in earlier months (distinct persons) instead of reading the whole year, as
    long as a complete run of the same catalogue wrote them; otherwise it recomputes them."""
    from qorgau.monitoring.models import ComputationRun, FirstCountedPersons

    root = make_user(Role.POLICE_SUPERVISOR, ABAI, is_superuser=True)
    victims, offenders = _base(root, make_user(Role.POLICE_SUPERVISOR, ALMATY_CITY))
    indicators_compute()
    semey = Territory.objects.by_code(SEMEY, on=D(2024, 12, 1))

    def year(indicator):
        return IndicatorValue.objects.get(
            indicator=indicator, territory=semey, period="2024", breakdown=""
        ).numerator

    assert (year("incidents_rate"), year("victims_rate")) == (2, 2)
    # Marks on the stored year: an incremental run shifts it instead of recounting the year.
    for indicator in ("incidents_rate", "victims_rate"):
        IndicatorValue.objects.filter(
            indicator=indicator, territory=semey, period="2024", breakdown=""
        ).update(numerator=102)
    # victims[2] was counted in Semey in July already; victims[0] not yet this year
    _incident(root, SEMEY, D(2024, 12, 20), victims[2], offenders[1], physical=True)
    _incident(root, SEMEY, D(2024, 12, 21), victims[0], offenders[1], physical=True)
    indicators_compute(since=D(2024, 12, 20))
    assert (year("incidents_rate"), year("victims_rate")) == (104, 103)
    assert (
        FirstCountedPersons.objects.get(
            indicator="victims_rate",
            term=0,
            territory=semey,
            period="2024",
            breakdown="",
            month="2024-12",
        ).persons
        == 2
    )  # victims[1] on 5 December, victims[0] on the 21st
    # A complete run of another catalogue: nothing can be shifted, everything is recounted.
    ComputationRun.objects.update(catalogue_version=0)
    indicators_compute(since=D(2024, 12, 20))
    assert (year("incidents_rate"), year("victims_rate")) == (4, 3)


@pytest.mark.django_db
def test_a_run_from_a_day_in_the_window_shifts_the_cells_that_day_touches(make_user):
    """Inside the window of day figures, a run reads the records from ``since`` on only and
    moves each cell by the change in those days' figures: a mark on the stored month survives
    it. From a day before the window, the month is read and counted again."""
    from qorgau.monitoring.models import ComputationRun, DayFigure

    root = make_user(Role.POLICE_SUPERVISOR, ABAI, is_superuser=True)
    victims, offenders = _base(root, make_user(Role.POLICE_SUPERVISOR, ALMATY_CITY))
    indicators_compute(window_start=D(2024, 11, 1))
    assert ComputationRun.objects.latest("started_at").window_start == D(2024, 11, 1)
    semey = Territory.objects.by_code(SEMEY, on=D(2024, 12, 1))
    december = {"indicator": "incidents_rate", "territory": semey, "period": "2024-12"}
    assert IndicatorValue.objects.get(**december, breakdown="").numerator == 1
    assert (
        DayFigure.objects.get(
            indicator="incidents_rate", term=0, territory=semey, breakdown="", day=D(2024, 12, 5)
        ).figure
        == 1
    )
    assert not DayFigure.objects.filter(day__lt=D(2024, 11, 1)).exists()
    IndicatorValue.objects.filter(**december).update(numerator=101)  # only a shift keeps it

    _incident(root, SEMEY, D(2024, 12, 20), victims[2], offenders[1], physical=True)
    indicators_compute(since=D(2024, 12, 20))
    assert IndicatorValue.objects.get(**december, breakdown="").numerator == 102
    assert IndicatorValue.objects.get(**december, breakdown="settlement_type=urban").numerator == (
        102
    )
    assert (
        DayFigure.objects.get(
            indicator="incidents_rate", term=0, territory=semey, breakdown="", day=D(2024, 12, 20)
        ).figure
        == 1
    )
    # the window now starts with the month before the run's: November's figures stay
    assert ComputationRun.objects.latest("started_at").window_start == D(2024, 11, 1)

    indicators_compute(since=D(2024, 10, 30))  # before the window: the month path
    assert IndicatorValue.objects.get(**december, breakdown="").numerator == 2


@pytest.mark.django_db
def test_an_incremental_run_covers_what_was_recorded_since_the_last_run_began(make_user):
    """``since`` moves back to the day the last run began: a record made after that run, dated
    before the ``since`` given, is not missed."""
    from qorgau.monitoring.models import ComputationRun

    root = make_user(Role.POLICE_SUPERVISOR, ABAI, is_superuser=True)
    victims, offenders = _base(root, make_user(Role.POLICE_SUPERVISOR, ALMATY_CITY))
    indicators_compute()
    ComputationRun.objects.update(started_at=_when(D(2024, 12, 10)))
    _incident(root, SEMEY, D(2024, 12, 12), victims[2], offenders[1], physical=True)
    indicators_compute(since=D(2024, 12, 20))
    semey = Territory.objects.by_code(SEMEY, on=D(2024, 12, 1))
    assert (
        IndicatorValue.objects.get(
            indicator="incidents_rate", territory=semey, period="2024-12", breakdown=""
        ).numerator
        == 2
    )


@pytest.mark.django_db
def test_weeks_in_force_split_by_day_sum_to_the_months(make_user):
    """``order_weeks_by_day`` splits the orders' weeks in force by day; over a month they add
    up to what the measure's month rows hold, revocation and the order's end included."""
    from qorgau.monitoring.measures import order_weeks_by_day, order_weeks_in_force

    root = make_user(Role.POLICE_SUPERVISOR, ABAI, is_superuser=True)
    victims, offenders = _base(root, make_user(Role.POLICE_SUPERVISOR, ALMATY_CITY))
    district = Territory.objects.by_code(SEMEY, on=D(2024, 3, 1))
    for served, revoked in ((D(2024, 3, 10), None), (D(2024, 3, 20), D(2024, 4, 2))):
        order = s.order_issue(
            actor=root,
            offender=offenders[0],
            protected=[victims[0]],
            issued_on=served,
            served_on=served,
            district=district,
            audit=False,
        )
        if revoked:
            type(order).objects.filter(pk=order.pk).update(revoked_on=revoked)
    by_day = list(order_weeks_by_day(D(2024, 3, 1)))
    assert {row.day for row in by_day if row.weight == 2 / 7} == {
        D(2024, 3, 20) + dt.timedelta(days=n) for n in range(13)
    }  # both in force from the 20th until the day before the revocation
    for month in (3, 4, 5, 6):
        segments = sum(r.weight for r in order_weeks_in_force(None) if r.day.month == month)
        days = sum(r.weight for r in by_day if r.day.month == month)
        assert math.isclose(days, segments), month


@pytest.mark.django_db
def test_rows_made_on_a_region_count_with_the_rows_of_its_districts():
    """A regional body's decisions are booked on the region, safety actions on districts: the
    region's and the country's figures hold both (a region's own rows once overwrote them)."""
    from qorgau.monitoring.catalogue import Term
    from qorgau.monitoring.engine import _TerritoryTree, tally
    from qorgau.monitoring.measures import Row

    day = D(2025, 5, 5)
    semey, abai, country = (
        Territory.objects.by_code(code, on=day) for code in (SEMEY, ABAI, COUNTRY)
    )
    rows = [
        Row(day, semey.pk, None, 1.0, {}),
        Row(day, abai.pk, None, 1.0, {}),
        Row(D(2025, 4, 1), abai.pk, None, 1.0, {}),
    ]
    figures = tally(rows, Term("decisions_due", {}), (), _TerritoryTree.load(), False, None)
    assert figures[semey.pk, "2025-05", ""] == 1
    assert (semey.pk, "2025-04", "") not in figures
    assert figures[abai.pk, "2025-05", ""] == 2
    assert figures[abai.pk, "2025Q2", ""] == 3
    assert figures[country.pk, "2025Q2", ""] == 3
    assert figures[country.pk, "2025-04", ""] == 1


@pytest.mark.django_db
def test_public_export_perturbs_every_count_by_its_cell_key(fixture):
    indicators_compute()
    period = period_parse("2025")
    rows = export_rows(level=1, period=period, public=True, indicators=["incidents_rate"])
    again = export_rows(level=1, period=period, public=True, indicators=["incidents_rate"])
    assert rows == again  # the same content always gets the same noise
    by_code = {r["territory_code"]: r for r in rows if r["breakdown"] == ""}
    assert by_code[ABAI]["numerator_flag"] == "<5"  # true 4: a band (test_release.py)
    assert by_code["000000000"]["numerator"] in (None, 5, 6, 7)  # true 5: perturbed or banded
    private = export_rows(level=1, period=period, public=False, indicators=["incidents_rate"])
    assert {r["territory_code"]: r["numerator"] for r in private if r["breakdown"] == ""}[ABAI] == 4


@pytest.mark.django_db
def test_the_command_computes_and_exports(fixture, tmp_path, capsys):
    call_command("indicators", "compute")
    out = tmp_path / "open.csv"
    call_command(
        "indicators",
        "export",
        "--level",
        "region",
        "--period",
        "2025",
        "--format",
        "csv",
        "--public",
        "--out",
        str(out),
    )
    text = out.read_text(encoding="utf-8-sig")
    assert text.startswith("indicator,territory_code") and "incidents_rate" in text


@pytest.mark.django_db
def test_dashboards_show_stored_values_to_roles_with_aggregates_only(fixture, make_user, signed_in):
    indicators_compute()
    analyst = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    page = analyst.get("/monitoring/?period=2025").content.decode()
    assert "Registered incidents per 100,000 population" in page and "Abai Region" in page
    abai = Territory.objects.by_code(ABAI)
    assert (
        "Semey City"
        in analyst.get(f"/monitoring/territory/{abai.pk}/?period=2025").content.decode()
    )
    detail = analyst.get("/monitoring/indicator/repeat_victimisation/?period=2025").content.decode()
    assert "How it could be gamed" in detail and "Sex: female" in detail and "sex=F" not in detail
    svg = analyst.get("/monitoring/chart/incidents_rate/map.svg?period=2025")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = analyst.get("/monitoring/chart/incidents_rate/trend.png")
    assert png.content[:4] == b"\x89PNG"
    csv = analyst.get("/monitoring/download.csv?period=2025").content.decode("utf-8-sig")
    assert csv.startswith("indicator,territory_code")
    assert analyst.get("/monitoring/chart/incidents_rate/map.exe").status_code == 404
    for role, code in (
        (Role.AUDITOR, "000000000"),
        (Role.ADMINISTRATOR, "000000000"),
        (Role.DATA_CLERK, "000000000"),
    ):
        assert signed_in(make_user(role, code)).get("/monitoring/").status_code == 403
    public = Client().get("/monitoring/open-data/?period=2025&format=json").json()
    abai_row = next(
        r
        for r in public
        if r["territory_code"] == ABAI
        and r["indicator"] == "incidents_rate"
        and r["breakdown"] == ""
    )
    assert abai_row["numerator"] is None and abai_row["numerator_flag"] == "<5"  # true 4


@pytest.mark.django_db
def test_the_dashboard_runs_a_fixed_number_of_queries(
    fixture, make_user, signed_in, django_assert_max_num_queries
):
    indicators_compute()
    client = signed_in(make_user(Role.NATIONAL_ANALYST, "000000000"))
    with django_assert_max_num_queries(15):
        assert client.get("/monitoring/?period=2025").status_code == 200


@pytest.mark.django_db
def test_past_figures_can_be_shown_on_todays_map(fixture):
    victim = s.person_register(actor=fixture, sex="F", audit=False)
    offender = s.person_register(actor=fixture, sex="M", audit=False)
    for _ in range(3):
        _incident(fixture, SEMEY, D(2021, 6, 1), victim, offender)
    indicators_compute()
    then = export_rows(
        level=1, period=period_parse("2021"), public=False, indicators=["incidents_rate"]
    )
    assert {r["territory_code"] for r in then if r["breakdown"] == ""} >= {"630000000"}
    today = export_rows(
        level=1,
        period=period_parse("2021"),
        public=False,
        indicators=["incidents_rate"],
        on_todays_map=True,
    )
    totals = {r["territory_code"]: r["numerator"] for r in today if r["breakdown"] == ""}
    # the old East Kazakhstan's 3 incidents go to today's East Kazakhstan and Abai by population
    assert totals[ABAI] == pytest.approx(3 * 0.4552) and totals["630000000"] == pytest.approx(
        3 * 0.5448
    )


@pytest.mark.django_db
def test_plain_rows_read_what_values_list_reads(fixture):
    """The engine's fast reader returns the values Django's ``values_list`` would."""
    from qorgau.monitoring.reading import plain_rows
    from qorgau.registry.models import Incident, IncidentParticipant

    fields = ("occurred_at", "district_id", "physical", "injury", "settlement_type")
    incidents = Incident.objects.order_by("pk")
    assert list(plain_rows(incidents, *fields)) == list(incidents.values_list(*fields))
    joined = IncidentParticipant.objects.order_by("pk")
    related = ("incident__occurred_at", "incident__district_id", "person__birth_year")
    assert list(plain_rows(joined, *related)) == list(joined.values_list(*related))


@pytest.mark.django_db
def test_array_literals_read_back_as_the_values_written() -> None:
    """The engine's arrays for PostgreSQL keep every text, number and NULL as it was."""
    from django.db import connection

    from qorgau.monitoring.reading import array_literal

    if connection.vendor != "postgresql":
        pytest.skip("needs QORGAU_DATABASE_URL=postgres://...")
    texts = ["sex=female", "a,b", "{x}", 'say "hi"', "back\\slash", "NULL", "", " pad ", None]
    floats = [0.1 + 0.2, 1e-300, -2.5, 3.0, None, 123456789.123456789]
    numbers = [1, -7, 2**62, None]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::text[], %s::double precision[], %s::bigint[]",
            [array_literal(texts), array_literal(floats), array_literal(numbers)],
        )
        assert cursor.fetchone() == (texts, floats, numbers)


@pytest.mark.django_db
def test_an_incident_with_two_offenders_counts_under_the_first_recorded(fixture):
    """The full and the incremental read give an incident one relationship: its first
    recorded offender's (not whichever row the database returns last)."""
    from qorgau.monitoring.measures import PERSON_HISTORIES, victims

    root = fixture
    victim = s.person_register(actor=root, sex="F", birth_year=1995, audit=False)
    husband = s.person_register(actor=root, sex="M", birth_year=1990, audit=False)
    former = s.person_register(actor=root, sex="M", birth_year=1988, audit=False)
    day = D(2025, 4, 2)
    s.incident_register(
        actor=root,
        occurred_at=_when(day),
        reported_at=_when(day),
        district=Territory.objects.by_code(SEMEY, on=day),
        settlement_type="urban",
        source_channel="call_102",
        victims=[victim],
        offenders=[(husband, "spouse"), (former, "former_spouse")],
        audit=False,
        physical=True,
    )
    full = [row.fields["relationship"] for row in victims(None) if row.key == victim.pk]
    recent = PERSON_HISTORIES["victims"](D(2025, 1, 1), day)
    incremental = [row.fields["relationship"] for row in recent if row.key == victim.pk]
    assert full == incremental == ["spouse"]
