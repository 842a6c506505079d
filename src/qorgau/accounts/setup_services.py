"""Setting up an installation: organisations, within the acting administrator's territory.

A fresh installation has territories and accounts but none of the bodies the work needs. A
region's (or district's, or the country's) administrator creates them here; the parts above
(coordinating bodies, programme providers, the help directory) use the helpers below, so that
one rule decides where an administrator may set something up: the access layer's
:func:`~qorgau.accounts.access.can_place_in_scope`. Every change is audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import can_place_in_scope
from qorgau.accounts.models import Organisation, User
from qorgau.accounts.roles import SET_UP_ORGANISATIONS, ScopeKind
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.territory.models import Level, Territory
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.typing import RequestUser


M = TypeVar("M", bound=models.Model)

NOT_AN_ADMINISTRATOR = _("Only a system administrator sets up organisations and bodies.")
OUTSIDE_TERRITORY = _("Choose a territory within your own scope.")
NATIONAL_NEEDS_COUNTRY = _("Only an administrator of the whole country sets up national entries.")
TERRITORY_CLOSED = _("This territory no longer exists.")


def setup_allowed(actor: RequestUser) -> bool:
    return bool(actor.is_authenticated and actor.has_perm(SET_UP_ORGANISATIONS))


def setup_require(actor: User, territory: Territory | None) -> None:
    """Refuse unless ``actor`` sets up and ``territory`` lies in its scope (``None``: the
    whole country, which only a country-wide administrator may set up)."""
    if not setup_allowed(actor):
        raise PermissionDenied(NOT_AN_ADMINISTRATOR)
    if territory is None:
        if not can_place_in_scope(actor, None, None):
            raise PermissionDenied(NATIONAL_NEEDS_COUNTRY)
        return
    if not can_place_in_scope(actor, territory.pk, None):
        raise PermissionDenied(OUTSIDE_TERRITORY)


def setup_scope_ids(actor: RequestUser) -> set[int] | None:
    """The territory ids an administrator's lists show; ``None`` for the whole country
    (none for a caller that is not signed in, as the API schema's generator is)."""
    if not isinstance(actor, User):
        return set()
    if actor.is_superuser or actor.scope_kind == ScopeKind.COUNTRY:
        return None
    if actor.territory is None:
        return set()
    return territory_scope_ids(actor.territory)


def setup_filter(
    queryset: models.QuerySet[M], actor: RequestUser, field: str
) -> models.QuerySet[M]:
    """The rows of ``queryset`` whose ``field`` (a territory) lies in the actor's scope
    (nothing for a caller that is not signed in, as the API schema's generator is)."""
    if not getattr(actor, "is_authenticated", False):
        return queryset.none()
    ids = setup_scope_ids(actor)
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def setup_territories(actor: User, *, levels: tuple[int, ...] = (1, 2)) -> Any:
    """Today's regions and districts (``levels``) an administrator may set something up in."""
    territories = Territory.objects.current().filter(level__in=levels)
    ids = setup_scope_ids(actor)
    return territories if ids is None else territories.filter(pk__in=ids)


def setup_save(
    obj: M,
    *,
    actor: User,
    request: HttpRequest | None,
    action: AuditAction,
    details: dict[str, Any],
) -> M:
    """Validate (field errors for the form or API), save and audit one set-up row."""
    obj.full_clean()
    obj.save()
    audit_record(action=action, request=request, actor=actor, target=obj, details=details)
    return obj


def changed_fields(obj: models.Model, changes: dict[str, Any]) -> list[str]:
    """Apply ``changes`` to ``obj``; the names of the fields whose value differs."""
    changed = sorted(name for name, value in changes.items() if getattr(obj, name) != value)
    for name, value in changes.items():
        setattr(obj, name, value)
    return changed


def _require_current(territory: Territory) -> None:
    if not territory.is_current or territory.level == Level.COUNTRY:
        raise ValidationError({"territory": TERRITORY_CLOSED})


NAMES_IN_LANGUAGES = ("name_kk", "name_ru", "name_en")


class Names(TypedDict):
    """A row's optional names in the three languages (the setup forms' optional fields)."""

    name_kk: str
    name_ru: str
    name_en: str


ORGANISATION_FIELDS = frozenset({"name", "kind", "territory", "is_active", *NAMES_IN_LANGUAGES})


def names_stripped(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` with the name and its translations stripped of surrounding blanks.

    The name as entered is the key a row is found by; the translations are optional and only
    shown, so an empty one falls back to the name as entered.
    """
    return {
        key: str(value or "").strip() if key == "name" or key in NAMES_IN_LANGUAGES else value
        for key, value in changes.items()
    }


@transaction.atomic
def organisation_create(
    *,
    actor: User,
    request: HttpRequest | None = None,
    name: str,
    kind: str,
    territory: Territory,
    is_active: bool = True,
    name_kk: str = "",
    name_ru: str = "",
    name_en: str = "",
) -> Organisation:
    """Create an organisation (a centre, provider or agency) in the actor's territory.

    ``name_kk/_ru/_en`` are its optional names in the three languages, shown to readers of
    that language instead of the name as entered.
    """
    setup_require(actor, territory)
    _require_current(territory)
    names = names_stripped({"name": name, "name_kk": name_kk, "name_ru": name_ru})
    organisation = Organisation(kind=kind, territory=territory, **names)
    organisation.name_en = name_en.strip()
    organisation.is_active = is_active
    details = {"name": organisation.name, "kind": kind, "territory": territory.kato_code}
    return setup_save(
        organisation, actor=actor, request=request, action=AuditAction.CREATE, details=details
    )


@transaction.atomic
def organisation_update(
    *,
    actor: User,
    request: HttpRequest | None = None,
    organisation: Organisation,
    **changes: Any,
) -> Organisation:
    """Rename, re-kind, move or deactivate an organisation; old and new place in scope."""
    unknown = set(changes) - ORGANISATION_FIELDS
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %s") % ", ".join(unknown))
    setup_require(actor, organisation.territory)
    changed = changed_fields(organisation, names_stripped(changes))
    setup_require(actor, organisation.territory)
    if "territory" in changed:
        _require_current(organisation.territory)
    return setup_save(
        organisation,
        actor=actor,
        request=request,
        action=AuditAction.CHANGE,
        details={"fields": changed},
    )
