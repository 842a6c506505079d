"""Records dated before an incremental run's ``since`` are recounted (``monitoring.recount``).

The nightly run recomputes from yesterday; an incident reported months after it happened, a
correction or a deletion of an old record must still reach the stored values that night.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, ALMATY_CITY, KURCHATOV, SEMEY
from qorgau.monitoring import recount
from qorgau.monitoring.engine import indicators_compute
from qorgau.monitoring.models import RecountDay
from qorgau.monitoring.tests.test_engine import (
    _assert_same_tables,
    _base,
    _day_figures,
    _incident,
    _table,
)
from qorgau.registry import services as s
from qorgau.registry.models import Incident
from qorgau.registry.signals import records_stored
from qorgau.territory.models import Territory

D = dt.date
NIGHT = D(2024, 12, 20)  # the nightly run's "yesterday" in these tests


@pytest.fixture
def computed(make_user, db):
    """The base records, computed once: nothing is left to recount."""
    root = make_user(Role.POLICE_SUPERVISOR, ABAI, is_superuser=True, username="root")
    victims, offenders = _base(root, make_user(Role.POLICE_SUPERVISOR, ALMATY_CITY))
    indicators_compute(window_start=D(2024, 11, 1))
    assert not RecountDay.objects.exists()
    return root, victims, offenders


def _equals_a_full_run() -> None:
    incremental, days = _table(), _day_figures()
    indicators_compute(window_start=D(2024, 11, 1))
    _assert_same_tables(incremental, _table())
    assert days == _day_figures()


@pytest.mark.django_db
def test_an_incident_reported_months_late_reaches_the_nightly_run(computed):
    root, victims, offenders = computed
    _incident(root, SEMEY, D(2024, 3, 10), victims[2], offenders[1], physical=True)
    assert set(RecountDay.objects.values_list("day", "measure")) == {(D(2024, 3, 10), "")}

    summary = indicators_compute(since=NIGHT)

    assert summary.recounted_from == D(2024, 3, 10)
    assert not RecountDay.objects.exists()  # settled
    _equals_a_full_run()


@pytest.mark.django_db
def test_a_correction_and_a_deletion_of_old_records_are_recounted(computed):
    root, victims, offenders = computed
    moved = Incident.objects.get(occurred_at__date=D(2024, 7, 1))
    moved.district = Territory.objects.by_code(KURCHATOV, on=D(2024, 7, 1))
    moved.save(update_fields=["district"])
    Incident.objects.get(occurred_at__date=D(2023, 11, 20)).delete()
    assert min(RecountDay.objects.values_list("day", flat=True)) == D(2023, 11, 20)

    assert indicators_compute(since=NIGHT).recounted_from == D(2023, 11, 20)
    _equals_a_full_run()


@pytest.mark.django_db
def test_a_write_that_changes_no_count_notes_nothing_and_an_extension_its_own_days(computed):
    root, victims, offenders = computed
    incident = Incident.objects.get(occurred_at__date=D(2024, 12, 5))
    order = s.order_issue(
        actor=root,
        offender=offenders[0],
        protected=[victims[1]],
        issued_on=D(2024, 12, 6),
        served_on=D(2024, 12, 6),
        district=incident.district,
        incident=incident,
        audit=False,
    )
    indicators_compute(since=NIGHT)
    assert not RecountDay.objects.exists()

    order.next_check_due = D(2024, 12, 30)
    order.save(update_fields=["next_check_due"])  # what a check-in does to the order
    assert not RecountDay.objects.exists()

    old_end = order.ends_on
    assert old_end is not None  # served: its term runs
    order.ends_on = old_end + dt.timedelta(days=30)
    order.save(update_fields=["ends_on"])
    # the weeks in force change from the old end on, not from the day the order was issued
    assert list(RecountDay.objects.values_list("day", flat=True)) == [old_end]


@pytest.mark.django_db
def test_bulk_writes_announced_by_the_registry_are_noted(computed):
    """The importer writes rows without the models' signals and sends ``records_stored``."""
    old = Incident.objects.filter(occurred_at__year=2023).values_list("pk", flat=True)
    records_stored.send(Incident, pks=list(old))
    assert list(RecountDay.objects.values_list("day", flat=True)) == [D(2023, 3, 1)]


@pytest.mark.django_db
def test_an_import_notes_its_days_from_the_rows_it_wrote(computed, tmp_path, monkeypatch):
    """The importer sends the incidents it created with their values: the notes are those a
    read-back would give, and nothing is read back for them."""
    from qorgau.registry.tests.test_import_helpers import incident_row, write_csv

    read_back = []
    real_values = recount._values

    def values(model, fields, pks):
        read_back.append(model)
        return real_values(model, fields, pks)

    monkeypatch.setattr(recount, "_values", values)
    rows = [
        incident_row(1, occurred_at="2024-02-11 23:30", reported_at="2024-11-02 10:00"),
        incident_row(2, occurred_at="2024-06-01 10:00", reported_at="2024-06-01 11:00"),
    ]
    call_command("import", "incidents", str(write_csv(tmp_path / "i.csv", rows)), "--source", "x")
    assert Incident.objects.filter(source="x").count() == 2
    assert Incident not in read_back
    # the earliest day noted: the first incident's, in the system's time zone
    assert RecountDay.objects.filter(measure="").get().day == D(2024, 2, 11)


@pytest.mark.django_db
def test_a_run_of_some_indicators_leaves_the_notes_to_the_nightly_run(computed):
    root, victims, offenders = computed
    _incident(root, SEMEY, D(2024, 3, 10), victims[2], offenders[1], physical=True)
    indicators_compute(only=["incidents_rate"])
    assert RecountDay.objects.exists()


@pytest.mark.django_db
def test_the_command_says_from_which_day_it_recounted(computed, capsys):
    root, victims, offenders = computed
    _incident(root, SEMEY, D(2024, 3, 10), victims[2], offenders[1], physical=True)
    call_command("indicators", "compute", "--since", NIGHT.isoformat())
    assert "Records dated from 2024-03-10 changed since the last run" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_measure_noted_alone_inside_the_window_is_recounted_by_day(computed):
    """A note for one measure inside the window of day figures runs that measure's indicators
    alone on the day path (which has no month cells to read first)."""
    from qorgau.monitoring.models import IndicatorValue

    Incident.objects.get(occurred_at__date=D(2024, 12, 5)).delete()
    RecountDay.objects.update(measure="incidents")  # as if only the incidents' measure moved

    summary = indicators_compute(since=NIGHT)

    assert summary.recounted_from == D(2024, 12, 5)
    semey = Territory.objects.by_code(SEMEY, on=D(2024, 12, 1))
    december = IndicatorValue.objects.filter(territory=semey, period="2024-12", breakdown="")
    assert not december.filter(indicator="incidents_rate").exists()
    assert december.filter(indicator="victims_rate").exists()  # not recounted: left as it was


@pytest.mark.django_db
def test_a_note_made_while_the_run_reads_waits_for_the_next_run(computed, monkeypatch):
    """A write committed during a run may come after the run read its records: its note is
    not settled with the notes the run read."""
    from qorgau.monitoring.engine import compute as engine

    root, victims, offenders = computed
    _incident(root, SEMEY, D(2024, 3, 10), victims[2], offenders[1], physical=True)
    compute = engine._compute

    def with_a_write_meanwhile(*args, **kwargs):
        # noted before the run began, in a transaction that commits only now
        noted_at = timezone.now() - dt.timedelta(minutes=5)
        RecountDay.objects.create(day=D(2024, 5, 1), noted_at=noted_at, source="registry.Incident")
        return compute(*args, **kwargs)

    monkeypatch.setattr(engine, "_compute", with_a_write_meanwhile)
    assert indicators_compute(since=NIGHT).recounted_from == D(2024, 3, 10)
    assert list(RecountDay.objects.values_list("day", flat=True)) == [D(2024, 5, 1)]
