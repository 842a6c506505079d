"""The person model on data it was not built around, and the checks on its training.

The model is trained on the independent test country (built in memory, no database) with a few
probe records added; the probes' pair probabilities show the comparisons at work: birth dates
that keep sisters apart, swapped names, term frequencies, a first name alone. The training
checks are exercised on stand-ins for Splink's objects, where a corrupt prior or a NaN can be
set at will.
"""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from qorgau.linkage import names
from qorgau.linkage.records import Records, _name_pair, identifiable
from qorgau.linkage.splink_model import person_spec, predict
from qorgau.linkage.tests.independent_country import REGIONS, Country, country_generate
from qorgau.linkage.training import (
    PRIOR_RANGE,
    TrainingFailed,
    _em_step,
    check_model,
    failure_text,
    floor_m,
)

AKTOBE, AKTOBE_CITY = "150000000", "151000000"

# Probe records (surname, first name, patronymic, birth date, birth year) in Aktobe city; the
# first is a victim as the police write her.
PROBES: dict[str, tuple[str, str, str, str | None, int | None]] = {
    "victim": ("Ахметова", "Айгерім", "Нұрланқызы", "1990-05-17", None),
    "swapped": ("Айгерим", "Ахметова", "", None, 1990),
    "sister": ("Ахметова", "Динара", "Нурлановна", "1984-02-03", None),
    "twin name": ("Ахметова", "Айгерім", "Нұрланқызы", "1984-02-03", None),
    "slip": ("Ахметова", "Айгерім", "Нұрланқызы", "1991-05-17", None),
    "first name only": ("", "Айгерим", "", None, None),
    "typo, no birth": ("Ахметова", "Айгрим", "", None, None),
    "rare": ("Жексенбаева", "Меруерт", "Ерланқызы", "1979-11-02", None),
    "rare, name only": ("Жексенбаева", "Меруерт", "", None, None),
    "common, name only": ("Ахметова", "Айгерім", "", None, None),
}


def _region_of() -> dict[str, str]:
    return {district: region.code for region in REGIONS for district in region.districts}


def _country_records(country: Country) -> Records:
    """The country's victim records as linkage reads them (the raw IIN as its pseudonym)."""
    region_of = _region_of()
    rows = country.rows_by_record()
    records = Records()
    for number, ((name, record_id), truth) in enumerate(sorted(country.record_truth.items())):
        row = rows[(name, record_id)]
        district = row.get("district") or row["home_district"]
        birth = dt.date.fromisoformat(row["birth_date"]) if row["birth_date"] else None
        records.add(
            register=name,
            source_id=number,
            region_code=region_of[district],
            district_code=district,
            year=country.year,
            iin=row["iin"] or None,
            surname=row["surname"],
            first_name=row["first_name"],
            patronymic=row["patronymic"],
            sex=row["sex"],
            birth_date=birth,
            birth_year=int(row["birth_year"]) if row["birth_year"] else None,
            truth=truth,
        )
    return records


def _probe_rows(start: int) -> pd.DataFrame:
    """The probes as rows of the Splink input (built directly: a first name alone would not
    pass :func:`identifiable`, and the model must refuse it even so)."""
    rows = []
    for offset, (surname, first, patronymic, date, year) in enumerate(PROBES.values()):
        rows.append(
            {
                "unique_id": start + offset,
                "surname": names.surname_key(surname) or None,
                "first_name": names.first_name_key(first) or None,
                "name_pair": _name_pair(surname, first),
                "patronymic": names.patronymic_key(patronymic) or None,
                "birth_date": date,
                "birth_year": year or (int(date[:4]) if date else None),
                "sex": "F",
                "region_code": AKTOBE,
                "district_code": AKTOBE_CITY,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def scores() -> dict[tuple[str, str], float]:
    """Match probability of every scored pair of probes (absent: never compared)."""
    records = _country_records(country_generate(seed=7, scale=0.6))
    frame = records.frame()
    probes = _probe_rows(len(frame))
    frame = pd.concat([frame, probes], ignore_index=True)
    frame["birth_year"] = frame["birth_year"].astype("Int64")
    pairs = predict(frame, person_spec(), threshold=0.0).pairs
    label = dict(zip(probes["unique_id"], PROBES, strict=True))
    found: dict[tuple[str, str], float] = {}
    for left, right, p in zip(
        pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_probability"], strict=True
    ):
        if left in label and right in label:
            found[(label[left], label[right])] = found[(label[right], label[left])] = p
    return found


def test_the_model_links_what_it_should(scores):
    assert scores[("victim", "swapped")] >= 0.9  # surname and first name swapped, same year
    assert scores[("victim", "slip")] >= 0.9  # the year of birth mistyped
    assert ("victim", "typo, no birth") in scores  # a typo and no birth: still compared


def test_the_model_keeps_apart_what_it_should(scores):
    assert scores.get(("victim", "sister"), 0.0) < 0.01  # another name, born six years apart
    # The same full name born six years apart: two full dates that differ are strong evidence.
    assert scores[("victim", "twin name")] < scores[("victim", "slip")]
    assert scores.get(("victim", "first name only"), 0.0) < 0.5


def test_common_names_count_less_than_rare_ones(scores):
    """Term frequencies: "Ахметова Айгерім" fits many women of Aktobe, "Жексенбаева Меруерт"
    few."""
    rare = scores[("rare", "rare, name only")]
    common = scores[("victim", "common, name only")]
    assert rare > common


def test_the_identifiability_rule():
    assert identifiable(iin="pseudonym", surname=None, first_name=None, birth_date=None)
    assert identifiable(iin=None, surname="ahmetov", first_name="gulnar", birth_date=None)
    assert identifiable(iin=None, surname=None, first_name="gulnar", birth_date=dt.date(1990, 1, 1))
    assert not identifiable(iin=None, surname=None, first_name="gulnar", birth_date=None)
    assert not identifiable(iin=None, surname="ahmetov", first_name=None, birth_date=None)
    records = Records()
    common = {"region_code": "A", "district_code": "D", "year": 2024, "iin": None}
    common |= {"patronymic": "", "sex": "F", "birth_year": 1990, "truth": None}
    assert not records.add(
        register="line_111", source_id=1, surname="-", first_name="Гуля", birth_date=None, **common
    )
    assert records.add(
        register="line_111", source_id=2, surname="Ахметова", first_name="Гуля", birth_date=None,
        **common,
    )  # fmt: skip
    assert len(records) == 1 and records.unidentifiable == {"line_111": 1}


# --- the checks on training ---------------------------------------------------------------------


class _Level:
    """A stand-in for a Splink comparison level (m and u settable, as in Splink)."""

    def __init__(self, label: str, m: Any, u: Any, *, null: bool = False) -> None:
        self.label_for_charts = label
        self.is_null_level = null
        self._m_probability = m
        self._u_probability = u

    @property
    def m_probability(self) -> Any:
        return self._m_probability

    @m_probability.setter
    def m_probability(self, value: Any) -> None:
        self._m_probability = value

    @property
    def u_probability(self) -> Any:
        return self._u_probability


def _level(label: str, m: Any, u: Any, *, null: bool = False) -> _Level:
    return _Level(label, m, u, null=null)


def _linker(prior: float, sex_m: float = 0.99, drop: str = "") -> SimpleNamespace:
    """A stand-in for a Splink linker carrying the person model's comparisons."""
    comparisons = []
    for spec in person_spec().settings["comparisons"]:
        name = spec["output_column_name"]
        if name == drop:
            continue
        levels = [
            _level(level["label_for_charts"], 0.5, 0.5, null=bool(level.get("is_null_level")))
            for level in spec["comparison_levels"]
        ]
        if name == "sex":
            levels[1] = _level("same", sex_m, 0.5)
        comparisons.append(SimpleNamespace(output_column_name=name, comparison_levels=levels))
    settings = SimpleNamespace(_probability_two_random_records_match=prior, comparisons=comparisons)
    return SimpleNamespace(_settings_obj=settings)


def _fails(linker: Any, code: str) -> TrainingFailed:
    with pytest.raises(TrainingFailed) as caught:
        check_model(linker, person_spec(), "u", trained_m=True, trained_u=True)
    assert caught.value.code == code
    return caught.value


def test_a_sound_model_passes_the_checks():
    check_model(_linker(1e-3), person_spec(), "u", trained_m=True, trained_u=True)


def test_a_corrupt_prior_fails():
    failure = _fails(_linker(2.3e-20), "prior")
    assert failure.params["value"] == 2.3e-20 and failure.params["low"] == PRIOR_RANGE[0]
    assert "2.3e-20" in str(failure)
    _fails(_linker(0.7), "prior")
    _fails(_linker(math.nan), "not_finite")


def test_a_nan_or_impossible_probability_fails():
    _fails(_linker(1e-3, sex_m=math.nan), "not_finite")
    _fails(_linker(1e-3, sex_m=0.0), "probability")
    _fails(_linker(1e-3, sex_m=1.5), "probability")


def test_a_lost_comparison_fails():
    """What a half-finished EM session leaves: the comparisons of its blocking rule gone."""
    failure = _fails(_linker(1e-3, drop="birth"), "levels")
    assert failure.params["comparison"] == "birth"


def test_em_that_does_not_converge_fails():
    spec = person_spec(max_iterations=2)

    def history(m: float) -> SimpleNamespace:
        levels = [_level("exact", m, 0.1), _level("different", 1 - m, 0.9)]
        comparison = SimpleNamespace(output_column_name="surname", comparison_levels=levels)
        return SimpleNamespace(probability_two_random_records_match=0.01, comparisons=[comparison])

    steps = [history(0.5), history(0.6), history(0.9)]
    session = SimpleNamespace(_core_model_settings_history=steps)
    linker = _linker(1e-3)
    linker.training = SimpleNamespace(
        estimate_parameters_using_expectation_maximisation=lambda *a, **k: session
    )
    with pytest.raises(TrainingFailed) as caught:
        _em_step(linker, spec, spec.em_blocking_rules[0])
    assert caught.value.code == "not_converged" and caught.value.params["iterations"] == 2


def test_a_splink_error_fails_instead_of_being_skipped():
    spec = person_spec()
    linker = _linker(1e-3)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ValueError("m_probability value 1.6e-318 is below the minimum allowed value")

    linker.training = SimpleNamespace(estimate_parameters_using_expectation_maximisation=broken)
    with pytest.raises(TrainingFailed) as caught:
        _em_step(linker, spec, spec.em_blocking_rules[1])
    assert caught.value.code == "underflow"  # a small extract: said so, with what to do
    assert "Link more records" in failure_text(caught.value.code, caught.value.params)

    def other(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("duckdb went away")

    linker.training = SimpleNamespace(estimate_parameters_using_expectation_maximisation=other)
    with pytest.raises(TrainingFailed) as caught:
        _em_step(linker, spec, spec.em_blocking_rules[1])
    assert caught.value.code == "step" and "duckdb went away" in caught.value.params["error"]
    assert failure_text(caught.value.code, caught.value.params).startswith("The training step")


def test_m_below_the_floor_is_raised_and_the_rest_rescaled():
    """What EM learns from clean pairs (m = 1e-18 for "a different sex") is no veto."""
    levels = [_level("same", 1 - 1e-18, 0.8), _level("different", 1e-18, 0.2)]
    comparison = SimpleNamespace(output_column_name="sex", comparison_levels=levels)
    linker = SimpleNamespace(_settings_obj=SimpleNamespace(comparisons=[comparison]))
    assert floor_m(linker, 1e-3) == ["sex: different"]
    assert levels[1].m_probability == 1e-3
    assert levels[0].m_probability == pytest.approx(1 - 1e-3)
