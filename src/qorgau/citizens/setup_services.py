"""Setting up the help directory (an administrator's work).

The coordinator keeps the directory of the region day to day; on a fresh installation the
administrator lists the region's services first. An entry of a region needs the region in the
administrator's scope; a national entry (no region) a country-wide administrator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.setup_services import changed_fields, setup_require, setup_save
from qorgau.audit.models import AuditAction
from qorgau.citizens.models import HelpService

if TYPE_CHECKING:
    from qorgau.accounts.models import User

# the entry's name and description as entered, and in each language a reader may choose (the
# directory shows the reader's, else the one entered)
HELP_FIELDS = (
    "name",
    "name_kk",
    "name_ru",
    "name_en",
    "kind",
    "region",
    "address",
    "phone",
    "hours",
    "languages",
    "free_of_charge",
    "description",
    "description_kk",
    "description_ru",
    "description_en",
    "active",
)


@transaction.atomic
def help_entry_create(
    *, actor: User, request: HttpRequest | None = None, **fields: Any
) -> HelpService:
    """List a service in the public directory of the actor's region (or the country)."""
    _known(fields)
    setup_require(actor, fields.get("region"))
    entry = HelpService(**fields, updated_by=actor)
    details = {"name": entry.name, "kind": entry.kind, "region": _code(entry)}
    return setup_save(
        entry, actor=actor, request=request, action=AuditAction.CREATE, details=details
    )


@transaction.atomic
def help_entry_update(
    *, actor: User, request: HttpRequest | None = None, entry: HelpService, **changes: Any
) -> HelpService:
    """Change or unlist an entry; its old and new region both in the actor's scope."""
    _known(changes)
    setup_require(actor, entry.region)
    changed = changed_fields(entry, changes)
    setup_require(actor, entry.region)
    entry.updated_by = actor
    return setup_save(
        entry, actor=actor, request=request, action=AuditAction.CHANGE, details={"fields": changed}
    )


def _code(entry: HelpService) -> str | None:
    return entry.region.kato_code if entry.region else None


def _known(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(HELP_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %s") % ", ".join(unknown))
