"""Determinism, --clear and the pure pieces of the generator."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from qorgau.conftest import SEMEY
from qorgau.registry import models as rm
from qorgau.registry.iin import iin_parse
from qorgau.registry.intake import RegisterRecordDraft, register_records_store
from qorgau.registry.services import person_register
from qorgau.synth import identities, names
from qorgau.synth.models import RecordTruth, SynthRun, TruthCount
from qorgau.synth.services import synth_clear, synth_run
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db


def aggregates(run: SynthRun) -> tuple:
    truth = sorted(
        TruthCount.objects.filter(run=run).values_list(
            "region_code", "year", "true_victims", "police", "health", "line_111", "any_register"
        )
    )
    records = sorted(
        rm.RegisterRecord.objects.filter(source="synth").values_list(
            "register", "district_id", "seen_on", "iin_pseudonym", "sex", "birth_year", "injury"
        )
    )  # Fernet tokens are randomised, so the names are left out
    return truth, records, {k: v for k, v in run.counts.items() if "encryptions" not in k}


def test_same_seed_same_data_other_seed_other_data():
    day = dt.date(2024, 12, 31)
    found = []
    for seed in (11, 11, 12):
        synth_clear()
        run = synth_run(first_year=2023, last_year=2023, scale=0.005, seed=seed, today=day)
        found.append(aggregates(run))
    assert found[0] == found[1]
    assert found[0] != found[2]


def test_clear_removes_synthetic_data_only(admin_user):
    kept = person_register(actor=admin_user, iin="900101300007", audit=False, surname="Test")
    semey = Territory.objects.by_code(SEMEY)
    (imported,) = register_records_store(
        [RegisterRecordDraft("health", "H-1", semey.pk, dt.date(2024, 3, 1), surname="Test")],
        source="health-semey",
    )
    out = StringIO()
    call_command("synth", "--clear", "--years", "2024-2024", "--scale", "0.003", stdout=out)
    assert rm.Incident.objects.filter(source="synth").exists()
    assert RecordTruth.objects.count() == rm.RegisterRecord.objects.filter(source="synth").count()
    assert "2024 750000000" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("synth", "--years", "2024-2024", "--scale", "0.003", stdout=out)
    call_command("synth", "--clear", stdout=out)
    for model in (rm.Person, rm.Incident, rm.ProtectiveOrder, rm.Offence, rm.BehaviourRequirement):
        assert not model.objects.filter(source="synth").exists()
    assert not rm.RegisterRecord.objects.filter(source="synth").exists()
    assert not RecordTruth.objects.exists() and not SynthRun.objects.exists()
    assert rm.Person.objects.filter(pk=kept.pk).exists()
    assert rm.RegisterRecord.objects.filter(pk=imported).exists()  # a real import stays


def test_refuses_future_years():
    with pytest.raises(CommandError):
        call_command("synth", "--years", "2099-2099", stdout=StringIO())
    synth_clear()


def test_iins_are_valid_and_match_sex_and_birth_date():
    rng = np.random.default_rng(1)
    serials = identities.IinSerials()
    births = [dt.date(1990, 1, 1)] * 300 + [dt.date(2005, 7, 9)] * 300
    sex = np.asarray(["F", "M"] * 300, dtype=object)
    people = identities.people_make(rng, sex, births, 0.3, serials)
    assert len(set(people.iin)) == 600
    for iin, birth, s in zip(people.iin, births, sex, strict=True):
        facts = iin_parse(iin)
        assert (facts.birth_date, facts.sex) == (birth, s)


def test_name_forms_and_spellings():
    assert names.female_surname("Ахметов") == "Ахметова"
    assert names.female_surname("Ким") == "Ким"
    assert names.patronymic("Нұрлан", "F", kazakh_style=True) == "Нұрланқызы"
    assert names.patronymic("Нұрлан", "M", kazakh_style=False) == "Нурланович"
    assert names.patronymic("Сергей", "F", kazakh_style=False) == "Сергеевна"
    assert names.to_russian("Жұмабаева") == "Жумабаева"
    assert names.to_latin("Жұмабаева") == "Zhumabaeva"
    for group in (
        names.KAZAKH_SURNAMES,
        names.RUSSIAN_SURNAMES,
        names.KAZAKH_FEMALE,
        names.KAZAKH_MALE,
    ):
        assert len(group) >= 100
