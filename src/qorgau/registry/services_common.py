"""What the workflows of the case registry share: the checks of dates, districts and scope, and
their messages. The workflows are in ``services_<records>.py``; ``services.py`` gathers them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import audit_refused, can_place_in_scope, restrict
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.registry.models import Incident, Person
from qorgau.territory.models import Level, Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User


IN_FUTURE = _("This date is in the future.")
OUTSIDE_SCOPE = _("This district is outside your territory.")
NOT_A_DISTRICT = _("Choose a district (or city administration) that existed on that date.")
OFFENDER_PROTECTED = _("The offender cannot be one of the persons the measure protects.")

PERSON_OUTSIDE_SCOPE = _("One of the persons is recorded outside your territory.")
INCIDENT_OUTSIDE_SCOPE = _("The incident is outside your territory.")


def audit_change(actor: User, request: HttpRequest | None, target: Any, **details: Any) -> None:
    """A step in a record's life (served, extended, revoked, a check, a violation) in the audit
    trail, on the record itself; ``details`` say which step and its day."""
    audit_record(
        action=AuditAction.CHANGE, request=request, actor=actor, target=target, details=details
    )


def require(actor: User, *permissions: str) -> None:
    """The actor must hold at least one of ``permissions``."""
    if not any(actor.has_perm(permission) for permission in permissions):
        raise PermissionDenied(_("Your role may not do this."))


def today() -> dt.date:
    return timezone.localdate()


def not_future(day: dt.date | dt.datetime, field: str) -> None:
    value = day.date() if isinstance(day, dt.datetime) else day
    if isinstance(day, dt.datetime) and timezone.is_aware(day):
        value = timezone.localtime(day).date()
    if value > today():
        raise ValidationError({field: IN_FUTURE})


def district_for(actor: User, district: Territory, on: dt.date) -> None:
    if district.level != Level.DISTRICT or not district.exists_on(on):
        raise ValidationError({"district": NOT_A_DISTRICT})
    if not can_place_in_scope(actor, district.pk, None):
        raise PermissionDenied(OUTSIDE_SCOPE)


def persons_usable(actor: User, persons: Iterable[Person]) -> None:
    """Each person must be one the access layer gives the actor (in scope, or registered by the
    actor and not yet placed); a refusal is audited under each person refused."""
    ids = {p.pk for p in persons}
    visible = set(restrict(Person.objects.filter(pk__in=ids), actor).values_list("pk", flat=True))
    if ids - visible:
        for pk in sorted(ids - visible):
            audit_refused(Person, actor, pk)
        raise PermissionDenied(PERSON_OUTSIDE_SCOPE)


def incident_usable(actor: User, incident: Incident | None) -> None:
    if (
        incident is not None
        and not restrict(Incident.objects.filter(pk=incident.pk), actor).exists()
    ):
        audit_refused(Incident, actor, incident.pk)
        raise PermissionDenied(INCIDENT_OUTSIDE_SCOPE)
