"""The demo crisis centre's case files: a caseworker's day to open on, written through the
services as the caseworker would (so the register lines, referrals and audit are real).

Run by ``qorgau demo_accounts`` after the accounts exist; safe to re-run (a centre that already
keeps case files gets none added). The survivors are invented; their texts are in Russian, as a
Semey caseworker would write them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from qorgau.accounts.models import Organisation, User
from qorgau.cases import services, services_assessment, services_sharing
from qorgau.cases.models import GbvimsType, ReferredBy, ShareWith, SurvivorCase
from qorgau.coordination.models import ReferralKind, ReferralOutcome
from qorgau.coordination.services import referral_answer, referral_report_outcome

HIGH_RISK = {"strangulation": 1, "threat_to_kill": 1, "weapon": 1, "escalation": 1}


def _open(worker: User, district: Any, days_ago: int, **fields: Any) -> SurvivorCase:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    values: dict[str, Any] = {
        "district": district,
        "opened_on": day,
        "consent_given_on": day,
        "gbvims_type": GbvimsType.PHYSICAL_ASSAULT,
        "consent_share": [ShareWith.HEALTH, ShareWith.LEGAL_AID, ShareWith.SOCIAL],
        "legal_types": ["physical", "psychological"],
    } | fields
    return services.case_open(actor=worker, **values)


@transaction.atomic
def demo_cases_create(
    *, worker: User, head: User, legal: Organisation, health: Organisation, officers: list[User]
) -> int:
    """Five case files of the demo centre in several states; the number written."""
    centre = worker.organisation
    if centre is None or SurvivorCase.objects.filter(organisation=centre).exists():
        return 0
    district = centre.territory
    legal_kind, health_kind = (
        ReferralKind.objects.get(code=code) for code in ("legal_aid", "health")
    )
    high = _open(
        worker,
        district,
        40,
        alias="Айгуль",
        contact="+7 701 000 11 22 (сестра)",
        birth_year=1989,
        referred_by=ReferredBy.POLICE,
        injury="moderate",
    )
    services_assessment.case_assess(
        actor=worker, case=high, answers=HIGH_RISK, needs=["safety", "legal", "health"]
    )
    services.case_safety_plan_write(
        actor=worker,
        case=high,
        text="Сумка с документами у соседки; кодовое слово для сестры; 102 на быстром наборе.",
        review_on=timezone.localdate() + dt.timedelta(days=14),
    )
    to_legal = services_sharing.case_refer(
        actor=worker, case=high, kind=legal_kind, receiver=legal, reason="Иск о расторжении брака"
    ).referral
    to_health = services_sharing.case_refer(
        actor=worker, case=high, kind=health_kind, receiver=health, reason="Осмотр травм"
    ).referral
    by_org = {officer.organisation_id: officer for officer in officers}
    referral_answer(actor=by_org[health.pk], referral=to_health, accept=True)
    referral_report_outcome(
        actor=by_org[health.pk], referral=to_health, outcome=ReferralOutcome.SERVICE_GIVEN
    )
    referral_answer(actor=by_org[legal.pk], referral=to_legal, accept=True)
    services.case_followup_schedule(
        actor=worker, case=high, due_on=timezone.localdate() + dt.timedelta(days=2), note="Звонок"
    )
    psychological = _open(
        worker, district, 25, alias="Н.", birth_year=1975, gbvims_type=GbvimsType.PSYCHOLOGICAL
    )
    services_assessment.case_assess(
        actor=worker, case=psychological, answers={"separation": 1}, needs=["psychological"]
    )
    child = _open(
        worker,
        district,
        12,
        birth_year=timezone.localdate().year - 15,
        gbvims_type=GbvimsType.SEXUAL_ASSAULT,
        legal_types=["sexual"],
        referred_by=ReferredBy.HEALTH,
    )
    services.case_closure_request(actor=worker, case=child, reason="Передана под опеку бабушки")
    closed = _open(worker, district, 50, birth_year=1968, sex="M", referred_by=ReferredBy.SELF)
    services.case_closure_request(actor=worker, case=closed, reason="Переехал к родственникам")
    services.case_closure_approve(actor=head, case=closed)
    _open(worker, district, 3, alias="Сауле", birth_year=1996, consent_share=[ShareWith.HEALTH])
    return 5
