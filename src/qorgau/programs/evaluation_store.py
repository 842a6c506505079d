"""Stored re-offending evaluations: computed once per scope and data version, read by the page.

A scope is whose results they are: ``country``, ``region-<pk>`` or ``provider-<pk>``. The page
reads the stored figures and says when they were computed; ``qorgau programmes evaluate``
recomputes the scopes whose registry data changed (schedule it nightly). Only a scope never
computed is computed on its first visit.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from qorgau.programs.evaluation import CoxRow, Curve, Evaluation, MatchResult, evaluate
from qorgau.programs.models import Enrolment, Provider, StoredEvaluation
from qorgau.programs.outcomes import cohort_frame
from qorgau.registry.models import (
    BehaviourRequirement,
    IncidentParticipant,
    Offence,
    ProtectiveOrder,
)
from qorgau.territory.models import Level, Territory

COUNTRY = "country"


def data_version() -> str:
    """A fingerprint of the registry rows the evaluation reads (counts, newest rows, statuses).

    Changes as soon as a requirement, enrolment, incident, order or offence is added or an
    enrolment changes status; cheap enough (a few aggregate queries) to check on every visit.
    """
    parts: list[Any] = [timezone.localdate().isoformat()]
    for model in (BehaviourRequirement, Enrolment, IncidentParticipant, ProtectiveOrder, Offence):
        parts.append(model._default_manager.order_by().aggregate(n=Count("pk"), last=Max("pk")))
    statuses = Enrolment.objects.order_by().values_list("status").annotate(n=Count("pk"))
    parts.append(sorted(statuses))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def scope_compute(scope: str) -> Evaluation:
    """Evaluate one scope from the registry (seconds on a country's cohort)."""
    kind, _sep, pk = scope.partition("-")
    if kind == "provider":
        frame = cohort_frame(providers=Provider.objects.filter(pk=int(pk)))
    elif kind == "region":
        frame = cohort_frame(region=Territory.objects.get(pk=int(pk)))
    else:
        frame = cohort_frame()
    return evaluate(frame)


def evaluation_store(scope: str, result: Evaluation, version: str) -> StoredEvaluation:
    stored, _created = StoredEvaluation.objects.update_or_create(
        scope=scope,
        defaults={
            "data_version": version,
            "computed_at": timezone.now(),
            "result": _encode(asdict(result)),
        },
    )
    return stored


def evaluation_stored(scope: str) -> tuple[Evaluation, StoredEvaluation]:
    """The stored evaluation of ``scope``; computed and stored now if it never was."""
    stored = StoredEvaluation.objects.filter(scope=scope).first()
    if stored is None:
        stored = evaluation_store(scope, scope_compute(scope), data_version())
    return evaluation_decode(stored.result), stored


def every_scope() -> list[str]:
    """The country, every current region and every provider."""
    regions = Territory.objects.current().filter(level=Level.REGION).values_list("pk", flat=True)
    providers = Provider.objects.values_list("pk", flat=True)
    return [COUNTRY, *(f"region-{pk}" for pk in regions), *(f"provider-{pk}" for pk in providers)]


def evaluations_refresh(*, scopes: list[str] | None = None) -> int:
    """Recompute ``scopes`` (default: those stored) whose data version changed; how many."""
    version = data_version()
    if scopes is None:
        scopes = list(StoredEvaluation.objects.values_list("scope", flat=True))
    current = dict(StoredEvaluation.objects.values_list("scope", "data_version"))
    refreshed = 0
    for scope in scopes:
        if current.get(scope) != version:
            evaluation_store(scope, scope_compute(scope), version)
            refreshed += 1
    return refreshed


# --- JSON: non-finite floats as strings (PostgreSQL's jsonb refuses NaN) ------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # "nan", "inf", "-inf": float() reads them back
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _number(value: Any) -> float:
    return float(value)


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)


def _curve(data: dict[str, Any]) -> Curve:
    return Curve(
        group=data["group"],
        n=data["n"],
        events=data["events"],
        months=[_number(v) for v in data["months"]],
        survival=[_number(v) for v in data["survival"]],
        low=[_number(v) for v in data["low"]],
        high=[_number(v) for v in data["high"]],
        reoffended={
            int(h): (_number(r[0]), _number(r[1]), _number(r[2]))
            for h, r in data["reoffended"].items()
        },
    )


def _cox(data: dict[str, Any]) -> CoxRow:
    return CoxRow(
        covariate=data["covariate"], **{k: _number(v) for k, v in data.items() if k != "covariate"}
    )


def _matching(data: dict[str, Any] | None) -> MatchResult | None:
    if data is None:
        return None
    return MatchResult(
        treated=data["treated"],
        controls=data["controls"],
        pairs=data["pairs"],
        balance_before={k: _number(v) for k, v in data["balance_before"].items()},
        balance_after={k: _number(v) for k, v in data["balance_after"].items()},
        reoffended_treated=_optional(data["reoffended_treated"]),
        reoffended_control=_optional(data["reoffended_control"]),
        hazard_ratio=_cox(data["hazard_ratio"]) if data["hazard_ratio"] else None,
    )


def evaluation_decode(data: dict[str, Any]) -> Evaluation:
    """The :class:`Evaluation` a stored ``result`` was made from."""
    return Evaluation(
        n=data["n"],
        curves=[_curve(c) for c in data["curves"]],
        logrank=_optional(data["logrank"]),
        cox=[_cox(c) for c in data["cox"]],
        matching=_matching(data["matching"]),
        by_provider=[_curve(c) for c in data["by_provider"]],
        by_region=[_curve(c) for c in data["by_region"]],
    )
