"""The risk accuracy report against the values the generator implies.

The known values come from drawing the country again in memory (``synth.risk_truth``), with
none of the report's code: the database, the outcome matching and the statistics are the
report's alone. The report on a stored country must cover them, and a report that loses a
source of outcomes must not.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from qorgau.monitoring import risk_outcomes
from qorgau.registry.models import RiskAssessment
from qorgau.synth.models import SynthRun
from qorgau.synth.risk_evaluation import RiskCheck, risk_evaluate
from qorgau.synth.risk_truth import assessments_replayed, known_accuracy

pytestmark = pytest.mark.django_db

SYNTH = ("synth", "--years", "2023-2025", "--scale", "0.01", "--seed", "7", "--clear")


def _quiet(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_generator_designs_a_strong_and_a_weak_signal() -> None:
    """Severity drives both the answers and later grave harm, and repeat incidents only a
    little: the known AUCs say so, and the same draws give the same values."""
    args: dict[str, Any] = dict(
        first_year=2023, last_year=2024, seed=3, scale=0.01, end=dt.date(2024, 12, 31)
    )
    known = known_accuracy(replications=3, **args)
    assert known == known_accuracy(replications=3, **args)
    by = {(k.months, k.outcome): k for k in known}
    assert set(by) == {(m, o) for m in (3, 6, 12) for o in ("revictimisation", "serious_harm")}
    for months in (3, 6, 12):
        harm, again = by[(months, "serious_harm")], by[(months, "revictimisation")]
        assert harm.auc > 0.7 and 0.5 < again.auc < 0.65
        assert 0 < harm.auc_error < 0.05
        shares = [harm.level_share[level] for level in ("low", "medium", "high", "critical")]
        assert shares == sorted(shares) and shares[0] < shares[-1] / 5
    # A longer window can only gather more outcomes for the same assessments.
    assert by[(3, "revictimisation")].assessed > by[(12, "revictimisation")].assessed


def test_the_report_on_a_stored_country_covers_the_generators_values(monkeypatch: Any) -> None:
    """The report covers the known values, and a report blind to the health, crisis-centre,
    111 and social records (which undercounts re-victimisation) is caught."""
    _quiet(*SYNTH)
    run = SynthRun.objects.get()
    replayed = assessments_replayed(
        first_year=2023, last_year=2025, seed=7, scale=run.scale, end=dt.date(2025, 12, 31),
        today=timezone.localdate(run.started_at), replication=None,
    )  # fmt: skip
    stored = sorted(float(s) for s in RiskAssessment.objects.values_list("score", flat=True))
    assert sorted(replayed["score"]) == stored  # the replay is the generator that made them

    checks = risk_evaluate(replications=4)
    assert len(checks) == 2 * 3 * (1 + 4)  # outcomes × windows × (AUC + four levels)
    aucs = [c for c in checks if c.figure == "AUC"]
    assert all(c.covered for c in aucs), [c for c in aucs if not c.covered]
    covered = sum(c.covered for c in checks)
    assert covered >= 0.9 * len(checks), [c for c in checks if not c.covered]
    # The check has teeth: the known serious-harm AUC is far from chance.
    assert all(c.known > 0.7 and c.low > 0.6 for c in aucs if c.outcome == "serious_harm")

    output = _quiet("synth_evaluate_risk", "--replications", "2")
    assert "intervals contain the generator's value." in output
    assert output.count("serious_harm") == 3 * 5

    def no_records() -> pd.DataFrame:
        return risk_outcomes._victim_incidents().iloc[0:0]

    monkeypatch.setattr(risk_outcomes, "_register_records", no_records)
    blind = risk_evaluate(replications=4)
    missed = [c for c in blind if not c.covered]
    assert len(missed) > 0.1 * len(blind), blind  # the criterion above fails
    assert all(c.outcome == "revictimisation" and c.estimate < c.known for c in missed)


def test_coverage_allows_for_the_monte_carlo_error_only() -> None:
    check = RiskCheck(6, "serious_harm", "AUC", 0.78, 0.74, 0.82, known=0.83, error=0.004)
    assert not check.covered
    assert RiskCheck(6, "serious_harm", "AUC", 0.78, 0.74, 0.82, 0.826, 0.004).covered


def test_the_command_needs_a_synthetic_country() -> None:
    with pytest.raises(CommandError, match="no synthetic run"):
        call_command("synth_evaluate_risk", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="at least 2"):
        call_command("synth_evaluate_risk", "--replications", "1", stdout=io.StringIO())
