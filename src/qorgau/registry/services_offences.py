"""Workflows of offences: recording one with its outcome, checked against the law of its dates."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import refusals_audited
from qorgau.accounts.roles import RECORD_OFFENCES
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.registry import choices as c
from qorgau.registry.lawcheck import offence_breaches
from qorgau.registry.models import Incident, Offence, Person
from qorgau.registry.services_common import (
    district_for,
    incident_usable,
    not_future,
    persons_usable,
    require,
)
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User


@refusals_audited
@transaction.atomic
def offence_record(
    *,
    actor: User,
    request: HttpRequest | None = None,
    offender: Person,
    kind: str,
    article: str,
    committed_on: dt.date,
    district: Territory,
    incident: Incident | None = None,
    decided_on: dt.date | None = None,
    outcome: str = c.OffenceOutcome.PENDING,
    register_number: str = "",
    source: str = "",
    source_record_id: str | None = None,
    audit: bool = True,
) -> Offence:
    require(actor, RECORD_OFFENCES)
    if source_record_id:
        existing = Offence.objects.filter(source=source, source_record_id=source_record_id).first()
        if existing:
            return existing
    not_future(committed_on, "committed_on")
    district_for(actor, district, committed_on)
    incident_usable(actor, incident)
    persons_usable(actor, [offender])
    if decided_on:
        not_future(decided_on, "decided_on")
        if decided_on < committed_on:
            raise ValidationError({"decided_on": _("A decision cannot precede the offence.")})
    _law_of_the_day(offender, kind, article, committed_on, decided_on, outcome)
    offence = Offence(
        incident=incident,
        district=district,
        offender=offender,
        kind=kind,
        article=article.strip(),
        committed_on=committed_on,
        decided_on=decided_on,
        outcome=outcome,
        register_number=register_number,
        source=source,
        source_record_id=source_record_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    offence.full_clean(exclude=["created_by"])
    offence.save()
    if audit:
        audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=offence)
    return offence


def _law_of_the_day(
    offender: Person,
    kind: str,
    article: str,
    committed_on: dt.date,
    decided_on: dt.date | None,
    outcome: str,
) -> None:
    """Refuse an article, outcome or reconciliation the law of the offence's dates excludes."""
    earlier = reconciliations_by_offender([offender.pk]).get(offender.pk, [])
    breaches = offence_breaches(
        kind=kind,
        article=article,
        committed_on=committed_on,
        decided_on=decided_on,
        outcome=outcome,
        earlier_reconciliations=earlier,
    )
    if breaches:
        raise ValidationError({b.field: b.message for b in breaches})


def reconciliations_by_offender(
    offender_ids: Iterable[int], *, exclude_pk: int | None = None
) -> dict[int, list[dt.date]]:
    """The days of the stored reconciliations of each offender (one query for all of them).

    Read as the system for the legal check of a new record (the service's and the importer's):
    only days leave, never a row.
    """
    offences = Offence.objects.filter(
        offender_id__in=set(offender_ids), outcome=c.OffenceOutcome.RECONCILIATION
    )
    if exclude_pk is not None:
        offences = offences.exclude(pk=exclude_pk)
    rows = offences.values_list("offender_id", "decided_on", "committed_on")
    found: dict[int, list[dt.date]] = defaultdict(list)
    for offender_id, decided_on, committed_on in rows:
        found[offender_id].append(decided_on or committed_on)
    return dict(found)
