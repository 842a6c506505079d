"""Setting up coordinating bodies and their member agencies (an administrator's work).

The body sits in the akimat's territory; its members are agencies placed in that territory.
Both must lie within the administrator's scope (:mod:`qorgau.accounts.setup_services`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import can_place_in_scope
from qorgau.accounts.models import Organisation
from qorgau.accounts.setup_services import (
    NAMES_IN_LANGUAGES,
    OUTSIDE_TERRITORY,
    changed_fields,
    names_stripped,
    setup_require,
    setup_save,
)
from qorgau.audit.models import AuditAction
from qorgau.coordination.models import CoordinatingBody, MemberRole, Membership
from qorgau.territory.models import Territory
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.models import User


MEMBER_ELSEWHERE = _("The agency must work in the body's territory.")
MEMBER_TWICE = _("This agency is already a member of the body.")
BODY_FIELDS = frozenset({"name", "territory", "is_active", *NAMES_IN_LANGUAGES})
MEMBER_FIELDS = frozenset({"role", "joined_on", "left_on"})


@transaction.atomic
def body_create(
    *,
    actor: User,
    request: HttpRequest | None = None,
    name: str,
    territory: Territory,
    is_active: bool = True,
    name_kk: str = "",
    name_ru: str = "",
    name_en: str = "",
) -> CoordinatingBody:
    """Create the coordinating body of an akimat in the actor's territory.

    ``name_kk/_ru/_en`` are its optional names in the three languages, shown to readers of
    that language instead of the name as entered.
    """
    setup_require(actor, territory)
    names = names_stripped({"name": name, "name_kk": name_kk, "name_ru": name_ru})
    body = CoordinatingBody(territory=territory, is_active=is_active, **names)
    body.name_en = name_en.strip()
    details = {"name": body.name, "territory": territory.kato_code}
    return setup_save(
        body, actor=actor, request=request, action=AuditAction.CREATE, details=details
    )


@transaction.atomic
def body_update(
    *,
    actor: User,
    request: HttpRequest | None = None,
    body: CoordinatingBody,
    **changes: Any,
) -> CoordinatingBody:
    """Rename, move or close a body; its old and new territory both in the actor's scope."""
    _known(changes, BODY_FIELDS)
    setup_require(actor, body.territory)
    changed = changed_fields(body, names_stripped(changes))
    setup_require(actor, body.territory)
    return setup_save(
        body, actor=actor, request=request, action=AuditAction.CHANGE, details={"fields": changed}
    )


@transaction.atomic
def member_add(
    *,
    actor: User,
    request: HttpRequest | None = None,
    body: CoordinatingBody,
    organisation: Organisation,
    role: str = MemberRole.MEMBER,
    joined_on: dt.date | None = None,
) -> Membership:
    """Seat an agency of the body's territory on the body."""
    setup_require(actor, body.territory)
    _placeable(actor, body, organisation)
    if Membership.objects.filter(body=body, organisation=organisation).exists():
        raise ValidationError({"organisation": MEMBER_TWICE})
    membership = Membership(body=body, organisation=organisation, role=role)
    if joined_on is not None:
        membership.joined_on = joined_on
    details = {"body": body.pk, "organisation": organisation.pk, "role": role}
    return setup_save(
        membership, actor=actor, request=request, action=AuditAction.CREATE, details=details
    )


@transaction.atomic
def member_update(
    *,
    actor: User,
    request: HttpRequest | None = None,
    membership: Membership,
    **changes: Any,
) -> Membership:
    """Change a member's role or dates (``left_on`` ends the membership)."""
    _known(changes, MEMBER_FIELDS)
    setup_require(actor, membership.body.territory)
    changed = changed_fields(membership, changes)
    if membership.left_on and membership.left_on < membership.joined_on:
        raise ValidationError({"left_on": _("A member cannot leave before joining.")})
    return setup_save(
        membership,
        actor=actor,
        request=request,
        action=AuditAction.CHANGE,
        details={"fields": changed},
    )


def _placeable(actor: User, body: CoordinatingBody, organisation: Organisation) -> None:
    if not can_place_in_scope(actor, None, organisation.pk):
        raise PermissionDenied(OUTSIDE_TERRITORY)
    if organisation.territory_id not in territory_scope_ids(body.territory):
        raise ValidationError({"organisation": MEMBER_ELSEWHERE})


def _known(changes: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %s") % ", ".join(unknown))
