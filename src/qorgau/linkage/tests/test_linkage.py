"""Linkage on records built here (exact rule) and on a small synthetic country (Splink)."""

from __future__ import annotations

import datetime as dt
import itertools
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from splink.internals.linker_components.training import LinkerTraining

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.conftest import SEMEY, audit_trail_clear
from qorgau.lib.crypto import pseudonym
from qorgau.linkage import evaluation
from qorgau.linkage.engine import records_collect, run_execute
from qorgau.linkage.models import CandidatePair, LinkageRun, LinkedRecord, PairStatus, RunStatus
from qorgau.linkage.selectors import REGISTERS, capture_histories
from qorgau.linkage.services import latest_finished_run, pair_decide, run_create, run_evaluate
from qorgau.linkage.training import TrainingFailed
from qorgau.registry.intake import RegisterRecordDraft, register_records_store
from qorgau.registry.models import RegisterRecord
from qorgau.synth.models import RecordTruth, SynthRun, TruthCount
from qorgau.synth.services import synth_clear, synth_run
from qorgau.territory.models import Territory
from qorgau.territory.services import territories_load

pytestmark = pytest.mark.django_db


# --- records built here -------------------------------------------------------------------------


def register_record(run, register, *, iin="", names=("", "", ""), birth=None, year=2024, truth="t"):
    """A register record stored as an import stores it; its truth only when ``run`` is given."""
    district = Territory.objects.by_code(SEMEY)
    draft = RegisterRecordDraft(
        register=register,
        record_id=f"{register}-{next(NUMBERS)}",
        district_id=district.pk,
        seen_on=dt.date(year, 3, 1),
        iin_pseudonym=pseudonym(iin, purpose="iin") if iin else "",
        surname=names[0],
        first_name=names[1],
        patronymic=names[2],
        sex="F",
        birth_date=birth,
        birth_year=birth.year if birth else None,
    )
    with transaction.atomic():
        (pk,) = register_records_store([draft], source="test")
    if run is not None:
        RecordTruth.objects.create(run=run, record_id=pk, truth_key=truth)
    return RegisterRecord.objects.get(pk=pk)


NUMBERS = itertools.count(1)


@pytest.fixture
def built(db):
    synth_clear()
    run = SynthRun.objects.create(
        seed=1, first_year=2024, last_year=2024, scale=0.0, last_day=dt.date(2024, 12, 31)
    )
    birth = dt.date(1990, 5, 17)
    same_iin = [
        register_record(
            run, "health", iin="900517400123", names=("Әбенова", "Айгерім", ""), birth=birth
        ),
        register_record(
            run,
            "social",
            iin="900517400123",
            names=("Abenova", "Aigerim", "Nurlankyzy"),
            birth=dt.date(1991, 1, 1),
        ),
    ]
    # Same names and birth date, different IINs: the exact rule says two persons.
    twins = [
        register_record(
            run, "health", iin="850101400111", names=("Иванова", "Елена", "Петровна"),
            birth=dt.date(1985, 1, 1), truth="u",
        ),
        register_record(
            run, "social", iin="850101400222", names=("Иванова", "Елена", "Петровна"),
            birth=dt.date(1985, 1, 1), truth="v",
        ),
    ]  # fmt: skip
    return run, same_iin, twins


def cluster_of(run, record):
    return (
        LinkedRecord.objects.filter(run=run, source_record_id=record.pk, register=record.register)
        .values_list("cluster", flat=True)
        .get()
    )


def test_exact_linkage_on_the_iin_pseudonym(built):
    _synth, same_iin, twins = built
    run = run_execute(LinkageRun.objects.create(threshold=0.9))
    assert run.status == RunStatus.FINISHED
    assert cluster_of(run, same_iin[0]) == cluster_of(run, same_iin[1])
    assert cluster_of(run, twins[0]) != cluster_of(run, twins[1])
    assert run.counts["exact_links"] == 1
    probabilities = dict(
        LinkedRecord.objects.filter(run=run).values_list("source_record_id", "probability")
    )
    assert probabilities[same_iin[0].pk] == probabilities[same_iin[1].pk] == 1.0
    assert probabilities[twins[0].pk] is None
    # The run decrypted names in memory and said so once in the audit trail; nothing stored.
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.DECRYPT, object_type="linkage.linkagerun", object_id=str(run.pk)
        ).count()
        == 1
    )
    stored = {f.name for f in LinkedRecord._meta.get_fields()}
    assert not stored & {"surname", "first_name", "patronymic", "iin", "truth_key"}


@pytest.fixture
def without_lookup():
    """A deployment without the synthetic generator: no truth lookup is registered."""
    kept = list(evaluation._LOOKUP)
    evaluation.truth_lookup_register(None)
    yield
    evaluation._LOOKUP[:] = kept


def test_real_records_link_without_quality(db):
    """Imported records and no synthetic run in the database: the run finishes, unscored."""
    synth_clear()
    assert not SynthRun.objects.exists()
    birth = dt.date(1990, 5, 17)
    for register in ("health", "crisis_centre"):
        register_record(
            None, register, iin="900517400123", names=("Әбенова", "Айгерім", ""), birth=birth
        )
    run = run_execute(LinkageRun.objects.create(threshold=0.9))
    assert run.status == RunStatus.FINISHED
    assert run.counts["by_register"] == {"health": 1, "crisis_centre": 1}
    assert run.counts["exact_links"] == 1
    assert run.quality == {} and run_evaluate(run) == {}
    out = StringIO()
    call_command("linkage", "evaluate", "--run", str(run.pk), stdout=out)
    assert "no known truth" in out.getvalue()


def test_no_lookup_no_quality_even_with_synthetic_truth(built, without_lookup):
    assert evaluation.truth_keys() == evaluation.TruthKeys()
    run = run_execute(LinkageRun.objects.create(threshold=0.9))
    assert run.status == RunStatus.FINISHED and run.quality == {}
    assert run_evaluate(run) == {}


def test_the_synthetic_truth_reaches_linkage_through_its_hook(built):
    _synth, same_iin, twins = built
    keys = evaluation.truth_keys()
    assert keys.key("health", same_iin[0].pk) == "t" and keys.key("social", twins[1].pk) == "v"
    run = run_execute(LinkageRun.objects.create(threshold=0.9))
    assert run.quality["f1"] == 1.0 and run_evaluate(run)["f1"] == 1.0


def test_records_carry_name_keys_not_names(built):
    records, decrypted = records_collect([2024])
    assert decrypted > 0
    assert "abenov" in records.surname and "Әбенова" not in records.surname
    assert records.first_name.count("aigerim") == 2


def test_capture_histories_count_clusters_by_pattern(db):
    run = LinkageRun.objects.create(status=RunStatus.FINISHED)
    rows = [
        # cluster 1: police + health in region A 2024; cluster 2: health only; cluster 3:
        # police in A 2024 and crisis centre in B 2024 (counts once in each region).
        ("police", 1, "A", 2024),
        ("health", 1, "A", 2024),
        ("health", 1, "A", 2024),
        ("health", 2, "A", 2024),
        ("police", 3, "A", 2024),
        ("crisis_centre", 3, "B", 2024),
        ("social", 4, "A", 2023),
    ]
    LinkedRecord.objects.bulk_create(
        LinkedRecord(run=run, register=r, source_record_id=i, cluster=c, region_code=region, year=y)
        for i, (r, c, region, y) in enumerate(rows)
    )
    older = LinkageRun.objects.create(status=RunStatus.FINISHED)
    assert older.pk > run.pk  # the latest finished run is read: make it the right one
    older.delete()
    found = {(h.region_code, h.year): h for h in capture_histories()}
    assert found[("A", 2024)].lists == REGISTERS
    assert found[("A", 2024)].counts == {(1, 1, 0, 0, 0): 1, (0, 1, 0, 0, 0): 1, (1, 0, 0, 0, 0): 1}
    assert found[("B", 2024)].counts == {(0, 0, 1, 0, 0): 1}
    assert found[("A", 2023)].counts == {(0, 0, 0, 0, 1): 1}
    assert [(h.region_code, h.year) for h in capture_histories(years=[2023])] == [("A", 2023)]


def test_capture_histories_are_split_by_sex_and_age_band(db):
    """A cluster takes the sex and birth year any of its records knows (police may know the
    birth year where the 111 line knew only the sex); the strata add up to the counts."""
    run = LinkageRun.objects.create(status=RunStatus.FINISHED)
    rows = [
        ("police", 1, "F", 1990),
        ("line_111", 1, "", None),
        ("health", 2, "M", 2012),
        ("social", 3, "", None),
    ]
    LinkedRecord.objects.bulk_create(
        LinkedRecord(
            run=run,
            register=r,
            source_record_id=i,
            cluster=c,
            region_code="A",
            year=2024,
            sex=sex,
            birth_year=born,
        )
        for i, (r, c, sex, born) in enumerate(rows)
    )
    (history,) = capture_histories()
    assert history.strata == {
        (0, 1): {(1, 0, 0, 1, 0): 1},
        (1, 0): {(0, 1, 0, 0, 0): 1},
        (2, 3): {(0, 0, 0, 0, 1): 1},
    }
    split = sum(n for group in history.strata.values() for n in group.values())
    assert split == sum(history.counts.values())


def test_capture_histories_empty_without_a_finished_run(db):
    LinkageRun.objects.create(status=RunStatus.FAILED)
    assert capture_histories() == []


# --- a small synthetic country ------------------------------------------------------------------


@pytest.fixture(scope="module")
def country(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        territories_load()
        synth_clear()
        year = timezone.localdate().year - 1
        synth = synth_run(first_year=year, last_year=year, scale=0.006, seed=5)
        # A wide review band, so that even this small, clean country leaves pairs to review.
        run = run_execute(
            LinkageRun.objects.create(
                threshold=0.9,
                years=[year],
                parameters={"review_low": 0.01, "review_high": 0.999999},
            )
        )
        yield synth, run, year
        LinkageRun.objects.all().delete()
        synth_clear()
        audit_trail_clear()


def test_probabilistic_linkage_finds_the_true_persons(country):
    _synth, run, _year = country
    assert run.status == RunStatus.FINISHED
    assert run.counts["scored_links"] > 0  # records without an IIN were linked by Splink
    assert run.quality["f1"] >= 0.9, run.quality
    assert run.quality["precision"] >= 0.9


def test_every_register_appears_and_every_record_is_stored(country):
    synth, run, year = country
    by_register = run.counts["by_register"]
    assert set(by_register) == set(REGISTERS)
    assert LinkedRecord.objects.filter(run=run).count() == run.counts["records"]
    records = RegisterRecord.objects.filter(source="synth", seen_on__year=year).count()
    assert RecordTruth.objects.filter(run=synth).count() == (
        RegisterRecord.objects.filter(source="synth").count()
    )
    assert sum(v for k, v in by_register.items() if k != "police") == records


def test_capture_histories_match_the_truth_counts(country):
    synth, run, year = country
    histories = capture_histories(years=[year])
    truth = {t.region_code: t for t in TruthCount.objects.filter(run=synth, year=year)}
    assert {h.region_code for h in histories} <= set(truth)
    observed = sum(sum(h.counts.values()) for h in histories)
    any_register = sum(t.any_register for t in truth.values())
    # Linked clusters approximate the distinct persons seen (linkage is not perfect).
    assert abs(observed - any_register) <= 0.1 * any_register
    police = sum(n for h in histories for p, n in h.counts.items() if p[0] == 1)
    assert abs(police - sum(t.police for t in truth.values())) <= 0.05 * police + 2


def test_review_decisions_change_the_clusters(country, make_user):
    _synth, run, _year = country
    steward = make_user(Role.DATA_STEWARD, "000000000")
    pairs = list(CandidatePair.objects.filter(run=run).select_related("left", "right"))
    assert pairs, "the run should leave some pairs near the threshold"
    apart = next((p for p in pairs if p.left.cluster != p.right.cluster), None)
    if apart is not None:
        pair_decide(apart, actor=steward, decision=PairStatus.MATCH)
        apart.left.refresh_from_db()
        apart.right.refresh_from_db()
        assert apart.left.cluster == apart.right.cluster
        target = apart
    else:
        target = pairs[0]
    # Now "different persons": the link goes and the cluster splits again.
    target.refresh_from_db()
    pair_decide(target, actor=steward, decision=PairStatus.NON_MATCH)
    target.left.refresh_from_db()
    target.right.refresh_from_db()
    assert target.left.cluster != target.right.cluster
    target.refresh_from_db()
    assert target.status == PairStatus.NON_MATCH and target.reviewer == steward
    assert run_evaluate(run)["f1"] > 0.8


def test_command_run_and_evaluate(country):
    _synth, _run, year = country
    out, err = StringIO(), StringIO()
    call_command(
        "linkage", "run", "--years", str(year), "--threshold", "0.95", stdout=out, stderr=err
    )
    assert "100%" in err.getvalue()
    latest = LinkageRun.objects.order_by("-pk").first()
    assert latest.threshold == 0.95 and latest.status == RunStatus.FINISHED
    out = StringIO()
    call_command("linkage", "evaluate", stdout=out)
    assert "F1" in out.getvalue()


def test_a_corrupt_training_fails_the_run_and_the_finished_run_stays(country, monkeypatch):
    """The EM step of the issue's run: it "finished" with a prior of 2e-20. Now the check after
    the step fails the run; nothing is stored and readers keep the last finished run."""
    _synth, _run, year = country
    before = capture_histories(years=[year])
    finished = latest_finished_run()
    assert before and finished is not None
    original = LinkerTraining.estimate_parameters_using_expectation_maximisation

    def corrupting(self, *args, **kwargs):
        session = original(self, *args, **kwargs)
        self._linker._settings_obj._probability_two_random_records_match = 2.3e-20
        return session

    monkeypatch.setattr(
        LinkerTraining, "estimate_parameters_using_expectation_maximisation", corrupting
    )
    run = LinkageRun.objects.create(years=[year])
    with pytest.raises(TrainingFailed):
        run_execute(run)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.failure["code"] == "prior"
    assert run.error.startswith("Training failed: After the training step “EM:")
    assert "2.3e-20" in run.error and "2.3e-20" in run.failure_reason()
    assert not LinkedRecord.objects.filter(run=run).exists()
    assert latest_finished_run() == finished
    assert capture_histories(years=[year]) == before
    with pytest.raises(CommandError, match="failed: After the training step"):
        call_command("linkage", "run", "--years", str(year), stdout=StringIO(), stderr=StringIO())
    assert LinkageRun.objects.order_by("-pk").first().status == RunStatus.FAILED
    assert latest_finished_run() == finished


def test_the_finished_run_carries_its_model(country):
    _synth, run, _year = country
    comparisons = {c["name"]: c["levels"] for c in run.model["comparisons"]}
    assert set(comparisons) == {"surname", "first_name", "patronymic", "birth", "sex", "place"}
    assert len(comparisons["birth"]) == 5  # same date, slip, same year, a year apart, different
    assert all(0 < level["m"] <= 1 and 0 < level["u"] <= 1 for level in comparisons["birth"])
    assert comparisons["surname"][0]["tf"] and comparisons["first_name"][0]["tf"]
    assert 1e-6 <= run.model["prior"] <= 0.5
    assert [step["step"] for step in run.model["training"]][:2] == ["prior", "u"]


def test_run_create_checks_permission_and_threshold(make_user):
    analyst = make_user(Role.NATIONAL_ANALYST, "000000000")
    steward = make_user(Role.DATA_STEWARD, "000000000")
    with pytest.raises(PermissionDenied):
        run_create(actor=analyst)

    with pytest.raises(ValidationError):
        run_create(actor=steward, threshold=1.5)
    assert run_create(actor=steward, years=[2024]).status == RunStatus.QUEUED
