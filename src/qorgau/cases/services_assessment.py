"""Assessing a survivor's risk and needs, and naming her advocate while the risk is high.

The risk is scored with the project's risk instrument (:mod:`qorgau.registry.risk`), the same
data file the police register uses, so that a centre's "high" means what a police officer's
does and the instrument's accuracy study (``docs/risk-accuracy.md``) covers both. A high or
critical level asks for a named advocate, as MARAC gives every high-risk victim an independent
advocate: the caseworker is named by default, and another colleague may be named instead.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import refusals_audited
from qorgau.accounts.roles import MANAGE_SURVIVOR_CASES
from qorgau.audit.models import AuditAction
from qorgau.cases.models import HIGH_LEVELS, CaseAssessment, Need, SurvivorCase
from qorgau.cases.services import _active, _audit, _held, _not_future
from qorgau.coordination.selectors import actions_for
from qorgau.registry.risk import DEFAULT_INSTRUMENT
from qorgau.registry.services_risk import risk_judge

if TYPE_CHECKING:
    from qorgau.accounts.models import User

ADVOCATE_ELSEWHERE = _("The advocate must be a caseworker of the same organisation.")


@refusals_audited
@transaction.atomic
def case_assess(
    *,
    actor: User,
    case: SurvivorCase,
    answers: dict[str, Any],
    needs: list[str],
    assessed_on: dt.date | None = None,
    level: str = "",
    override_reason: str = "",
    request: HttpRequest | None = None,
) -> CaseAssessment:
    """Score her answers with the newest instrument version, record her needs; a high level
    names an advocate if the case has none."""
    _held(actor, case)
    _active(case)
    day = assessed_on or timezone.localdate()
    _not_future(day, "assessed_on")
    instrument, result, final = risk_judge(
        DEFAULT_INSTRUMENT, answers, level, override_reason, on=day
    )
    assessment = CaseAssessment.objects.create(
        case=case,
        assessed_on=day,
        instrument=instrument.code,
        instrument_version=instrument.version,
        answers={code: int(value) for code, value in answers.items() if int(value or 0)},
        score=result.score,
        computed_level=result.level,
        level=final,
        override_reason=override_reason.strip() if final != result.level else "",
        needs=[need for need in Need.values if need in needs],
        assessed_by=actor,
    )
    _audit(AuditAction.CREATE, actor, request, assessment, case=case.pk, level=final)
    if final in HIGH_LEVELS and case.advocate_id is None:
        case.advocate = case.caseworker
        case.save(update_fields=["advocate"])
        _audit(AuditAction.CHANGE, actor, request, case, advocate=case.caseworker_id)
    return assessment


@refusals_audited
@transaction.atomic
def case_advocate_assign(
    *, actor: User, case: SurvivorCase, advocate: Any, request: HttpRequest | None = None
) -> SurvivorCase:
    """Name the caseworker who stands by her (another colleague of the same centre)."""
    _held(actor, case)
    _active(case)
    if (
        advocate.organisation_id != case.organisation_id
        or not advocate.is_active
        or not advocate.has_perm(MANAGE_SURVIVOR_CASES)
    ):
        raise ValidationError({"advocate": ADVOCATE_ELSEWHERE})
    case.advocate = advocate
    case.save(update_fields=["advocate"])
    _audit(AuditAction.CHANGE, actor, request, case, advocate=advocate.pk)
    return case


def current_assessment(case: SurvivorCase) -> CaseAssessment | None:
    """The newest assessment of the case (its current risk), if any."""
    return case.assessments.select_related("assessed_by").first()


def conference_actions_for(actor: User, case: SurvivorCase) -> Any:
    """The multi-agency case conference's safety actions for her that the actor's centre owns.

    The link is her IIN's pseudonym, when she gave it: the conference discusses the police
    register's person, the centre keeps its own file, and the two meet only on the actions the
    conference gave the centre (which its users see through the coordination selectors).
    """
    actions = actions_for(actor)
    if not case.iin_pseudonym:
        return actions.none()
    return actions.filter(case__victim__iin_pseudonym=case.iin_pseudonym)
