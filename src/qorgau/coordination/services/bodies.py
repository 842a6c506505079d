"""Coordinating bodies, their members and meetings, decisions, case conferences and their
safety actions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import Organisation
from qorgau.accounts.roles import KEEP_COORDINATING_BODY
from qorgau.audit.models import AuditAction
from qorgau.coordination import selectors as s
from qorgau.coordination.models import (
    ConferenceCase,
    CoordinatingBody,
    Decision,
    ItemStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Membership,
    NotificationKind,
    SafetyAction,
    SharingBasis,
)
from qorgau.coordination.services.common import _audit, _item_body, _require_agency, _require_keeper
from qorgau.coordination.services.notifications import notify_owner
from qorgau.registry.models import Person
from qorgau.territory.models import Territory
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.models import User


@transaction.atomic
def body_create(
    *,
    actor: User,
    territory: Territory,
    name: str,
    members: Iterable[tuple[Organisation, str]] = (),
    source: str = "",
) -> CoordinatingBody:
    if not (actor.is_superuser or actor.has_perm(KEEP_COORDINATING_BODY)):
        raise PermissionDenied(gettext("Your role may not keep a coordinating body."))
    if actor.territory is not None and territory.pk not in territory_scope_ids(actor.territory):
        raise PermissionDenied(gettext("This territory is outside your scope."))
    body = CoordinatingBody.objects.create(territory=territory, name=name, source=source)
    for organisation, role in members:
        Membership.objects.create(body=body, organisation=organisation, role=role)
    _audit(AuditAction.CREATE, actor, body, name=name)
    return body


def membership_add(
    *, actor: User, body: CoordinatingBody, organisation: Organisation, role: str
) -> Membership:
    _require_keeper(actor, body)
    if organisation.territory_id not in territory_scope_ids(body.territory):
        raise ValidationError({"organisation": _("The agency must work in the body's territory.")})
    membership, _created = Membership.objects.update_or_create(
        body=body, organisation=organisation, defaults={"role": role, "left_on": None}
    )
    _audit(AuditAction.CHANGE, actor, body, member=organisation.pk, role=role)
    return membership


def membership_end(*, actor: User, membership: Membership, on: dt.date) -> None:
    _require_keeper(actor, membership.body)
    membership.left_on = on
    membership.save(update_fields=["left_on"])
    _audit(AuditAction.CHANGE, actor, membership.body, member_left=membership.organisation_id)


def meeting_plan(
    *,
    actor: User,
    body: CoordinatingBody,
    planned_at: dt.datetime,
    kind: str = MeetingKind.REGULAR,
    agenda: str = "",
    place: str = "",
) -> Meeting:
    _require_keeper(actor, body)
    meeting = Meeting.objects.create(
        body=body, planned_at=planned_at, kind=kind, agenda=agenda, place=place
    )
    _audit(AuditAction.CREATE, actor, meeting, planned_at=planned_at)
    return meeting


@transaction.atomic
def meeting_record(
    *,
    actor: User,
    meeting: Meeting,
    held_on: dt.date,
    attendees: Iterable[Organisation],
    minutes: str,
    agenda: str | None = None,
) -> Meeting:
    """Record that the meeting was held: who attended and the minutes."""
    _require_keeper(actor, meeting.body)
    members = set(meeting.body.members.values_list("organisation_id", flat=True))
    attendees = list(attendees)
    strangers = [a for a in attendees if a.pk not in members]
    if strangers:
        raise ValidationError({"attendees": _("Only member agencies can be recorded as present.")})
    meeting.status = MeetingStatus.HELD
    meeting.held_on = held_on
    meeting.minutes = minutes
    if agenda is not None:
        meeting.agenda = agenda
    meeting.save()
    meeting.attendees.set(attendees)
    _audit(AuditAction.CHANGE, actor, meeting, held_on=held_on, attendees=len(attendees))
    return meeting


def meeting_cancel(*, actor: User, meeting: Meeting) -> None:
    _require_keeper(actor, meeting.body)
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    _audit(AuditAction.CHANGE, actor, meeting, status=meeting.status)


# --- Decisions and actions --------------------------------------------------------------------


def _check_owner(body: CoordinatingBody, owner: Organisation) -> None:
    if not body.members.filter(organisation=owner, left_on__isnull=True).exists():
        raise ValidationError({"owner": _("The owner must be a member agency of the body.")})


def decision_add(
    *, actor: User, meeting: Meeting, text: str, owner: Organisation, deadline: dt.date
) -> Decision:
    _require_keeper(actor, meeting.body)
    _check_owner(meeting.body, owner)
    decision = Decision.objects.create(meeting=meeting, text=text, owner=owner, deadline=deadline)
    _audit(AuditAction.CREATE, actor, decision, owner=owner.pk, deadline=deadline)
    notify_owner(decision, NotificationKind.NEW)
    return decision


def item_update(
    *,
    actor: User,
    item: Decision | SafetyAction,
    status: str,
    note: str = "",
    on: dt.date | None = None,
) -> Decision | SafetyAction:
    """The owner reports progress or completion; the keeper may also cancel."""
    _require_agency(actor, item.owner_id, _item_body(item))
    if status not in ItemStatus.values or status == ItemStatus.ESCALATED:
        raise ValidationError({"status": _("Choose open, in progress, done or cancelled.")})
    if status == ItemStatus.CANCELLED and not actor.has_perm(KEEP_COORDINATING_BODY):
        raise PermissionDenied(gettext("Only the secretary may cancel."))
    item.status = status
    item.progress_note = note or item.progress_note
    item.completed_on = (on or timezone.localdate()) if status == ItemStatus.DONE else None
    item.save(update_fields=["status", "progress_note", "completed_on"])
    _audit(AuditAction.CHANGE, actor, item, status=status)
    return item


# --- Case conferences -------------------------------------------------------------------------


@transaction.atomic
def case_add(
    *,
    actor: User,
    meeting: Meeting,
    victim: Person,
    district: Territory,
    sharing_basis: str,
    sharing_reference: str,
    reasons: Iterable[str] = (),
    summary: str = "",
    source: str = "",
) -> ConferenceCase:
    """Put a high-risk case on a conference; the basis for sharing it must be recorded."""
    _require_keeper(actor, meeting.body)
    if meeting.kind != MeetingKind.CONFERENCE:
        raise ValidationError({"meeting": _("Cases are discussed at case conferences only.")})
    if district.pk not in territory_scope_ids(meeting.body.territory):
        raise ValidationError({"district": _("The case is outside the body's territory.")})
    if sharing_basis not in SharingBasis.values or not sharing_reference.strip():
        raise ValidationError(
            {"sharing_reference": _("Record the consent or the legal basis for sharing.")}
        )
    if not s.victim_recorded_in(victim.pk, meeting.body.territory):
        raise ValidationError({"victim": _("The registry has no record of this person here.")})
    if ConferenceCase.objects.filter(meeting=meeting, victim=victim).exists():
        raise ValidationError({"victim": _("This case is already on the conference.")})
    when = meeting.held_on or timezone.localtime(meeting.planned_at).date()
    case = ConferenceCase.objects.create(
        meeting=meeting,
        victim=victim,
        district=district,
        discussed_on=when,
        reasons=sorted(set(reasons)),
        sharing_basis=sharing_basis,
        sharing_reference=sharing_reference,
        summary=summary,
        source=source,
    )
    _audit(AuditAction.CREATE, actor, case, victim=victim.pk, basis=sharing_basis)
    return case


def action_add(
    *,
    actor: User,
    case: ConferenceCase,
    owner: Organisation,
    description: str,
    deadline: dt.date,
) -> SafetyAction:
    _require_keeper(actor, case.meeting.body)
    _check_owner(case.meeting.body, owner)
    action = SafetyAction.objects.create(
        case=case, owner=owner, description=description, deadline=deadline
    )
    _audit(AuditAction.CREATE, actor, action, owner=owner.pk, deadline=deadline)
    notify_owner(action, NotificationKind.NEW)
    return action


# --- Referrals --------------------------------------------------------------------------------
