"""THE access layer: the one place that decides which personal records a user may see.

Every view, API endpoint and export that touches personal data gets its queryset from
:func:`restrict` (or an object from :func:`get_for_user`). A model holding personal data is
registered once with :func:`personal_data`, naming the fields that place a row in a
territory or an organisation; the user's role and scope do the rest:

* no permission for the model's data (an analyst, an auditor) → nothing;
* a country-wide scope → every row;
* a region or district → rows placed in that territory, its districts, or an older version
  of them (see :func:`qorgau.territory.services.territory_scope_ids`);
* an organisation → rows placed in that organisation;
* and, whatever the scope, rows the user owns (``owner``: an import job's uploader) and rows
  the user created that nothing places yet (``unplaced_creator``: a person registered a moment
  ago, before an incident or a home district places him or her).

A row that belongs to another (an order's check-ins, an incident's participants) is registered
with :func:`personal_data_of` and is placed wherever its parent is, so that no second rule-set
grows beside this one. The code outside this module that queries personal-data models without
going through it is listed, each with its reason, in ``accounts/tests/access_exemptions.py``;
``test_access_walk.py`` reads the whole code base and fails on any other such query.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from qorgau.accounts.roles import ScopeKind
from qorgau.territory.models import Territory
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.models import User
    from qorgau.accounts.typing import Viewer

M = TypeVar("M", bound=models.Model)
P = ParamSpec("P")
R = TypeVar("R")
_pending = threading.local()  # refusals noted inside a transaction, written after it


@dataclass(frozen=True)
class AccessPolicy:
    """How rows of one model are placed: by territory fields and/or organisation fields."""

    view_permission: str
    territory_fields: tuple[str, ...] = ()
    organisation_fields: tuple[str, ...] = ()
    owner_fields: tuple[str, ...] = ()
    unplaced_creator: str = ""

    def within(self, path: str) -> AccessPolicy:
        """The same policy seen from a child row through its ``path`` to this model."""
        return AccessPolicy(
            self.view_permission,
            tuple(f"{path}__{f}" for f in self.territory_fields),
            tuple(f"{path}__{f}" for f in self.organisation_fields),
            tuple(f"{path}__{f}" for f in self.owner_fields),
            f"{path}__{self.unplaced_creator}" if self.unplaced_creator else "",
        )


_POLICIES: dict[type[models.Model], AccessPolicy] = {}


def personal_data(
    *,
    view_permission: str,
    territory: tuple[str, ...] = (),
    organisation: tuple[str, ...] = (),
    owner: tuple[str, ...] = (),
    unplaced_creator: str = "",
) -> Callable[[type[M]], type[M]]:
    """Class decorator registering a model as personal data under the access layer."""

    def register(model: type[M]) -> type[M]:
        _POLICIES[model] = AccessPolicy(
            view_permission, territory, organisation, owner, unplaced_creator
        )
        return model

    return register


def held_by_organisation(
    *, view_permission: str, organisation: str = "organisation"
) -> Callable[[type[M]], type[M]]:
    """Class decorator for records an organisation keeps of its own clients (a crisis centre's
    survivor case files): seen by that organisation's users only, never by territory, so that a
    district's police do not learn who went to a crisis centre without her consent."""
    return personal_data(view_permission=view_permission, organisation=(organisation,))


def personal_data_of(parent: type[models.Model], *, via: str) -> Callable[[type[M]], type[M]]:
    """Class decorator registering a child of a personal-data model (``via`` its foreign key):
    the child is seen exactly where, and by whom, its parent is."""

    def register(model: type[M]) -> type[M]:
        _POLICIES[model] = policy_for(parent).within(via)
        return model

    return register


def policy_for(model: type[models.Model]) -> AccessPolicy:
    try:
        return _POLICIES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not registered with the access layer") from None


def registered_models() -> list[type[models.Model]]:
    return list(_POLICIES)


def _scope_filter(user: User, model: type[models.Model], policy: AccessPolicy) -> Q | None:
    """The row filter for the user's scope; ``None`` means the whole country."""
    kind = user.scope_kind
    if kind == ScopeKind.COUNTRY:
        return None
    condition = Q(pk__in=[])
    if kind == ScopeKind.ORGANISATION:
        for field in policy.organisation_fields:
            condition |= Q(**{f"{field}_id": user.organisation_id})
    elif kind in (ScopeKind.REGION, ScopeKind.DISTRICT) and user.territory is not None:
        ids = territory_scope_ids(user.territory)
        for field in policy.territory_fields:
            condition |= _placed_in(model, field, ids)
    for field in policy.owner_fields:
        condition |= Q(**{f"{field}_id": user.pk})
    if policy.unplaced_creator:
        condition |= _unplaced(model, policy, user)
    return condition


def _unplaced(model: type[models.Model], policy: AccessPolicy, user: User) -> Q:
    """Rows ``user`` created that no territory or organisation field places yet (a path
    through a to-many relation is a correlated ``NOT EXISTS``, cheap per row)."""
    created = Q(**{f"{policy.unplaced_creator}_id": user.pk})
    for field in policy.territory_fields + policy.organisation_fields:
        if "__" not in field:
            created &= Q(**{f"{field}__isnull": True})
            continue
        placed = model._default_manager.filter(pk=OuterRef("pk"), **{f"{field}__isnull": False})
        created &= Q(~Exists(placed))
    return created


def _placed_in(model: type[models.Model], field: str, ids: set[int]) -> Q:
    """Rows whose ``field`` lies in ``ids``; a path through a to-many relation becomes a
    subquery, so that a row placed several times in scope is still returned once."""
    if "__" not in field:
        return Q(**{f"{field}__in": ids})
    return Q(pk__in=model._default_manager.filter(**{f"{field}__in": ids}).values("pk"))


def _signed_in(user: Viewer) -> User | None:
    """The active project user behind ``user``, or ``None`` (anonymous, inactive, none)."""
    from qorgau.accounts.models import User  # the models import this module

    return user if isinstance(user, User) and user.is_active else None


def restrict(
    queryset: models.QuerySet[M], user: Viewer, *, permission: str | None = None
) -> models.QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may see (or act on, with ``permission``)."""
    policy = policy_for(queryset.model)
    viewer = _signed_in(user)
    if viewer is None or not viewer.has_perm(permission or policy.view_permission):
        return queryset.none()
    if viewer.is_superuser and not viewer.role:
        return queryset
    condition = _scope_filter(viewer, queryset.model, policy)
    return queryset if condition is None else queryset.filter(condition)


def placed_in(queryset: models.QuerySet[Any], territory: Territory) -> bool:
    """Whether a row of ``queryset`` is placed in ``territory`` by its model's own policy.

    This answers where a record *is* (a victim recorded in a body's territory, before a case
    is opened for it there), with the very fields :func:`restrict` uses to decide who sees it.
    """
    policy = policy_for(queryset.model)
    ids = territory_scope_ids(territory)
    condition = Q(pk__in=[])
    for field in policy.territory_fields:
        condition |= _placed_in(queryset.model, field, ids)
    return queryset.filter(condition).exists()


def get_for_user(
    queryset: models.QuerySet[M], user: Viewer, pk: Any, *, permission: str | None = None
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


def audit_refused(model: type[models.Model], user: Viewer, pk: Any) -> None:
    """Audit an attempt on a stored record of ``model`` refused by the access layer.

    A refusal inside a transaction is raised as an error that rolls the transaction back, and
    an audit entry written there would vanish with it; so it waits (per thread) until the
    outermost transaction has ended: :func:`refusals_flush` writes it, called by the request
    middleware after every response and by :func:`refusals_audited` around a service.
    """
    try:
        exists = model._default_manager.filter(pk=pk).exists()
    except (ValueError, TypeError):  # not even a key: nothing was aimed at
        return
    if not exists:
        return
    _pending.refusals = [*getattr(_pending, "refusals", []), (model, _signed_in(user), pk)]
    if not _in_transaction():
        refusals_flush()


def _in_transaction() -> bool:
    """Whether a transaction of the application is open (a test case's own wrapping
    transaction, which stands for "no transaction" in the code under test, does not count)."""
    blocks = transaction.get_connection().atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


def refusals_flush() -> None:
    """Write the refusals noted inside transactions that have since ended."""
    waiting, _pending.refusals = getattr(_pending, "refusals", []), []
    if not waiting:
        return
    from qorgau.audit.models import AuditAction  # audit sits below accounts; lazily,
    from qorgau.audit.services import audit_record  # as the models load through here

    for model, actor, pk in waiting:
        audit_record(
            action=AuditAction.VIEW,
            actor=actor,
            object_type=f"{model._meta.app_label}.{model._meta.model_name}",
            object_id=str(pk),
            details={"outside_scope": True, "refused": True},
        )


def refusals_audited(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate a transactional service: after it fails, write the refusals it noted (once
    no transaction is open any more; inside a caller's transaction they wait for it)."""

    @functools.wraps(function)
    def audited(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        finally:
            if not _in_transaction():
                refusals_flush()

    return audited


def can_place_in_scope(user: Viewer, territory_id: int | None, organisation_id: int | None) -> bool:
    """Whether ``user`` may assign something to this territory or organisation (writes); nobody
    signed in may not, nor may a command that names no account."""
    if user is None or user.is_anonymous:
        return False
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
