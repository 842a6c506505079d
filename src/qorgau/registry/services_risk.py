"""Workflows of risk assessments: scoring one, and the victims due for re-assessment."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import refusals_audited, restrict
from qorgau.accounts.roles import ASSESS_RISK
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.registry import choices as c
from qorgau.registry.models import Incident, Person, RiskAssessment
from qorgau.registry.risk import (
    Instrument,
    InstrumentError,
    RiskResult,
    instrument_load,
    max_level,
    reassess_by,
    risk_score,
)
from qorgau.registry.services_common import (
    district_for,
    incident_usable,
    not_future,
    persons_usable,
    require,
    today,
)
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User
    from qorgau.accounts.typing import Viewer


LOWER_LEVEL = _("A professional may raise the computed level, never lower it.")
RAISE_NEEDS_REASON = _("Give the reason for raising the level.")


class RiskJudgement(NamedTuple):
    """An instrument's score of a set of answers and the level a professional settles on."""

    instrument: Instrument
    result: RiskResult
    level: c.RiskLevel


def risk_judge(
    instrument_code: str,
    answers: dict[str, Any],
    level: str | None,
    override_reason: str,
    *,
    on: dt.date,
) -> RiskJudgement:
    """Score ``answers`` with the instrument version in force on ``on``; a chosen level may only
    raise the computed one, and only with a reason. Shared by every assessment (the police
    register's and a crisis centre's case file), so both mean the same by "high"."""
    try:
        instrument = instrument_load(instrument_code, on=on)
    except InstrumentError as exc:
        raise ValidationError({"answers": str(exc)}) from exc
    try:
        result = risk_score(instrument, answers)
    except ValueError as exc:
        raise ValidationError({"answers": str(exc)}) from exc
    final = result.level
    if level and level != result.level:
        if max_level(level, result.level) != level:
            raise ValidationError({"level": LOWER_LEVEL})
        if not override_reason.strip():
            raise ValidationError({"override_reason": RAISE_NEEDS_REASON})
        final = c.RiskLevel(level)
    return RiskJudgement(instrument, result, final)


@refusals_audited
@transaction.atomic
def risk_assess(
    *,
    actor: User,
    request: HttpRequest | None = None,
    victim: Person,
    district: Territory,
    answers: dict[str, Any],
    offender: Person | None = None,
    incident: Incident | None = None,
    assessed_at: dt.datetime | None = None,
    level: str | None = None,
    override_reason: str = "",
    instrument_code: str = "qorgau-risk",
) -> RiskAssessment:
    """Score the answers with the version in force that day; a chosen level may only be higher."""
    require(actor, ASSESS_RISK)
    assessed_at = assessed_at or timezone.now()
    not_future(assessed_at, "assessed_at")
    day = timezone.localtime(assessed_at).date()
    district_for(actor, district, day)
    incident_usable(actor, incident)
    persons_usable(actor, [victim, *([offender] if offender else [])])
    instrument, result, final = risk_judge(instrument_code, answers, level, override_reason, on=day)
    assessment = RiskAssessment.objects.create(
        victim=victim,
        offender=offender,
        incident=incident,
        district=district,
        instrument=instrument.code,
        instrument_version=instrument.version,
        answers=answers,
        score=result.score,
        computed_level=result.level,
        level=final,
        override_reason=override_reason.strip() if final != result.level else "",
        assessed_at=assessed_at,
        next_due=reassess_by(instrument, final, day),
        assessed_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=assessment)
    return assessment


def risk_reassessment_overdue(
    *, actor: Viewer, day: dt.date | None = None
) -> QuerySet[RiskAssessment]:
    """The latest assessment of each victim in scope whose re-assessment date has passed."""
    day = day or today()
    latest = restrict(RiskAssessment.objects.all(), actor).order_by(
        "victim_id", "-assessed_at", "-pk"
    )
    newest_ids: dict[int, int] = {}
    for pk, victim_id in latest.values_list("pk", "victim_id"):
        newest_ids.setdefault(victim_id, pk)
    return RiskAssessment.objects.filter(
        pk__in=newest_ids.values(), next_due__lt=day
    ).select_related("victim", "district")
