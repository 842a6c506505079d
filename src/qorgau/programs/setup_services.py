"""Setting up programme providers (an administrator's work).

The coordinator keeps the register of providers once they exist
(:func:`qorgau.programs.services.provider_register`); on a fresh installation the region's
administrator puts the providers there: a provider organisation of the administrator's
territory, on the register of its region, so that the coordinator can give it programmes and
its staff can enrol the obliged.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import can_place_in_scope
from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.accounts.setup_services import (
    OUTSIDE_TERRITORY,
    changed_fields,
    setup_require,
    setup_save,
)
from qorgau.audit.models import AuditAction
from qorgau.programs.models import Accreditation, Provider
from qorgau.programs.services import NOT_A_PROVIDER
from qorgau.territory.models import Level, Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User

ALREADY_REGISTERED = _("This organisation is already a programme provider.")
PROVIDER_FIELDS = frozenset({"ownership", "accreditation", "accredited_from", "accredited_until"})
PROVIDER_KINDS = (OrganisationKind.PROGRAM_PROVIDER, OrganisationKind.NGO)


def region_of(territory: Territory) -> Territory:
    """The region a territory lies in (itself for a region)."""
    region = territory
    while region.parent is not None and region.level > Level.REGION:
        region = region.parent
    return region


@transaction.atomic
def provider_setup(
    *,
    actor: User,
    request: HttpRequest | None = None,
    organisation: Organisation,
    ownership: str,
    accreditation: str = Accreditation.PENDING,
    accredited_from: dt.date | None = None,
    accredited_until: dt.date | None = None,
) -> Provider:
    """Put a provider organisation of the actor's territory on its region's register."""
    setup_require(actor, organisation.territory)
    if not can_place_in_scope(actor, None, organisation.pk):
        raise PermissionDenied(OUTSIDE_TERRITORY)
    if organisation.kind not in PROVIDER_KINDS:
        raise ValidationError({"organisation": NOT_A_PROVIDER})
    if Provider.objects.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": ALREADY_REGISTERED})
    provider = Provider(
        organisation=organisation,
        region=region_of(organisation.territory),
        ownership=ownership,
        accreditation=accreditation,
        accredited_from=accredited_from,
        accredited_until=accredited_until,
    )
    details = {"organisation": organisation.pk, "accreditation": accreditation}
    return setup_save(
        provider, actor=actor, request=request, action=AuditAction.CREATE, details=details
    )


@transaction.atomic
def provider_setup_update(
    *, actor: User, request: HttpRequest | None = None, provider: Provider, **changes: Any
) -> Provider:
    """Change a provider's ownership or accreditation."""
    unknown = set(changes) - PROVIDER_FIELDS
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %s") % ", ".join(unknown))
    setup_require(actor, provider.organisation.territory)
    changed = changed_fields(provider, changes)
    return setup_save(
        provider,
        actor=actor,
        request=request,
        action=AuditAction.CHANGE,
        details={"fields": changed},
    )
