"""Workflows of the coordination part: bodies and meetings, decisions, case conferences and their
safety action plans, closed-loop referrals, notifications and the escalation of overdue items.

Every change is written to the audit trail. Services check the actor's right to act (views and
the API check it too): the keeper of a body (``KEEP_COORDINATING_BODY``) within his or her
territory; an agency officer (``ACT_FOR_AGENCY``) only on what the own agency owns.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import Organisation, OrganisationKind, User
from qorgau.accounts.roles import KEEP_COORDINATING_BODY, Role
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
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
    Notification,
    NotificationKind,
    Referral,
    ReferralKind,
    ReferralStatus,
    SafetyAction,
    SharingBasis,
)
from qorgau.registry.models import Person
from qorgau.territory.models import Territory
from qorgau.territory.services import territory_scope_ids

log = logging.getLogger(__name__)

DUE_SOON_DAYS = 3
POLICE_ROLES = (Role.POLICE_INSPECTOR, Role.POLICE_SUPERVISOR)


def _audit(
    action: AuditAction,
    actor: Any,
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


def _require_keeper(actor: Any, body: CoordinatingBody) -> None:
    if actor.is_superuser:
        return
    if (
        not actor.has_perm(KEEP_COORDINATING_BODY)
        or not s.bodies_for(actor).filter(pk=body.pk).exists()
    ):
        raise PermissionDenied(gettext("Only the secretary of this coordinating body may do this."))


def _require_agency(actor: Any, organisation_id: int, body: CoordinatingBody | None = None) -> None:
    """The actor acts for ``organisation_id`` (or keeps the body the item belongs to)."""
    if actor.is_superuser or organisation_id in s.agency_ids(actor):
        return
    if body is not None and actor.has_perm(KEEP_COORDINATING_BODY):
        _require_keeper(actor, body)
        return
    raise PermissionDenied(gettext("Only the owner agency may do this."))


# --- Bodies and meetings ----------------------------------------------------------------------


@transaction.atomic
def body_create(
    *,
    actor: Any,
    territory: Territory,
    name: str,
    members: Iterable[tuple[Organisation, str]] = (),
    source: str = "",
) -> CoordinatingBody:
    if not (actor.is_superuser or actor.has_perm(KEEP_COORDINATING_BODY)):
        raise PermissionDenied(gettext("Your role may not keep a coordinating body."))
    if actor.territory_id and territory.pk not in territory_scope_ids(actor.territory):
        raise PermissionDenied(gettext("This territory is outside your scope."))
    body = CoordinatingBody.objects.create(territory=territory, name=name, source=source)
    for organisation, role in members:
        Membership.objects.create(body=body, organisation=organisation, role=role)
    _audit(AuditAction.CREATE, actor, body, name=name)
    return body


def membership_add(
    *, actor: Any, body: CoordinatingBody, organisation: Organisation, role: str
) -> Membership:
    _require_keeper(actor, body)
    if organisation.territory_id not in territory_scope_ids(body.territory):
        raise ValidationError({"organisation": _("The agency must work in the body's territory.")})
    membership, _created = Membership.objects.update_or_create(
        body=body, organisation=organisation, defaults={"role": role, "left_on": None}
    )
    _audit(AuditAction.CHANGE, actor, body, member=organisation.pk, role=role)
    return membership


def membership_end(*, actor: Any, membership: Membership, on: dt.date) -> None:
    _require_keeper(actor, membership.body)
    membership.left_on = on
    membership.save(update_fields=["left_on"])
    _audit(AuditAction.CHANGE, actor, membership.body, member_left=membership.organisation_id)


def meeting_plan(
    *,
    actor: Any,
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
    actor: Any,
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


def meeting_cancel(*, actor: Any, meeting: Meeting) -> None:
    _require_keeper(actor, meeting.body)
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    _audit(AuditAction.CHANGE, actor, meeting, status=meeting.status)


# --- Decisions and actions --------------------------------------------------------------------


def _check_owner(body: CoordinatingBody, owner: Organisation) -> None:
    if not body.members.filter(organisation=owner, left_on__isnull=True).exists():
        raise ValidationError({"owner": _("The owner must be a member agency of the body.")})


def decision_add(
    *, actor: Any, meeting: Meeting, text: str, owner: Organisation, deadline: dt.date
) -> Decision:
    _require_keeper(actor, meeting.body)
    _check_owner(meeting.body, owner)
    decision = Decision.objects.create(meeting=meeting, text=text, owner=owner, deadline=deadline)
    _audit(AuditAction.CREATE, actor, decision, owner=owner.pk, deadline=deadline)
    notify_owner(decision, NotificationKind.NEW)
    return decision


def _item_body(item: Decision | SafetyAction) -> CoordinatingBody:
    if isinstance(item, Decision):
        return item.meeting.body
    return item.case.meeting.body


def item_update(
    *,
    actor: Any,
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
    actor: Any,
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
    actor: Any,
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


def referral_send(
    *,
    actor: Any,
    kind: ReferralKind,
    sender: Organisation,
    receiver: Organisation,
    district: Territory,
    reason: str,
    sharing_basis: str,
    sharing_reference: str = "",
    person: Person | None = None,
    case: ConferenceCase | None = None,
    source: str = "",
) -> Referral:
    """Send a referral; the receiver is told and the clock of its answer starts."""
    if not actor.is_superuser and sender.pk not in s.agency_ids(actor):
        raise PermissionDenied(gettext("You may refer only on behalf of your own agency."))
    if sender.pk == receiver.pk:
        raise ValidationError({"receiver": _("Refer to another agency.")})
    if kind.receiver_kinds and receiver.kind not in kind.receiver_kinds:
        raise ValidationError({"receiver": _("This agency does not take this kind of referral.")})
    if sharing_basis not in SharingBasis.values:
        raise ValidationError({"sharing_basis": _("Record the basis for sharing.")})
    if sharing_basis == SharingBasis.CONSENT and not sharing_reference.strip():
        raise ValidationError({"sharing_reference": _("Say where and when consent was given.")})
    now = timezone.now()
    referral = Referral.objects.create(
        kind=kind,
        sender=sender,
        receiver=receiver,
        district=district,
        person=person,
        case=case,
        reason=reason,
        sharing_basis=sharing_basis,
        sharing_reference=sharing_reference,
        sent_at=now,
        respond_by=now + dt.timedelta(hours=kind.respond_within_hours),
        created_by=actor if getattr(actor, "pk", None) else None,
        source=source,
    )
    _audit(AuditAction.CREATE, actor, referral, receiver=receiver.pk, kind=kind.code)
    notify_users(
        users_of(receiver),
        referral,
        NotificationKind.NEW,
        gettext("New referral %(ref)s (%(kind)s) from %(sender)s: answer by %(due)s.")
        % {
            "ref": referral.reference,
            "kind": kind.name,
            "sender": sender.name,
            "due": f"{timezone.localtime(referral.respond_by):%Y-%m-%d %H:%M}",
        },
    )
    return referral


def referral_answer(*, actor: Any, referral: Referral, accept: bool, reason: str = "") -> Referral:
    """The receiver accepts or declines (also after an escalation: better late than never)."""
    _require_agency(actor, referral.receiver_id)
    if referral.status not in (ReferralStatus.SENT, ReferralStatus.ESCALATED):
        raise ValidationError({"status": _("This referral has already been answered.")})
    if not accept and not reason.strip():
        raise ValidationError({"decline_reason": _("Say why the referral is declined.")})
    now = timezone.now()
    referral.responded_at = now
    if accept:
        referral.status = ReferralStatus.ACCEPTED
        referral.outcome_due_by = now + dt.timedelta(days=referral.kind.outcome_within_days)
    else:
        referral.status = ReferralStatus.DECLINED
        referral.decline_reason = reason
    referral.save()
    _audit(AuditAction.CHANGE, actor, referral, status=referral.status)
    notify_users(
        users_of(referral.sender),
        referral,
        NotificationKind.ANSWERED,
        gettext("Referral %(ref)s was %(status)s by %(receiver)s.")
        % {
            "ref": referral.reference,
            "status": referral.get_status_display(),
            "receiver": referral.receiver.name,
        },
    )
    return referral


def referral_report_outcome(
    *, actor: Any, referral: Referral, outcome: str, note: str = ""
) -> Referral:
    """Close the loop: the receiver reports what came of it."""
    _require_agency(actor, referral.receiver_id)
    if referral.status != ReferralStatus.ACCEPTED:
        raise ValidationError({"status": _("Only an accepted referral can be completed.")})
    referral.status = ReferralStatus.COMPLETED
    referral.outcome = outcome
    referral.outcome_note = note
    referral.completed_at = timezone.now()
    referral.save()
    _audit(AuditAction.CHANGE, actor, referral, status=referral.status, outcome=outcome)
    return referral


# --- Notifications ----------------------------------------------------------------------------


def users_of(organisation: Organisation) -> list[User]:
    """Staff of an agency; for the police, the officers whose scope holds the organisation."""
    users = User.objects.filter(is_active=True, organisation=organisation)
    if organisation.kind == OrganisationKind.POLICE:
        users = users | User.objects.filter(
            is_active=True,
            role__in=POLICE_ROLES,
            territory_id__in=territory_scope_ids(organisation.territory),
        )
    return list(users.distinct())


def keepers_of(body: CoordinatingBody) -> list[User]:
    """The secretaries: akimat coordinators whose region holds the body."""
    ids = {body.territory_id}
    if body.territory.parent_id:
        ids.add(body.territory.parent_id)
    return list(
        User.objects.filter(is_active=True, role=Role.AKIMAT_COORDINATOR, territory_id__in=ids)
    )


def _object_type(item: models.Model) -> str:
    return f"{item._meta.app_label}.{item._meta.model_name}"


def notify_users(
    users: Iterable[User],
    item: models.Model,
    kind: str,
    message: str,
    *,
    object_type: str | None = None,
) -> int:
    """One notice per user, item and kind (a second call is a no-op), mailed when possible."""
    made = 0
    url = item.get_absolute_url() if hasattr(item, "get_absolute_url") else ""
    for user in users:
        try:
            with transaction.atomic():
                notice = Notification.objects.create(
                    user=user,
                    kind=kind,
                    object_type=object_type or _object_type(item),
                    object_id=item.pk,
                    message=message[:500],
                    url=url,
                )
        except IntegrityError:
            continue
        made += 1
        _email(notice)
    return made


def _email(notice: Notification) -> None:
    if not notice.user.email:
        return
    try:
        send_mail(
            subject=f"Qorgau: {notice.message[:80]}",
            message=f"{notice.message}\n\n{notice.url}",
            from_email=None,
            recipient_list=[notice.user.email],
        )
    except OSError:  # the mail server is down: the in-system notice stands, mail is retried
        log.warning("could not e-mail notification %s", notice.pk)
        return
    notice.emailed_at = timezone.now()
    notice.save(update_fields=["emailed_at"])


def _item_text(item: Decision | SafetyAction, kind: str) -> str:
    texts: dict[str, str] = {
        NotificationKind.NEW: gettext("New %(what)s %(ref)s for your agency, due %(due)s."),
        NotificationKind.DUE: gettext("%(what)s %(ref)s is due on %(due)s."),
        NotificationKind.OVERDUE: gettext(
            "%(what)s %(ref)s of %(owner)s is overdue since %(due)s and was escalated."
        ),
    }
    what = gettext("decision") if isinstance(item, Decision) else gettext("safety action")
    return texts[kind] % {
        "what": what,
        "ref": item.reference,
        "due": item.deadline.isoformat(),
        "owner": item.owner.name,
    }


def notify_owner(item: Decision | SafetyAction, kind: str) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        message = _item_text(item, kind)
    users = users_of(item.owner)
    if kind == NotificationKind.OVERDUE:
        users += keepers_of(_item_body(item))
    return notify_users(users, item, kind, message)


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    notices = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        notices = notices.filter(pk__in=list(ids))
    return notices.update(read_at=timezone.now())


# --- Escalation -------------------------------------------------------------------------------


@dataclass
class EscalationReport:
    due: int = 0
    escalated_items: int = 0
    escalated_referrals: int = 0
    outcomes_overdue: int = 0
    notices: int = 0


def escalate(*, now: dt.datetime | None = None) -> EscalationReport:
    """Find what is due and overdue and tell its owners; idempotent (run it every hour)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = EscalationReport()
    with translation.override(settings.LANGUAGE_CODE):
        for model in (Decision, SafetyAction):
            related = (
                ("owner", "meeting__body__territory")
                if model is Decision
                else (
                    "owner",
                    "case__meeting__body__territory",
                )
            )
            manager: Any = model.objects
            for item in manager.due_within(today, DUE_SOON_DAYS).select_related(*related):
                report.due += 1
                report.notices += notify_owner(item, NotificationKind.DUE)
            for item in manager.overdue_on(today).select_related(*related):
                if item.status != ItemStatus.ESCALATED:
                    item.status = ItemStatus.ESCALATED
                    item.escalated_at = now
                    item.save(update_fields=["status", "escalated_at"])
                    _audit(AuditAction.CHANGE, None, item, status=item.status, by="escalation")
                    report.escalated_items += 1
                report.notices += notify_owner(item, NotificationKind.OVERDUE)
        report.notices += _escalate_referrals(now, report)
    return report


def _referral_keepers(referral: Referral) -> list[User]:
    region = referral.district.parent_id or referral.district_id
    return list(
        User.objects.filter(
            is_active=True,
            role=Role.AKIMAT_COORDINATOR,
            territory_id__in={region, referral.district_id},
        )
    )


def _escalate_referrals(now: dt.datetime, report: EscalationReport) -> int:
    notices = 0
    late = Referral.objects.unanswered_by(now).select_related("receiver", "sender", "district")
    for referral in late:
        referral.status = ReferralStatus.ESCALATED
        referral.escalated_at = now
        referral.save(update_fields=["status", "escalated_at"])
        _audit(AuditAction.CHANGE, None, referral, status=referral.status, by="escalation")
        report.escalated_referrals += 1
    for referral in Referral.objects.filter(status=ReferralStatus.ESCALATED).select_related(
        "receiver", "sender", "district"
    ):
        message = gettext(
            "Referral %(ref)s to %(receiver)s was not answered by %(due)s and was escalated."
        ) % {
            "ref": referral.reference,
            "receiver": referral.receiver.name,
            "due": f"{timezone.localtime(referral.respond_by):%Y-%m-%d %H:%M}",
        }
        users = users_of(referral.receiver) + users_of(referral.sender)
        notices += notify_users(
            users + _referral_keepers(referral), referral, NotificationKind.OVERDUE, message
        )
    for referral in Referral.objects.outcome_overdue_on(now).select_related("receiver"):
        report.outcomes_overdue += 1
        message = gettext("The outcome of referral %(ref)s is overdue since %(due)s.") % {
            "ref": referral.reference,
            "due": f"{timezone.localtime(referral.outcome_due_by):%Y-%m-%d}",
        }
        notices += notify_users(
            users_of(referral.receiver),
            referral,
            NotificationKind.OVERDUE,
            message,
            object_type="coordination.referral.outcome",
        )
    return notices
