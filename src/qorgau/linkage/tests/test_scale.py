"""What keeps linkage near-linear in the number of records (issue 28, "National scale").

* Pairs whose two records both carry an IIN are decided by the IIN; they are left out at the
  blocking stage instead of being scored and thrown away — and leaving them out changes no
  other pair's score.
* Every training step samples a capped number of pairs, however many records there are.
* The plausible prior falls with the number of records (it is about 1/N), so that a
  national-scale run is not rejected for a prior that is merely small.

The model runs on the independent test country (built in memory, no database).
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from qorgau.linkage.engine import link
from qorgau.linkage.records import Records
from qorgau.linkage.splink_model import (
    person_spec,
    predict,
    spec_for_data,
    without_iin_decided_pairs,
)
from qorgau.linkage.tests.independent_country import country_generate
from qorgau.linkage.tests.test_model import _country_records
from qorgau.linkage.training import PRIOR_RANGE, prior_range, train


@pytest.fixture(scope="module")
def records() -> Records:
    return _country_records(country_generate(seed=7, scale=0.3))


def _pairs(frame: pd.DataFrame, spec: Any) -> dict[tuple[int, int], float]:
    pairs = predict(frame, spec, threshold=0.0).pairs
    return {
        (int(left), int(right)): float(p)
        for left, right, p in zip(
            pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_probability"], strict=True
        )
    }


def test_no_scored_pair_has_an_iin_on_both_sides(records):
    frame = records.frame()
    assert frame["has_iin"].sum() > 10 and not frame["has_iin"].all()
    spec = spec_for_data(person_spec(), frame)
    before = _pairs(frame, spec)
    after = _pairs(frame, without_iin_decided_pairs(spec))
    iin = records.iin
    assert any(iin[a] and iin[b] for a, b in before)  # there was something to leave out
    assert not any(iin[a] and iin[b] for a, b in after)
    # The same model (training is untouched) scores every other pair as before.
    kept = {pair: p for pair, p in before.items() if not (iin[pair[0]] and iin[pair[1]])}
    assert after.keys() == kept.keys()
    assert all(after[pair] == pytest.approx(p) for pair, p in kept.items())


def test_linking_scores_no_iin_decided_pair_and_keeps_the_iin_links(records):
    linked = link(records, threshold=0.9)
    iin = records.iin
    assert not any(iin[a] and iin[b] for a, b, _p in linked.scored + linked.review)
    by_iin: dict[str, set[int]] = {}
    for i, value in enumerate(iin):
        if value:
            by_iin.setdefault(value, set()).add(linked.clusters[i])
    assert all(len(clusters) == 1 for clusters in by_iin.values())


def test_every_training_step_is_capped(records):
    """An EM step samples at most about ``em_max_pairs`` pairs, and the u step ``max_pairs``:
    the cap, not the number of records, bounds the training. (The probe covers every record
    here: on a few hundred records Splink's 1% probe finds no pair to estimate from.)"""
    frame = records.frame()
    spec = spec_for_data(person_spec(), frame)
    spec = replace(spec, em_max_pairs=300, em_probe_proportion=1.0)
    model = predict(frame, spec, threshold=0.9, max_pairs=5_000).model
    steps = {step["step"]: step for step in model["training"]}
    assert steps["u"]["max_pairs"] == 5_000
    first = steps[f"EM: {spec.em_blocking_rules[0]}"]
    assert first["sampled"] and first["pairs"] <= 1.5 * 300
    for rule in spec.em_blocking_rules:
        pairs = steps[f"EM: {rule}"]["pairs"]
        assert pairs is None or pairs <= 1.5 * 300


def test_train_passes_the_caps_to_splink(monkeypatch):
    """Whatever the data, every sampling step of :func:`train` receives its cap."""
    from qorgau.linkage import training

    calls: list[tuple[str, dict[str, Any]]] = []

    def record(name: str, result: Any = None) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if name == "u":  # Splink's signature: (max_pairs, seed=…)
                kwargs = {"max_pairs": args[0] if args else kwargs["max_pairs"]}
            calls.append((name, kwargs))
            return result

        return call

    session = SimpleNamespace(_core_model_settings_history=[], _sample_info={})
    linker = SimpleNamespace(
        training=SimpleNamespace(
            estimate_probability_two_random_records_match=record("prior"),
            estimate_u_using_random_sampling=record("u"),
            estimate_parameters_using_expectation_maximisation=record("em", session),
        )
    )
    # A stand-in linker holds no model: the checks are tested in test_model.
    monkeypatch.setattr(training, "check_model", lambda *args, **kwargs: None)
    monkeypatch.setattr(training, "floor_m", lambda linker, floor: [])
    monkeypatch.setattr(training, "model_diagnostics", lambda linker, steps: {"steps": steps})
    spec = replace(person_spec(), em_max_pairs=1234)
    train(linker, spec, seed=1, max_pairs=99, say=lambda message: None, records=10**7)
    assert [kwargs["max_pairs"] for name, kwargs in calls if name == "u"] == [99]
    em = [kwargs for name, kwargs in calls if name == "em"]
    assert len(em) == len(spec.em_blocking_rules) and all(k["max_pairs"] == 1234 for k in em)


def test_the_plausible_prior_falls_with_the_number_of_records():
    assert prior_range() == PRIOR_RANGE == prior_range(1_000)
    low, high = prior_range(300_000)
    assert low < 7.2e-7 < high  # what a sound run on 300,000 records estimates
    assert prior_range(1_000_000)[0] < 2.5e-7
    assert prior_range(10_000_000)[0] > 2.3e-20  # a broken EM step still fails
