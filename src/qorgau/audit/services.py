"""Writing to and verifying the audit trail, and asking why a record is opened.

Every read or change of personal data calls :func:`audit_record`. A record reached through the
usual flow (a link from a list the user was shown) carries a signed *flow token*; a record
opened any other way (a typed or shared address, a search by identifier) needs a reason first,
see :func:`access_reason`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from qorgau.audit.anchor import (
    Anchor,
    anchor_on_commit,
    anchored_positions,
    anchors_check,
    anchors_in_force,
    anchors_read,
)
from qorgau.audit.models import AuditAction, AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from qorgau.accounts.models import User
    from qorgau.accounts.typing import RequestUser

FLOW_SALT = "qorgau.audit.flow"
FLOW_MAX_AGE = dt.timedelta(hours=8)
REASON_GRANT_MAX_AGE = dt.timedelta(minutes=30)
_SESSION_GRANTS = "qorgau_access_reasons"


def object_label(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@transaction.atomic
def audit_record(
    *,
    action: AuditAction | str,
    request: HttpRequest | None = None,
    actor: User | None = None,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one sealed entry. ``actor`` defaults to the request's signed-in user."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if target is not None:
        object_type, object_id = object_label(target), str(target.pk)
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # only after the table was emptied (a test flush): start a new chain
        head = AuditChainHead(pk=1, length=0, last_seal="")
        head.seal = head.compute_seal()
        head.save()
    ip_field = AuditEntry._meta.get_field("ip_address")
    entry = AuditEntry(
        position=head.length + 1,
        occurred_at=timezone.now(),
        actor=actor,
        actor_username=getattr(actor, "username", "") or "",
        ip_address=ip_field.get_prep_value(client_address(request)),
        action=str(action),
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        details=details or {},
        previous_seal=head.last_seal,
    )
    entry.seal = entry.compute_seal()
    entry.save()
    head.length = entry.position
    head.last_seal = entry.seal
    head.seal = head.compute_seal()
    head.save(update_fields=["length", "last_seal", "seal"])
    anchor_on_commit(entry.position, entry.seal)
    return entry


@transaction.atomic
def audit_record_many(
    *,
    action: AuditAction | str,
    object_type: str,
    object_ids: list[str],
    request: HttpRequest | None = None,
    actor: User | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> int:
    """Append one sealed entry per ``object_ids``, under one lock of the chain head.

    The same chain as :func:`audit_record`, entry by entry (each seals the previous), written
    in one insert: a list page that decrypts fifty persons owes fifty entries, one under each
    person, and should not pay fifty round trips of the lock for them. Returns the count.
    """
    if not object_ids:
        return 0
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = AuditChainHead(pk=1, length=0, last_seal="")
        head.seal = head.compute_seal()
        head.save()
    ip_address = AuditEntry._meta.get_field("ip_address").get_prep_value(client_address(request))
    entries, seal, now = [], head.last_seal, timezone.now()
    for offset, object_id in enumerate(object_ids, start=1):
        entry = AuditEntry(
            position=head.length + offset,
            occurred_at=now,
            actor=actor,
            actor_username=getattr(actor, "username", "") or "",
            ip_address=ip_address,
            action=str(action),
            object_type=object_type,
            object_id=object_id,
            reason=reason,
            details=details or {},
            previous_seal=seal,
        )
        entry.seal = seal = entry.compute_seal()
        entries.append(entry)
    AuditEntry.objects.bulk_create(entries)
    head.length, head.last_seal = entries[-1].position, seal
    head.seal = head.compute_seal()
    head.save(update_fields=["length", "last_seal", "seal"])
    anchor_on_commit(head.length, seal)  # the newest anchor covers the entries before it
    return len(entries)


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    entries_checked: int
    first_broken_position: int | None = None
    problem: str = ""
    anchors_checked: int = 0  # anchors outside the database the chain was held against
    last_good_anchor: Anchor | None = None  # the newest anchor the chain still reaches


def audit_chain_verify() -> ChainReport:
    """Walk the chain from the first entry; report the first entry that does not hold.

    A chain that holds in itself is then held against its anchors outside the database
    (``audit.anchor``), which catch a trail deleted, cut back or rebuilt as a whole.
    """
    anchors, anchor_problem = anchors_read()
    if anchor_problem:
        return ChainReport(False, 0, None, anchor_problem)
    wanted = anchored_positions(anchors)
    seals: dict[int, str] = {}
    expected_position = 1
    previous_seal = ""
    for entry in AuditEntry.objects.order_by("position").iterator(chunk_size=2000):
        if entry.position in wanted:
            seals[entry.position] = entry.seal
        checked = expected_position - 1
        if entry.position != expected_position:
            return ChainReport(
                False, checked, expected_position, f"entry #{expected_position} is missing"
            )
        if entry.previous_seal != previous_seal:
            return ChainReport(
                False,
                checked,
                entry.position,
                f"entry #{entry.position} does not follow entry #{entry.position - 1}",
            )
        if entry.compute_seal() != entry.seal:
            return ChainReport(
                False, checked, entry.position, f"entry #{entry.position} was altered"
            )
        previous_seal = entry.seal
        expected_position += 1

    checked = expected_position - 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        head = AuditChainHead(pk=1, length=0, last_seal="")
        head.seal = head.compute_seal()
    if head.compute_seal() != head.seal:
        return ChainReport(False, checked, None, "the chain head was altered")
    if head.length != checked or head.last_seal != previous_seal:
        return ChainReport(
            False,
            checked,
            checked + 1,
            f"entries after #{checked} are missing (head counts {head.length})",
        )
    anchored = anchors_check(anchors, checked, seals)
    if anchored.problem:
        missed = (a.length for a in anchors_in_force(anchors) if seals.get(a.length) != a.seal)
        broken = min(checked + 1, *missed)
        return ChainReport(
            False, checked, broken, anchored.problem, anchored.anchors, anchored.last_good
        )
    return ChainReport(True, checked, None, "", anchored.anchors, anchored.last_good)


def flow_token(user: User, obj: models.Model) -> str:
    """A signed note that ``user`` was shown ``obj`` in a list: opening it needs no reason."""
    return signing.dumps([user.pk, object_label(obj), str(obj.pk)], salt=FLOW_SALT, compress=True)


def _flow_token_valid(token: str, user: RequestUser, obj: models.Model) -> bool:
    try:
        value = signing.loads(token, salt=FLOW_SALT, max_age=FLOW_MAX_AGE)
    except signing.BadSignature:
        return False
    return bool(value == [user.pk, object_label(obj), str(obj.pk)])


def _grant_key(obj: models.Model) -> str:
    return f"{object_label(obj)}:{obj.pk}"


def access_reason_grant(request: HttpRequest, obj: models.Model, reason: str) -> None:
    """Remember for a while that the user gave ``reason`` for opening ``obj``."""
    grants = request.session.get(_SESSION_GRANTS, {})
    grants[_grant_key(obj)] = [reason, timezone.now().isoformat()]
    request.session[_SESSION_GRANTS] = grants


def access_reason(request: HttpRequest, obj: models.Model) -> str | None:
    """Why the user opens ``obj``: ``""`` for the usual flow, the reason given, or ``None``.

    ``None`` means the view must ask for a reason before showing anything.
    """
    token = request.GET.get("flow", "")
    if token and _flow_token_valid(token, request.user, obj):
        return ""
    grant = request.session.get(_SESSION_GRANTS, {}).get(_grant_key(obj))
    if grant:
        reason, granted_at = grant
        if timezone.now() - dt.datetime.fromisoformat(granted_at) < REASON_GRANT_MAX_AGE:
            return str(reason)
    return None
