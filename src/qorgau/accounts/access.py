"""THE access layer: the one place that decides which personal records a user may see.

Every view, API endpoint and export that touches personal data gets its queryset from
:func:`restrict` (or an object from :func:`get_for_user`). A model holding personal data is
registered once with :func:`personal_data`, naming the fields that place a row in a
territory or an organisation; the user's role and scope do the rest:

* no permission for the model's data (an analyst, an auditor) → nothing;
* a country-wide scope → every row;
* a region or district → rows placed in that territory, its districts, or an older version
  of them (see :func:`qorgau.territory.services.territory_scope_ids`);
* an organisation → rows placed in that organisation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404

from qorgau.accounts.roles import ScopeKind
from qorgau.territory.services import territory_scope_ids

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class AccessPolicy:
    """How rows of one model are placed: by territory fields and/or organisation fields."""

    view_permission: str
    territory_fields: tuple[str, ...] = ()
    organisation_fields: tuple[str, ...] = ()


_POLICIES: dict[type[models.Model], AccessPolicy] = {}


def personal_data(
    *,
    view_permission: str,
    territory: tuple[str, ...] = (),
    organisation: tuple[str, ...] = (),
) -> Callable[[type[M]], type[M]]:
    """Class decorator registering a model as personal data under the access layer."""

    def register(model: type[M]) -> type[M]:
        _POLICIES[model] = AccessPolicy(view_permission, territory, organisation)
        return model

    return register


def policy_for(model: type[models.Model]) -> AccessPolicy:
    try:
        return _POLICIES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not registered with the access layer") from None


def registered_models() -> list[type[models.Model]]:
    return list(_POLICIES)


def _scope_filter(user: Any, model: type[models.Model], policy: AccessPolicy) -> Q | None:
    """The row filter for the user's scope; ``None`` means the whole country."""
    kind = user.scope_kind
    if kind == ScopeKind.COUNTRY:
        return None
    nothing = Q(pk__in=[])
    if kind == ScopeKind.ORGANISATION:
        if not policy.organisation_fields:
            return nothing
        condition = Q()
        for field in policy.organisation_fields:
            condition |= Q(**{f"{field}_id": user.organisation_id})
        return condition
    if kind in (ScopeKind.REGION, ScopeKind.DISTRICT) and policy.territory_fields:
        ids = territory_scope_ids(user.territory)
        condition = Q()
        for field in policy.territory_fields:
            condition |= _placed_in(model, field, ids)
        return condition
    return nothing


def _placed_in(model: type[models.Model], field: str, ids: set[int]) -> Q:
    """Rows whose ``field`` lies in ``ids``; a path through a to-many relation becomes a
    subquery, so that a row placed several times in scope is still returned once."""
    if "__" not in field:
        return Q(**{f"{field}__in": ids})
    return Q(pk__in=model._default_manager.filter(**{f"{field}__in": ids}).values("pk"))


def restrict(
    queryset: models.QuerySet[M], user: Any, *, permission: str | None = None
) -> models.QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may see (or act on, with ``permission``)."""
    policy = policy_for(queryset.model)
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    if not user.has_perm(permission or policy.view_permission):
        return queryset.none()
    if user.is_superuser and not user.role:
        return queryset
    condition = _scope_filter(user, queryset.model, policy)
    return queryset if condition is None else queryset.filter(condition)


def get_for_user(
    queryset: models.QuerySet[M], user: Any, pk: Any, *, permission: str | None = None
) -> M:
    """One record the user may see, or 404 (never 403: a record outside scope does not exist).

    A record that does exist but that the user may not see is answered the same 404, and the
    attempt goes to the audit trail (:func:`audit_refused`): the auditors must see who tried
    to open records outside their scope, which the caller's answer never reveals.
    """
    try:
        return restrict(queryset, user, permission=permission).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        audit_refused(queryset.model, user, pk)
        raise Http404 from None


def audit_refused(model: type[models.Model], user: Any, pk: Any) -> None:
    """Audit an attempt on a stored record of ``model`` refused by the access layer."""
    try:
        exists = model._default_manager.filter(pk=pk).exists()
    except (ValueError, TypeError):  # not even a key: nothing was aimed at
        return
    if not exists:
        return
    from qorgau.audit.models import AuditAction  # audit sits below accounts; lazily,
    from qorgau.audit.services import audit_record  # as the models load through here

    authenticated = bool(user and user.is_authenticated)
    audit_record(
        action=AuditAction.VIEW,
        actor=user if authenticated else None,
        object_type=f"{model._meta.app_label}.{model._meta.model_name}",
        object_id=str(pk),
        details={"outside_scope": True, "refused": True},
    )


def can_place_in_scope(user: Any, territory_id: int | None, organisation_id: int | None) -> bool:
    """Whether ``user`` may assign something to this territory or organisation (writes)."""
    kind = user.scope_kind
    if user.is_superuser or kind == ScopeKind.COUNTRY:
        return True
    if kind == ScopeKind.ORGANISATION:
        return organisation_id is not None and organisation_id == user.organisation_id
    if user.territory is None:
        return False
    ids = territory_scope_ids(user.territory)
    if organisation_id is not None:
        organisations = apps.get_model("accounts", "Organisation")
        return organisations.objects.filter(pk=organisation_id, territory_id__in=ids).exists()
    return territory_id is not None and territory_id in ids
