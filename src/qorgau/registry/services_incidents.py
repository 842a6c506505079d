"""Workflows of incidents: registering one with its victims and offenders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import refusals_audited
from qorgau.accounts.roles import REGISTER_INCIDENT
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.crypto import encrypt_text
from qorgau.registry import choices as c
from qorgau.registry.models import Incident, IncidentParticipant, Person
from qorgau.registry.services_common import district_for, not_future, persons_usable, require
from qorgau.registry.signals import records_stored
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User

NEEDS_VICTIM = _("An incident needs at least one victim and one offender.")
REPORTED_BEFORE_OCCURRED = _("An incident cannot be reported before it happened.")


@refusals_audited
@transaction.atomic
def incident_register(
    *,
    actor: User,
    request: HttpRequest | None = None,
    occurred_at: dt.datetime,
    reported_at: dt.datetime,
    district: Territory,
    settlement_type: str,
    source_channel: str,
    victims: Sequence[Person],
    offenders: Sequence[tuple[Person, str]],
    description: str = "",
    source: str = "",
    source_record_id: str | None = None,
    audit: bool = True,
    **facts: Any,
) -> Incident:
    """Register an incident with its victims and offenders (each with the relationship)."""
    require(actor, REGISTER_INCIDENT)
    if source_record_id:
        existing = Incident.objects.filter(source=source, source_record_id=source_record_id).first()
        if existing:
            return existing
    not_future(occurred_at, "occurred_at")
    not_future(reported_at, "reported_at")
    if reported_at < occurred_at:
        raise ValidationError({"reported_at": REPORTED_BEFORE_OCCURRED})
    district_for(actor, district, timezone.localtime(occurred_at).date())
    if not victims or not offenders:
        raise ValidationError(NEEDS_VICTIM)
    persons_usable(actor, [*victims, *(o for o, _rel in offenders)])
    victim_ids = {v.pk for v in victims}
    if victim_ids & {o.pk for o, _rel in offenders}:
        raise ValidationError(_("The same person cannot be victim and offender of one incident."))
    incident = Incident(
        occurred_at=occurred_at,
        reported_at=reported_at,
        district=district,
        settlement_type=settlement_type,
        source_channel=source_channel,
        description_token=encrypt_text(description) if description else "",
        source=source,
        source_record_id=source_record_id,
        created_by=actor if getattr(actor, "pk", None) else None,
        **facts,
    )
    incident.full_clean(exclude=["created_by"])
    incident.save()
    participants = IncidentParticipant.objects.bulk_create(
        [
            IncidentParticipant(incident=incident, person=v, role=c.ParticipantRole.VICTIM)
            for v in victims
        ]
        + [
            IncidentParticipant(
                incident=incident, person=o, role=c.ParticipantRole.OFFENDER, relationship=rel
            )
            for o, rel in offenders
        ]
    )
    records_stored.send(IncidentParticipant, pks=[p.pk for p in participants])
    if audit:
        audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=incident)
    return incident
