"""The review panel's workflows: open a review by hand, read it, record findings and
recommendations, follow the recommendations up and close the review with its summary.

The review a service acts on was obtained by the caller through the access layer
(:func:`review_for_user`); every reading and every change is written to the audit trail, the
readings also under the victim, so that the auditor's "who saw person P-…" finds the panel.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import get_for_user, refusals_audited, restrict
from qorgau.accounts.models import Organisation, User
from qorgau.accounts.roles import KEEP_SERIOUS_CASE_REVIEWS
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.coordination.models import ItemStatus
from qorgau.registry import choices as c
from qorgau.registry.models import Incident
from qorgau.reviews.models import (
    Finding,
    FindingCode,
    Harm,
    OpenedHow,
    Recommendation,
    ReviewStatus,
    SeriousCaseReview,
)
from qorgau.reviews.opening import Owed, review_create
from qorgau.reviews.timeline import timeline_assemble

if TYPE_CHECKING:
    from qorgau.accounts.typing import Viewer


NOT_A_PANEL_MEMBER = _("Only the keepers of serious-case reviews may do this.")
REVIEW_CLOSED = _("The review is closed.")
NO_VICTIM = _("The incident names no victim.")
ALREADY_REVIEWED = _("Every victim of this incident already has a review.")
DEADLINE_PAST = _("The deadline cannot be in the past.")
SUMMARY_NEEDED = _("Write the anonymised summary before closing the review.")
NO_FINDINGS = _("Record at least one finding before closing the review.")


def _keeper(actor: User | None) -> None:
    if actor is None or not actor.has_perm(KEEP_SERIOUS_CASE_REVIEWS):
        raise PermissionDenied(NOT_A_PANEL_MEMBER)


def _open(review: SeriousCaseReview) -> None:
    if not review.is_open:
        raise ValidationError(REVIEW_CLOSED)


def reviews_for_user(user: Viewer) -> Any:
    """The reviews ``user`` may read (the access layer decides)."""
    return restrict(SeriousCaseReview.objects.select_related("district"), user)


def review_for_user(
    *, user: Viewer, pk: Any, request: HttpRequest | None = None
) -> SeriousCaseReview:
    """One review, or 404 (refusals audited); the reading is audited under it and the victim."""
    review = get_for_user(
        SeriousCaseReview.objects.select_related("district", "incident"), user, pk
    )
    account = user if isinstance(user, User) else None
    audit_record(action=AuditAction.VIEW, request=request, actor=account, target=review)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=account,
        object_type="registry.person",
        object_id=str(review.victim_id),
        details={"serious_case_review": review.pk},
    )
    return review


@refusals_audited
@transaction.atomic
def review_open(
    *, actor: User, incident_pk: Any, harm: str, request: HttpRequest | None = None
) -> list[SeriousCaseReview]:
    """Open a review by hand for each victim of an incident the actor may see.

    For the deaths and harms the registry does not record as such (an injury recorded as
    medium that proved fatal, a death known from a hospital): the registry's own are opened
    by ``qorgau reviews open``.
    """
    _keeper(actor)
    if harm not in Harm.values:
        raise ValidationError({"harm": _("Choose death or grave harm.")})
    incident = get_for_user(Incident.objects.all(), actor, incident_pk)
    roles: dict[str, list[int]] = {}
    for person, role in incident.participants.order_by("pk").values_list("person_id", "role"):
        roles.setdefault(role, []).append(person)
    victims = roles.get(c.ParticipantRole.VICTIM, [])
    if not victims:
        raise ValidationError(NO_VICTIM)
    offender = next(iter(roles.get(c.ParticipantRole.OFFENDER, [])), None)
    opened = []
    for victim in victims:
        owed = Owed(incident, victim, offender, harm)
        review = review_create(
            owed, opened_on=timezone.localdate(), how=OpenedHow.BY_HAND, actor=actor
        )
        if review is not None:
            opened.append(review)
    if not opened:
        raise ValidationError(ALREADY_REVIEWED)
    return opened


@transaction.atomic
def review_timeline_refresh(
    *, actor: User, review: SeriousCaseReview, request: HttpRequest | None = None
) -> int:
    """Assemble the timeline again (records imported late reach the review)."""
    _keeper(actor)
    _open(review)
    count = timeline_assemble(review)
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=review,
        details={"timeline": count},
    )
    return count


@transaction.atomic
def finding_record(
    *,
    actor: User,
    review: SeriousCaseReview,
    code: str,
    text: str,
    request: HttpRequest | None = None,
) -> Finding:
    _keeper(actor)
    _open(review)
    if code not in FindingCode.values:
        raise ValidationError({"code": _("Choose a finding from the list.")})
    finding = Finding(
        review=review,
        code=code,
        text=text.strip(),
        recorded_on=timezone.localdate(),
        recorded_by=actor,
    )
    finding.full_clean()
    finding.save()
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        target=review,
        details={"finding": finding.pk, "code": code},
    )
    return finding


@transaction.atomic
def recommendation_record(
    *,
    actor: User,
    review: SeriousCaseReview,
    owner: Organisation,
    deadline: dt.date,
    text: str,
    request: HttpRequest | None = None,
) -> Recommendation:
    _keeper(actor)
    _open(review)
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": DEADLINE_PAST})
    recommendation = Recommendation(review=review, owner=owner, deadline=deadline, text=text)
    recommendation.full_clean()
    recommendation.save()
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        target=review,
        details={"recommendation": recommendation.pk, "owner": owner.pk},
    )
    return recommendation


@transaction.atomic
def recommendation_update(
    *,
    actor: User,
    recommendation: Recommendation,
    status: str,
    progress_note: str = "",
    request: HttpRequest | None = None,
) -> Recommendation:
    """Follow a recommendation up (also after the review closed: that is when it is done)."""
    _keeper(actor)
    if status not in ItemStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    recommendation.status = status
    recommendation.progress_note = progress_note.strip()
    done = status == ItemStatus.DONE
    recommendation.completed_on = timezone.localdate() if done else None
    recommendation.save(update_fields=["status", "progress_note", "completed_on"])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=recommendation.review,
        details={"recommendation": recommendation.pk, "status": status},
    )
    return recommendation


@transaction.atomic
def review_close(
    *,
    actor: User,
    review: SeriousCaseReview,
    summary: str,
    request: HttpRequest | None = None,
) -> SeriousCaseReview:
    """Close the review and publish its anonymised summary (to the analysts' summaries)."""
    _keeper(actor)
    _open(review)
    if not summary.strip():
        raise ValidationError({"summary": SUMMARY_NEEDED})
    if not review.findings.exists():
        raise ValidationError(NO_FINDINGS)
    review.summary = summary.strip()
    review.status = ReviewStatus.CLOSED
    review.closed_on = timezone.localdate()
    review.save(update_fields=["summary", "status", "closed_on"])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=review,
        details={"closed": True},
    )
    return review
