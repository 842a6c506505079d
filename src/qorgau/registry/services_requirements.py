"""Workflows of the special behaviour requirements a court sets, their extensions and violations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import refusals_audited, restrict
from qorgau.accounts.roles import MANAGE_ORDERS, MANAGE_REQUIREMENTS
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.months import add_months
from qorgau.registry import choices as c
from qorgau.registry.lawcheck import TERM_OUT_OF_RANGE as TERM_OUT_OF_RANGE
from qorgau.registry.lawcheck import term_breach, term_message
from qorgau.registry.legal import legal_rule
from qorgau.registry.models import (
    BehaviourRequirement,
    Incident,
    Person,
    RequirementExtension,
    RequirementViolation,
)
from qorgau.registry.services_common import (
    OFFENDER_PROTECTED,
    OUTSIDE_SCOPE,
    audit_change,
    district_for,
    incident_usable,
    not_future,
    persons_usable,
    require,
)
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User


CONDITION_NOT_ALLOWED = _(
    "This condition is not allowed by the law in force on that date: %(codes)s."
)


@refusals_audited
@transaction.atomic
def requirement_set(
    *,
    actor: User,
    request: HttpRequest | None = None,
    offender: Person,
    protected: Sequence[Person],
    court: str,
    decided_on: dt.date,
    starts_on: dt.date | None = None,
    term_months: int,
    conditions: Sequence[str],
    district: Territory,
    number: str,
    incident: Incident | None = None,
    police_reports_per_month: int = 0,
    source: str = "",
    source_record_id: str | None = None,
    audit: bool = True,
) -> BehaviourRequirement:
    """Record the special requirements a court set.

    The term and the conditions are checked against the law in force on the decision day.
    """
    require(actor, MANAGE_REQUIREMENTS)
    if source_record_id:
        existing = BehaviourRequirement.objects.filter(
            source=source, source_record_id=source_record_id
        ).first()
        if existing:
            return existing
    not_future(decided_on, "decided_on")
    district_for(actor, district, decided_on)
    starts_on = starts_on or decided_on
    if starts_on < decided_on:
        raise ValidationError(
            {"starts_on": _("Requirements cannot start before the court decided them.")}
        )
    if incident and decided_on < timezone.localtime(incident.occurred_at).date():
        raise ValidationError({"decided_on": _("A court decision cannot precede its incident.")})
    term = legal_rule("requirement.term_months", decided_on)
    refused = term_breach(term, term_months, decided_on)
    if refused:
        raise ValidationError({refused.field: refused.message})
    allowed = set(legal_rule("requirement.conditions", decided_on).value)
    wrong = set(conditions) - allowed
    if not conditions or wrong:
        raise ValidationError(
            {"conditions": CONDITION_NOT_ALLOWED % {"codes": ", ".join(sorted(wrong)) or "—"}}
        )
    if offender.pk in {p.pk for p in protected}:
        raise ValidationError({"protected": OFFENDER_PROTECTED})
    incident_usable(actor, incident)
    persons_usable(actor, [offender, *protected])
    max_reports = legal_rule("requirement.max_police_reports_per_month", decided_on).value
    if not 0 <= police_reports_per_month <= max_reports:
        raise ValidationError(
            {
                "police_reports_per_month": _("At most %(max)s reports a month.")
                % {"max": max_reports}
            }
        )
    requirement = BehaviourRequirement(
        number=number,
        incident=incident,
        district=district,
        offender=offender,
        court=court,
        decided_on=decided_on,
        starts_on=starts_on,
        term_months=term_months,
        ends_on=add_months(starts_on, term_months) - dt.timedelta(days=1),
        conditions=sorted(set(conditions)),
        police_reports_per_month=police_reports_per_month,
        legal_basis=term.basis,
        source=source,
        source_record_id=source_record_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    requirement.full_clean(exclude=["created_by"])
    requirement.save()
    requirement.protected_persons.set(protected)
    if audit:
        audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=requirement)
    return requirement


def _requirement_for(actor: User, requirement: BehaviourRequirement) -> None:
    require(actor, MANAGE_REQUIREMENTS)
    if not restrict(BehaviourRequirement.objects.filter(pk=requirement.pk), actor).exists():
        raise PermissionDenied(OUTSIDE_SCOPE)


@refusals_audited
@transaction.atomic
def requirement_extend(
    *,
    actor: User,
    request: HttpRequest | None = None,
    requirement: BehaviourRequirement,
    decided_on: dt.date,
    months: int,
    reason: str,
) -> RequirementExtension:
    """Extend by a court decision; the whole term must stay within the law's maximum."""
    _requirement_for(actor, requirement)
    not_future(decided_on, "decided_on")
    term = legal_rule("requirement.term_months", decided_on)
    new_end = add_months(requirement.ends_on + dt.timedelta(days=1), months) - dt.timedelta(days=1)
    longest = add_months(requirement.starts_on, term.value["max"]) - dt.timedelta(days=1)
    if months < 1 or new_end > longest:
        raise ValidationError({"months": term_message(term, decided_on)})
    extension = RequirementExtension.objects.create(
        requirement=requirement, decided_on=decided_on, new_end=new_end, reason=reason
    )
    requirement.ends_on = new_end
    requirement.save(update_fields=["ends_on"])
    audit_change(actor, request, requirement, extended_to=new_end.isoformat())
    return extension


@refusals_audited
@transaction.atomic
def requirement_violation_record(
    *,
    actor: User,
    request: HttpRequest | None = None,
    requirement: BehaviourRequirement,
    occurred_on: dt.date,
    condition: str,
    description: str,
    sanction: str = c.Sanction.NONE,
) -> RequirementViolation:
    require(actor, MANAGE_REQUIREMENTS, MANAGE_ORDERS)  # courts and the police both record them
    if not restrict(BehaviourRequirement.objects.filter(pk=requirement.pk), actor).exists():
        raise PermissionDenied(OUTSIDE_SCOPE)
    not_future(occurred_on, "occurred_on")
    if not requirement.starts_on <= occurred_on <= requirement.ends_on:
        raise ValidationError(
            {"occurred_on": _("The requirements were not in force on that date.")}
        )
    if condition not in requirement.conditions:
        raise ValidationError({"condition": _("The court did not set this condition.")})
    violation = RequirementViolation.objects.create(
        requirement=requirement,
        occurred_on=occurred_on,
        condition=condition,
        description=description,
        sanction=sanction,
    )
    audit_change(actor, request, requirement, violation=occurred_on.isoformat())
    return violation
