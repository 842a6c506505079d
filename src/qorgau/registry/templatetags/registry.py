"""Links from registry lists to records, carrying the audit flow token, and the names shown."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString

from qorgau.audit.services import flow_token
from qorgau.registry.models import (
    BehaviourRequirement,
    Incident,
    Offence,
    OrderViolation,
    Person,
    ProtectiveOrder,
    RequirementViolation,
    RiskAssessment,
)

register = template.Library()

_LINKED = (Person, Incident, ProtectiveOrder, BehaviourRequirement)


def _record_of(obj: Any) -> models.Model | None:
    """The record whose page shows ``obj`` (a violation: its order; an offence: its incident)."""
    if isinstance(obj, _LINKED):
        return obj
    if isinstance(obj, OrderViolation):
        return obj.order
    if isinstance(obj, RequirementViolation):
        return obj.requirement
    if isinstance(obj, Offence | RiskAssessment):
        return obj.incident
    return None


@register.simple_tag(takes_context=True)
def flow_url(context: dict[str, Any], obj: Any) -> str:
    """The address of ``obj``'s page, reached through the usual flow (no reason asked)."""
    record = _record_of(obj)
    if record is None:
        return ""
    user = context["request"].user
    return f"{record.get_absolute_url()}?flow={flow_token(user, record)}"  # type: ignore[attr-defined]


@register.filter
def choice_labels(codes: list[str], choices: str) -> str:
    """Labels of the stored codes of a JSON list field (prohibitions, conditions)."""
    from qorgau.registry import choices as c

    labels = dict(getattr(c, choices).choices)
    return "; ".join(str(labels.get(code, code)) for code in codes)


@register.filter
def order_status(order: ProtectiveOrder) -> Any:
    """The order's state today (uses the prefetched violations and extensions)."""
    from django.utils import timezone

    return order.status_on(timezone.localdate())


@register.simple_tag
def person_name(person: Person | None, names: dict[int, Any] | None) -> SafeString | str:
    """The person's name beside the label when the page decrypted it for the user (the
    view's audited ``person_identities``), else the pseudonymous label alone."""
    if person is None:
        return "—"
    identity = (names or {}).get(person.pk)
    if identity is None or not identity.full_name:
        return person.label
    return format_html('{} <span class="muted">{}</span>', identity.full_name, person.label)


@register.filter
def identity_of(names: dict[int, Any] | None, person: Person) -> Any:
    """The decrypted identity of ``person`` on this page, if the user may see it."""
    return (names or {}).get(person.pk)
