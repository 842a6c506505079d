"""Workflows on user accounts, each checked against the acting administrator's scope and audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.accounts.access import can_place_in_scope, restrict
from qorgau.accounts.models import Organisation, User
from qorgau.accounts.roles import MANAGE_USERS, Role
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.territory.models import Territory

USER_OUTSIDE_SCOPE = gettext_lazy(
    "You can only give users a territory or organisation within your own scope."
)


def _check_placement(
    actor: User, territory: Territory | None, organisation: Organisation | None, role: str
) -> None:
    if not actor.has_perm(MANAGE_USERS):
        raise PermissionDenied(_("You may not manage user accounts."))
    territory_id = territory.pk if territory else None
    organisation_id = organisation.pk if organisation else None
    if not can_place_in_scope(actor, territory_id, organisation_id):
        raise PermissionDenied(USER_OUTSIDE_SCOPE)
    widens = (
        role == Role.ADMINISTRATOR
        and not actor.is_superuser
        and territory is not None
        and actor.territory is not None
        and actor.territory.level > territory.level
    )
    if widens:
        raise PermissionDenied(
            _("You cannot create an administrator with a wider scope than yours.")
        )


@transaction.atomic
def user_create(
    *,
    actor: User,
    request: HttpRequest | None = None,
    username: str,
    password: str,
    role: str,
    territory: Territory | None = None,
    organisation: Organisation | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a staff account; the new user must change the password at first sign-in."""
    _check_placement(actor, territory, organisation, role)
    user = User(
        username=username,
        role=role,
        territory=territory,
        organisation=organisation,
        first_name=first_name,
        last_name=last_name,
        email=email,
        must_change_password=True,
    )
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        target=user,
        details={
            "role": role,
            "territory": territory.kato_code if territory else None,
            "organisation": organisation.pk if organisation else None,
        },
    )
    return user


@transaction.atomic
def user_update(
    *, actor: User, request: HttpRequest | None = None, user: User, **changes: Any
) -> User:
    """Change role, scope, names or active state of an account within the actor's scope."""
    allowed = {"role", "territory", "organisation", "first_name", "last_name", "email", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    if not restrict(User.objects.filter(pk=user.pk), actor).exists():
        raise PermissionDenied(USER_OUTSIDE_SCOPE)
    if user.pk == actor.pk and ("role" in changes or "is_active" in changes):
        raise PermissionDenied(_("You cannot change your own role or deactivate yourself."))
    changed = sorted(name for name, value in changes.items() if getattr(user, name) != value)
    for name, value in changes.items():
        setattr(user, name, value)
    _check_placement(actor, user.territory, user.organisation, user.role)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=user,
        details={"fields": changed},
    )
    return user
