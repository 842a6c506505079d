"""Finding the deaths and near-deaths that owe a review, as the system (``qorgau reviews open``).

A review is owed for every victim of an incident recorded with death or grave harm, and of an
incident whose offence is a homicide or grave harm under the Criminal Code although the
incident's own injury field says less (the register of offences is often the better record of
what the harm became). The search reads the whole register, so it runs as the system and is
listed in ``accounts/tests/access_exemptions.py``; the reviews it opens are then seen only
through the access layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.registry import choices as c
from qorgau.registry.models import Incident, IncidentParticipant, Offence
from qorgau.reviews.models import Harm, OpenedHow, SeriousCaseReview
from qorgau.reviews.timeline import timeline_assemble

if TYPE_CHECKING:
    from qorgau.accounts.models import User


# Criminal Code of the Republic of Kazakhstan: art. 99 murder, art. 105 driving to suicide
# (a death), art. 106 intentional grave harm to health.
DEATH_ARTICLES = frozenset({"99", "105"})
GRAVE_ARTICLES = frozenset({"106"})
HARM_INJURIES: dict[str, str] = {
    c.InjurySeverity.DEATH: Harm.DEATH,
    c.InjurySeverity.GRAVE: Harm.NEAR_DEATH,
}


@dataclass(frozen=True)
class Owed:
    incident: Incident
    victim_id: int
    offender_id: int | None
    harm: str


def _article(value: str) -> str:
    """``"99 ч.2"`` or ``"99-2"`` → ``"99"``: the article, without its part."""
    head = value.strip().replace("-", " ").replace(".", " ").split()
    return head[0] if head else ""


def _offence_harms(as_of: dt.date, incident_ids: list[int] | None) -> dict[int, str]:
    """Incident id → harm recorded by its offences (death wins over grave harm); of the
    incidents ``incident_ids`` only, when given."""
    harms: dict[int, str] = {}
    offences = Offence.objects.filter(
        kind=c.OffenceKind.CRIMINAL, incident__isnull=False, committed_on__lte=as_of
    )
    if incident_ids is not None:
        offences = offences.filter(incident_id__in=incident_ids)
    for incident_id, article in offences.values_list("incident_id", "article"):
        number = _article(article)
        if number in DEATH_ARTICLES:
            harms[incident_id] = Harm.DEATH
        elif number in GRAVE_ARTICLES:
            harms.setdefault(incident_id, Harm.NEAR_DEATH)
    return harms


def reviews_owed(*, as_of: dt.date, incident_ids: Iterable[int] | None = None) -> list[Owed]:
    """Every (victim, incident) of a death or near-death up to ``as_of`` without a review
    (among ``incident_ids`` only, when given: an import's batch reads only its own incidents'
    offences and reviews, not the whole registry's)."""
    ids = None if incident_ids is None else list(incident_ids)
    by_offence = _offence_harms(as_of, ids)
    incidents = Incident.objects.filter(
        Q(injury__in=list(HARM_INJURIES)) | Q(pk__in=list(by_offence)),
        occurred_at__date__lte=as_of,
    )
    reviews = SeriousCaseReview.objects.all()
    if ids is not None:
        incidents = incidents.filter(pk__in=ids)
        reviews = reviews.filter(incident_id__in=ids)
    reviewed = set(reviews.values_list("victim_id", "incident_id"))
    participants: dict[int, dict[str, list[int]]] = {}
    rows = IncidentParticipant.objects.filter(incident__in=incidents).order_by("pk")
    for incident_id, person_id, role in rows.values_list("incident_id", "person_id", "role"):
        participants.setdefault(incident_id, {}).setdefault(role, []).append(person_id)
    owed = []
    for incident in incidents.order_by("occurred_at", "pk"):
        harm = HARM_INJURIES.get(incident.injury) or by_offence[incident.pk]
        if by_offence.get(incident.pk) == Harm.DEATH:
            harm = Harm.DEATH
        roles = participants.get(incident.pk, {})
        offender = next(iter(roles.get(c.ParticipantRole.OFFENDER, [])), None)
        for victim in roles.get(c.ParticipantRole.VICTIM, []):
            if (victim, incident.pk) not in reviewed:
                owed.append(Owed(incident, victim, offender, harm))
    return owed


def review_create(
    owed: Owed, *, opened_on: dt.date, how: str, actor: User | None = None
) -> SeriousCaseReview | None:
    """Open one review and assemble its timeline; ``None`` if another run opened it first."""
    try:
        with transaction.atomic():
            review = SeriousCaseReview.objects.create(
                victim_id=owed.victim_id,
                offender_id=owed.offender_id,
                incident=owed.incident,
                district_id=owed.incident.district_id,
                event_on=timezone.localtime(owed.incident.occurred_at).date(),
                harm=owed.harm,
                opened_on=opened_on,
                opened_how=how,
                opened_by=actor,
            )
            timeline_assemble(review)
            audit_record(
                action=AuditAction.CREATE,
                actor=actor,
                target=review,
                details={"how": how, "incident": owed.incident.pk},
            )
    except IntegrityError:  # the one review per victim and incident exists already
        return None
    return review


def review_open_for_new_cases(
    *, as_of: dt.date, incident_ids: Iterable[int] | None = None
) -> list[SeriousCaseReview]:
    """Open a review for every death or near-death up to ``as_of`` that has none (idempotent);
    among ``incident_ids`` only, when given (the incidents an import or a registration stored)."""
    opened = []
    for owed in reviews_owed(as_of=as_of, incident_ids=incident_ids):
        review = review_create(owed, opened_on=as_of, how=OpenedHow.AUTOMATIC)
        if review is not None:
            opened.append(review)
    return opened


def incidents_stored(
    sender: type, *, pks: list[int], records: list[Any] | None = None, **kwargs: Any
) -> None:
    """After an import or a registration stored incidents (``registry.signals.records_stored``),
    open the reviews their deaths and grave harms owe, in the same transaction. A death known
    only from a later offence is found by the nightly ``qorgau reviews open``."""
    if sender is Incident and records is not None:
        # rows this write created: no offence can name them yet, so only an injury owes a review
        ids = {record.pk for record in records if record.injury in HARM_INJURIES}
    elif sender is Incident:
        ids = set(pks)
    elif sender is IncidentParticipant:
        rows = IncidentParticipant.objects.filter(pk__in=pks)
        ids = set(rows.values_list("incident_id", flat=True))
    else:
        return
    if ids:
        review_open_for_new_cases(as_of=timezone.localdate(), incident_ids=ids)


__all__ = [
    "Owed",
    "incidents_stored",
    "review_create",
    "review_open_for_new_cases",
    "reviews_owed",
]
