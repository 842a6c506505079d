"""Workflows of protective orders: issue, service, check-ins, extensions, revocation, violations."""

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
from qorgau.accounts.roles import MANAGE_ORDERS
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.registry import choices as c
from qorgau.registry.lawcheck import outcome_breach
from qorgau.registry.legal import legal_rule
from qorgau.registry.models import (
    Incident,
    OrderCheckIn,
    OrderExtension,
    OrderStatus,
    OrderViolation,
    Person,
    ProtectiveOrder,
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


BEFORE_INCIDENT = _("An order cannot start before its incident.")
NO_PROTECTED = _("Name at least one protected person.")
PROHIBITION_NOT_ALLOWED = _("This prohibition is not in the law's list: %(codes)s.")
OFFENDER_TOO_YOUNG = _("A protective order is issued only to a person aged %(age)s or more.")
ORDER_NOT_IN_FORCE = _("The order is not in force on that date.")

_IN_FORCE_STATES = (OrderStatus.ACTIVE, OrderStatus.EXTENDED, OrderStatus.VIOLATED)


def _order_number(district: Territory, issued_on: dt.date) -> str:
    count = ProtectiveOrder.objects.filter(
        district=district, issued_on__year=issued_on.year
    ).count()
    return f"ЗП-{district.kato_code[:4]}-{issued_on:%Y}-{count + 1:05d}"


@refusals_audited
@transaction.atomic
def order_issue(
    *,
    actor: User,
    request: HttpRequest | None = None,
    offender: Person,
    protected: Sequence[Person],
    issued_on: dt.date,
    served_on: dt.date | None,
    district: Territory,
    incident: Incident | None = None,
    prohibitions: Sequence[str] = (c.OrderProhibition.NO_CONTACT,),
    number: str = "",
    source: str = "",
    source_record_id: str | None = None,
    audit: bool = True,
) -> ProtectiveOrder:
    """Issue a protective order. Its term and check interval come from the law of the day."""
    require(actor, MANAGE_ORDERS)
    if source_record_id:
        existing = ProtectiveOrder.objects.filter(
            source=source, source_record_id=source_record_id
        ).first()
        if existing:
            return existing
    not_future(issued_on, "issued_on")
    if served_on:
        not_future(served_on, "served_on")
        if served_on < issued_on:
            raise ValidationError(
                {"served_on": _("An order is served on or after the day it is issued.")}
            )
    district_for(actor, district, issued_on)
    if incident and issued_on < timezone.localtime(incident.occurred_at).date():
        raise ValidationError({"issued_on": BEFORE_INCIDENT})
    if not protected:
        raise ValidationError({"protected": NO_PROTECTED})
    incident_usable(actor, incident)
    persons_usable(actor, [offender, *protected])
    if offender.pk in {p.pk for p in protected}:
        raise ValidationError({"protected": OFFENDER_PROTECTED})
    minimum_age = legal_rule("protective_order.min_offender_age", issued_on).value
    age = offender.age_on(issued_on)
    if age is not None and age < minimum_age:
        raise ValidationError({"offender": OFFENDER_TOO_YOUNG % {"age": minimum_age}})
    allowed = set(legal_rule("protective_order.prohibitions", issued_on).value)
    if not prohibitions or set(prohibitions) - allowed:
        raise ValidationError(
            {
                "prohibitions": PROHIBITION_NOT_ALLOWED
                % {"codes": ", ".join(sorted(set(prohibitions) - allowed)) or "—"}
            }
        )
    term = legal_rule("protective_order.term_days", issued_on)
    interval = legal_rule("protective_order.check_interval_days", issued_on).value
    order = ProtectiveOrder(
        number=number or _order_number(district, issued_on),
        incident=incident,
        district=district,
        offender=offender,
        issued_on=issued_on,
        served_on=served_on,
        term_days=term.value,
        check_interval_days=interval,
        prohibitions=sorted(set(prohibitions)),
        legal_basis=term.basis,
        source=source,
        source_record_id=source_record_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _order_dates(order)
    order.full_clean(exclude=["created_by"])
    order.save()
    order.protected_persons.set(protected)
    if audit:
        audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=order)
    return order


def _order_dates(order: ProtectiveOrder) -> None:
    """Set the end of the term and the next check due.

    The term counts from service, the day of service being day 1.
    """
    if order.served_on is None:
        order.ends_on = None
        order.next_check_due = None
        return
    # Queried afresh, not through order.extensions: a prefetched order would miss the new row.
    extensions = (
        list(OrderExtension.objects.filter(order=order).values_list("new_end", flat=True))
        if order.pk
        else []
    )
    order.ends_on = max([order.served_on + dt.timedelta(days=order.term_days - 1), *extensions])
    checks = (
        list(OrderCheckIn.objects.filter(order=order).values_list("checked_on", flat=True))
        if order.pk
        else []
    )
    last_check = max([order.served_on, *checks])
    order.next_check_due = last_check + dt.timedelta(days=order.check_interval_days)


def _order_for(actor: User, order: ProtectiveOrder) -> ProtectiveOrder:
    require(actor, MANAGE_ORDERS)
    if not restrict(ProtectiveOrder.objects.filter(pk=order.pk), actor).exists():
        raise PermissionDenied(OUTSIDE_SCOPE)
    return order


@refusals_audited
@transaction.atomic
def order_serve(
    *,
    actor: User,
    request: HttpRequest | None = None,
    order: ProtectiveOrder,
    served_on: dt.date,
) -> ProtectiveOrder:
    _order_for(actor, order)
    not_future(served_on, "served_on")
    if order.served_on is not None or order.revoked_on is not None:
        raise ValidationError({"served_on": _("This order was already served or revoked.")})
    if served_on < order.issued_on:
        raise ValidationError(
            {"served_on": _("An order is served on or after the day it is issued.")}
        )
    order.served_on = served_on
    _order_dates(order)
    order.save(update_fields=["served_on", "ends_on", "next_check_due"])
    audit_change(actor, request, order, fields=["served_on"])
    return order


@refusals_audited
@transaction.atomic
def order_extend(
    *,
    actor: User,
    request: HttpRequest | None = None,
    order: ProtectiveOrder,
    decided_on: dt.date,
    new_end: dt.date,
    reason: str,
) -> OrderExtension:
    _order_for(actor, order)
    not_future(decided_on, "decided_on")
    if order.status_on(decided_on) not in _IN_FORCE_STATES:
        raise ValidationError({"decided_on": ORDER_NOT_IN_FORCE})
    if order.ends_on is None or new_end <= order.ends_on:
        raise ValidationError({"new_end": _("The new end must be later than the current one.")})
    extension = OrderExtension.objects.create(
        order=order, decided_on=decided_on, new_end=new_end, reason=reason
    )
    _order_dates(order)
    order.save(update_fields=["ends_on", "next_check_due"])
    audit_change(actor, request, order, extended_to=new_end.isoformat())
    return extension


@refusals_audited
@transaction.atomic
def order_revoke(
    *,
    actor: User,
    request: HttpRequest | None = None,
    order: ProtectiveOrder,
    revoked_on: dt.date,
    reason: str,
) -> ProtectiveOrder:
    _order_for(actor, order)
    not_future(revoked_on, "revoked_on")
    if revoked_on < order.issued_on:
        raise ValidationError({"revoked_on": _("An order cannot be revoked before it was issued.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for revoking the order.")})
    order.revoked_on, order.revocation_reason = revoked_on, reason.strip()
    order.save(update_fields=["revoked_on", "revocation_reason"])
    audit_change(actor, request, order, revoked=revoked_on.isoformat())
    return order


@refusals_audited
@transaction.atomic
def order_check_in(
    *,
    actor: User,
    request: HttpRequest | None = None,
    order: ProtectiveOrder,
    checked_on: dt.date,
    compliant: bool = True,
    note: str = "",
) -> OrderCheckIn:
    """Record a police compliance check.

    A non-compliant check does not by itself record a violation.
    """
    _order_for(actor, order)
    not_future(checked_on, "checked_on")
    if order.status_on(checked_on) not in _IN_FORCE_STATES:
        raise ValidationError({"checked_on": ORDER_NOT_IN_FORCE})
    check = OrderCheckIn.objects.create(
        order=order,
        checked_on=checked_on,
        compliant=compliant,
        note=note,
        checked_by=actor if getattr(actor, "pk", None) else None,
    )
    _order_dates(order)
    order.save(update_fields=["next_check_due"])
    audit_change(actor, request, order, check_in=checked_on.isoformat())
    return check


@refusals_audited
@transaction.atomic
def order_violation_record(
    *,
    actor: User,
    request: HttpRequest | None = None,
    order: ProtectiveOrder,
    occurred_on: dt.date,
    description: str,
    sanction: str = c.Sanction.NONE,
) -> OrderViolation:
    """A violation of an order: an administrative offence (CoAO art. 461 at the time of writing)."""
    _order_for(actor, order)
    not_future(occurred_on, "occurred_on")
    if order.status_on(occurred_on) not in _IN_FORCE_STATES:
        raise ValidationError({"occurred_on": ORDER_NOT_IN_FORCE})
    article = legal_rule("protective_order.violation_article", occurred_on).value
    refused = outcome_breach(
        kind=c.OffenceKind.ADMINISTRATIVE,
        article=article,
        outcome=sanction,
        outcome_label=c.Sanction(sanction).label,
        committed_on=occurred_on,
        decided_on=None,
        field="sanction",
    )
    if refused:
        raise ValidationError({refused.field: refused.message})
    violation = OrderViolation.objects.create(
        order=order,
        occurred_on=occurred_on,
        description=description,
        sanction=sanction,
        article=article,
    )
    audit_change(actor, request, order, violation=occurred_on.isoformat())
    return violation
