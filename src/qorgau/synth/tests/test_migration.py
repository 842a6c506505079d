"""A database made before register records keeps its synthetic data set (synth 0003)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from qorgau.conftest import SEMEY
from qorgau.registry.models import RegisterRecord
from qorgau.synth.models import RecordTruth

BEFORE = [("synth", "0002_record_truth")]
AFTER = [("synth", "0003_register_records_instead_of_sightings")]


def _migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sightings_become_register_records_with_their_truth_apart() -> None:
    old = _migrate(BEFORE).loader.project_state(BEFORE).apps
    SynthRun = old.get_model("synth", "SynthRun")
    Sighting = old.get_model("synth", "RegisterSighting")
    Territory = old.get_model("territory", "Territory")
    district = Territory.objects.filter(kato_code=SEMEY, valid_to__isnull=True).get()
    run = SynthRun.objects.create(
        seed=1, first_year=2024, last_year=2024, scale=0.01, last_day=dt.date(2024, 12, 31)
    )
    common = dict(run=run, district=district, region_code="100000000", year=2024, sex="F")
    Sighting.objects.create(
        register="health",
        seen_on=dt.date(2024, 3, 1),
        truth_key="k1",
        iin_pseudonym="p" * 64,
        surname_token="token-s",
        first_name_token="token-f",
        birth_date=dt.date(1990, 5, 17),
        birth_year=1990,
        severe=True,
        **common,
    )
    Sighting.objects.create(
        register="line_111", seen_on=dt.date(2024, 4, 2), truth_key="k2", **common
    )

    _migrate(AFTER)

    records = {r.register: r for r in RegisterRecord.objects.filter(source="synth")}
    assert set(records) == {"health", "line_111"}
    health = records["health"]
    assert (health.district_id, health.seen_on) == (district.pk, dt.date(2024, 3, 1))
    assert (health.surname_token, health.first_name_token) == ("token-s", "token-f")
    assert health.iin_pseudonym == "p" * 64 and health.birth_date == dt.date(1990, 5, 17)
    assert health.injury == "moderate" and records["line_111"].injury == ""
    truth = dict(RecordTruth.objects.values_list("record__register", "truth_key"))
    assert truth == {"health": "k1", "line_111": "k2"}
    assert "synth_registersighting" not in connection.introspection.table_names()
