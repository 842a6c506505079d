"""Stored evaluations: the page reads them; only a scope never computed is computed on a visit."""

from __future__ import annotations

import math
from dataclasses import asdict

import pytest

from qorgau.programs import evaluation_store as store
from qorgau.programs.evaluation import CoxRow, Curve, Evaluation, MatchResult
from qorgau.programs.models import StoredEvaluation

pytestmark = pytest.mark.django_db


def _result() -> Evaluation:
    cox = CoxRow("completed", -0.4, 0.1, 0.67, 0.5, 0.9, float("nan"))
    curve = Curve(
        "completed", 40, 9, [0.0, 6.0], [1.0, 0.8], [1.0, 0.7], [1.0, 0.9], {6: (0.2, 0.1, 0.3)}
    )
    match = MatchResult(20, 30, 18, {"risk": 0.3}, {"risk": 0.05}, 0.2, None, cox)
    return Evaluation(70, [curve], float("nan"), [cox], match, [], [curve])


def test_a_stored_result_reads_back_as_it_was_nan_included():
    stored = store.evaluation_store("country", _result(), "v1")
    back = store.evaluation_decode(StoredEvaluation.objects.get(pk=stored.pk).result)
    assert back.logrank is not None and math.isnan(back.logrank)
    assert back.curves[0].reoffended == {6: (0.2, 0.1, 0.3)}
    assert back.matching is not None
    assert asdict(back.matching)["hazard_ratio"]["hazard_ratio"] == 0.67


def test_the_page_reads_the_stored_figures_and_computes_only_once(monkeypatch):
    calls: list[str] = []

    def compute(scope: str) -> Evaluation:
        calls.append(scope)
        return _result()

    monkeypatch.setattr(store, "scope_compute", compute)
    first, stored = store.evaluation_stored("region-1")
    again, _ = store.evaluation_stored("region-1")
    assert calls == ["region-1"] and again.n == first.n == 70
    assert store.evaluations_refresh() == 0  # nothing changed in the registry
    StoredEvaluation.objects.filter(pk=stored.pk).update(data_version="older")
    assert store.evaluations_refresh() == 1 and calls == ["region-1", "region-1"]
