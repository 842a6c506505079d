"""FEBRL1–3 deduplicated with the register model: quality on data the project did not generate.

The floors sit a few points under what was measured (docs/linkage.md, "FEBRL1–3 with the
register model"): FEBRL1 F1 0.964, FEBRL2 0.956–0.969, FEBRL3 0.942–0.958 over training
seeds 1–3. They catch a broken model or mapping, not a point of drift.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from qorgau.linkage.febrl import birth, febrl_evaluate, febrl_records, load, register_spec
from qorgau.linkage.models import LinkageRun, RunStatus
from qorgau.linkage.quality import Quality
from qorgau.linkage.splink_model import person_spec, predict
from qorgau.linkage.training import TrainingFailed

pytestmark = pytest.mark.one_backend

# data set → (F1 floor, precision floor)
FLOORS = {"FEBRL1": (0.93, 0.99), "FEBRL2": (0.93, 0.99), "FEBRL3": (0.91, 0.99)}


def test_birth_keeps_a_valid_date_or_a_plausible_year():
    assert birth("19560409") == (dt.date(1956, 4, 9), 1956)
    assert birth("19080230") == (None, 1908)  # a corrupted day: the year alone, as a register
    assert birth("29560409") == (None, None)
    assert birth("1956049") == (None, None)
    assert birth(float("nan")) == (None, None)


def test_febrl_records_go_through_the_register_name_keys():
    frame, true = load("FEBRL1")
    records, ids = febrl_records(frame)
    assert len(true) == 500
    assert len(ids) == len(records) >= 990  # a few records are not identifiable
    table = records.frame()
    assert "iin" not in table  # the register model never sees an IIN; FEBRL has none
    assert table["sex"].isna().all() and table["patronymic"].isna().all()
    first = ids.index("rec-122-org")  # lachlan berry, 19990219, qld
    assert (table["surname"][first], table["first_name"][first]) == ("beri", "lachlan")
    assert table["birth_date"][first] == "1999-02-19"
    assert table["region_code"][first] == "qld"


def test_the_register_model_loses_only_the_fields_febrl_lacks():
    frame, _ = load("FEBRL1")
    table = febrl_records(frame)[0].frame()
    spec, full = register_spec(table), person_spec()
    kept = [c["output_column_name"] for c in spec.settings["comparisons"]]
    assert kept == ["surname", "first_name", "birth", "place"]
    for comparison in spec.settings["comparisons"]:
        assert comparison in full.settings["comparisons"]
    same = ("deterministic_rules", "deterministic_recall", "em_blocking_rules", "columns")
    assert all(getattr(spec, key) == getattr(full, key) for key in same)
    rest = {k: v for k, v in spec.settings.items() if k != "comparisons"}
    assert rest == {k: v for k, v in full.settings.items() if k != "comparisons"}


def test_the_full_register_model_fails_loudly_without_sex():
    """With a comparison no record can fill, Splink falls back to default u (1.6): the
    training check refuses the model rather than scoring with it."""
    frame, _ = load("FEBRL1")
    table = febrl_records(frame)[0].frame()
    with pytest.raises(TrainingFailed) as failed:
        predict(table, person_spec())
    assert failed.value.code == "probability"


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_febrl_deduplication_with_the_register_model(name):
    quality = febrl_evaluate(name)
    f1_floor, precision_floor = FLOORS[name]
    assert quality.f1 >= f1_floor, quality.as_dict()
    assert quality.precision >= precision_floor, quality.as_dict()


@pytest.mark.django_db
def test_evaluate_febrl_reports_febrl1_to_3_beside_febrl4(monkeypatch):
    """The command prints one line per data set, each at the run's threshold (the linkage
    itself is stubbed: the data sets are measured above)."""
    from qorgau.linkage.management.commands import linkage as command

    thresholds: list[float | None] = []

    def fake(name: str, *, threshold: float | None = None) -> Quality:
        thresholds.append(threshold)
        return Quality(true_pairs=10, predicted_pairs=9, correct_pairs=9)

    monkeypatch.setattr(command, "febrl_evaluate", fake)
    monkeypatch.setattr(command, "febrl4_evaluate", lambda threshold: fake("FEBRL4"))
    LinkageRun.objects.create(status=RunStatus.FINISHED, threshold=0.8)
    out = StringIO()
    call_command("linkage", "evaluate", "--febrl", stdout=out)
    text = out.getvalue()
    assert "FEBRL4: precision" in text
    for name in ("FEBRL1", "FEBRL2", "FEBRL3"):
        assert f"{name} (register model): precision 1.0000, recall 0.9000" in text
    assert thresholds[1:] == [0.8, 0.8, 0.8]
