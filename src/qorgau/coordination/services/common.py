"""What every coordination workflow shares: the audit of a change and the checks of the
actor's right to act (a body's keeper in the territory, an agency officer on the own agency's
items).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext

from qorgau.accounts.roles import KEEP_COORDINATING_BODY, Role
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.coordination import selectors as s
from qorgau.coordination.models import CoordinatingBody, Decision, SafetyAction

if TYPE_CHECKING:
    from qorgau.accounts.models import User


log = logging.getLogger("qorgau.coordination.services")  # the name it always had

DUE_SOON_DAYS = 3
POLICE_ROLES = (Role.POLICE_INSPECTOR, Role.POLICE_SUPERVISOR)


def _audit(
    action: AuditAction,
    actor: User | None,
    target: models.Model,
    request: HttpRequest | None = None,
    **details: Any,
) -> None:
    audit_record(
        action=action,
        request=request,
        actor=actor,
        target=target,
        details={k: str(v) for k, v in details.items()},
    )


# --- Rights -----------------------------------------------------------------------------------


def _require_keeper(actor: User, body: CoordinatingBody) -> None:
    if actor.is_superuser:
        return
    if (
        not actor.has_perm(KEEP_COORDINATING_BODY)
        or not s.bodies_for(actor).filter(pk=body.pk).exists()
    ):
        raise PermissionDenied(gettext("Only the secretary of this coordinating body may do this."))


def _require_agency(
    actor: User, organisation_id: int, body: CoordinatingBody | None = None
) -> None:
    """The actor acts for ``organisation_id`` (or keeps the body the item belongs to)."""
    if actor.is_superuser or organisation_id in s.agency_ids(actor):
        return
    if body is not None and actor.has_perm(KEEP_COORDINATING_BODY):
        _require_keeper(actor, body)
        return
    raise PermissionDenied(gettext("Only the owner agency may do this."))


# --- Bodies and meetings ----------------------------------------------------------------------


def _item_body(item: Decision | SafetyAction) -> CoordinatingBody:
    if isinstance(item, Decision):
        return item.meeting.body
    return item.case.meeting.body
