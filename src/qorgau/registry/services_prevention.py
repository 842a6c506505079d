"""Workflows of the prevention instruments of Law 245-VIII: a preventive talk, an official
warning, entry on and exit from the preventive register.

They exist from the day the law is in force (the ``prevention.instruments`` rule of the table,
reported as 2 March 2026): a record of an earlier day is refused, naming the rule. The warning's
term comes from the table. The police record them (the permission that issues protective
orders): who issues them under the law was not retrieved, so nothing narrower is enforced.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import refusals_audited, restrict
from qorgau.accounts.roles import MANAGE_ORDERS
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.registry import choices as c
from qorgau.registry.legal import LegalRule, NoRuleInForce, legal_rule, rule_versions
from qorgau.registry.models import Incident, Person, PreventionMeasure, PreventiveRegisterEntry
from qorgau.registry.services_common import (
    OUTSIDE_SCOPE,
    district_for,
    incident_usable,
    not_future,
    persons_usable,
    require,
)
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User

NOT_YET_IN_FORCE = _(
    "On %(date)s the law had no such measure: rule “%(rule)s” (%(basis)s) applies from %(start)s."
)
ALREADY_ON_REGISTER = _("This person is already on the preventive register of this district.")
LEFT_BEFORE_ENTERED = _("A person cannot leave the register before entering it.")
NEEDS_EXIT_REASON = _("Give the reason for taking the person off the register.")


def _instruments_on(day: dt.date, field: str) -> LegalRule:
    """The rule that makes the instruments exist on ``day``, or a refusal naming it."""
    try:
        return legal_rule("prevention.instruments", day)
    except NoRuleInForce:
        first = rule_versions("prevention.instruments")[0]
        raise ValidationError(
            {
                field: NOT_YET_IN_FORCE
                % {
                    "date": date_format(day, "SHORT_DATE_FORMAT"),
                    "rule": first.label,
                    "basis": first.basis,
                    "start": date_format(first.valid_from, "SHORT_DATE_FORMAT"),
                }
            }
        ) from None


@refusals_audited
@transaction.atomic
def prevention_record(
    *,
    actor: User,
    request: HttpRequest | None = None,
    kind: str,
    person: Person,
    held_on: dt.date,
    district: Territory,
    incident: Incident | None = None,
    note: str = "",
) -> PreventionMeasure:
    """A preventive talk held or an official warning given, on the law of its day."""
    require(actor, MANAGE_ORDERS)
    not_future(held_on, "held_on")
    rule = _instruments_on(held_on, "held_on")
    district_for(actor, district, held_on)
    incident_usable(actor, incident)
    persons_usable(actor, [person])
    ends_on, basis = None, rule.basis
    if kind == c.PreventionKind.OFFICIAL_WARNING:
        term = legal_rule("prevention.official_warning.term_days", held_on)
        ends_on, basis = held_on + dt.timedelta(days=term.value - 1), term.basis
    measure = PreventionMeasure(
        kind=kind,
        person=person,
        district=district,
        incident=incident,
        held_on=held_on,
        ends_on=ends_on,
        legal_basis=basis,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    measure.full_clean(exclude=["created_by"])
    measure.save()
    audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=measure)
    return measure


@refusals_audited
@transaction.atomic
def register_enter(
    *,
    actor: User,
    request: HttpRequest | None = None,
    person: Person,
    district: Territory,
    entered_on: dt.date,
    grounds: str,
) -> PreventiveRegisterEntry:
    """Put a person on a district's preventive register (one open entry per district)."""
    require(actor, MANAGE_ORDERS)
    not_future(entered_on, "entered_on")
    rule = _instruments_on(entered_on, "entered_on")
    district_for(actor, district, entered_on)
    persons_usable(actor, [person])
    if PreventiveRegisterEntry.objects.filter(
        person=person, district=district, left_on__isnull=True
    ).exists():
        raise ValidationError({"person": ALREADY_ON_REGISTER})
    entry = PreventiveRegisterEntry(
        person=person,
        district=district,
        entered_on=entered_on,
        grounds=grounds.strip(),
        legal_basis=rule.basis,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    entry.full_clean(exclude=["created_by"])
    entry.save()
    audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=entry)
    return entry


@refusals_audited
@transaction.atomic
def register_leave(
    *,
    actor: User,
    request: HttpRequest | None = None,
    entry: PreventiveRegisterEntry,
    left_on: dt.date,
    reason: str,
) -> PreventiveRegisterEntry:
    """Take a person off the register, with the reason (the law's grounds are not checked)."""
    require(actor, MANAGE_ORDERS)
    if not restrict(PreventiveRegisterEntry.objects.filter(pk=entry.pk), actor).exists():
        raise PermissionDenied(OUTSIDE_SCOPE)
    not_future(left_on, "left_on")
    if left_on < entry.entered_on:
        raise ValidationError({"left_on": LEFT_BEFORE_ENTERED})
    if not reason.strip():
        raise ValidationError({"reason": NEEDS_EXIT_REASON})
    entry.left_on, entry.exit_reason = left_on, reason.strip()
    entry.save(update_fields=["left_on", "exit_reason"])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=entry,
        details={"left": left_on.isoformat()},
    )
    return entry
