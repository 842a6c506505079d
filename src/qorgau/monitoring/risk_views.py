"""The risk instrument's accuracy page: aggregates for the analyst and the police supervisor."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from qorgau.accounts.roles import EVALUATE_RISK_INSTRUMENT
from qorgau.monitoring.risk_accuracy import AccuracyReport, outcome_labels, risk_accuracy
from qorgau.monitoring.risk_outcomes import OUTCOMES, WINDOWS, registry_fingerprint

CACHE_SECONDS = 6 * 3600


def _report(outcome: str) -> AccuracyReport:
    """The report, kept while the registry does not change (it reads every assessment)."""
    key = f"risk-accuracy:{outcome}:{get_language()}:{registry_fingerprint()}"
    report: AccuracyReport | None = cache.get(key)
    if report is None:
        report = risk_accuracy(outcome)
        cache.set(key, report, CACHE_SECONDS)
    return report


def _choice(request: HttpRequest, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.GET.get(name, default)
    return value if value in allowed else default


@login_required
@permission_required(EVALUATE_RISK_INSTRUMENT, raise_exception=True)
def risk_accuracy_page(request: HttpRequest) -> HttpResponse:
    outcome = _choice(request, "outcome", (*OUTCOMES, "any"), "revictimisation")
    months = int(_choice(request, "window", tuple(str(m) for m in WINDOWS), "6"))
    report = _report(outcome)
    chosen = next((w for w in report.windows if w.months == months), None)
    return render(
        request,
        "monitoring/risk_accuracy.html",
        {
            "report": report,
            "chosen": chosen,
            "months": months,
            "outcome": outcome,
            "outcomes": outcome_labels(),
            "windows": WINDOWS,
        },
    )
