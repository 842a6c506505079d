"""Who is told of an item and how: in-app notifications, with an e-mail in the user's language."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from qorgau.accounts.models import Organisation, OrganisationKind, User
from qorgau.accounts.roles import Role
from qorgau.coordination.models import (
    CoordinatingBody,
    Decision,
    Notification,
    NotificationKind,
    SafetyAction,
)
from qorgau.coordination.services.common import POLICE_ROLES, _item_body, log
from qorgau.territory.services import territory_scope_ids


def users_of(organisation: Organisation) -> list[User]:
    """Staff of an agency; for the police, the officers whose scope holds the organisation."""
    users = User.objects.filter(is_active=True, organisation=organisation)
    if organisation.kind == OrganisationKind.POLICE:
        users = users | User.objects.filter(
            is_active=True,
            role__in=POLICE_ROLES,
            territory_id__in=territory_scope_ids(organisation.territory),
        )
    return list(users.distinct())


def keepers_of(body: CoordinatingBody) -> list[User]:
    """The secretaries: akimat coordinators whose region holds the body."""
    ids = {body.territory_id}
    if body.territory.parent_id:
        ids.add(body.territory.parent_id)
    return list(
        User.objects.filter(is_active=True, role=Role.AKIMAT_COORDINATOR, territory_id__in=ids)
    )


def _object_type(item: models.Model) -> str:
    return f"{item._meta.app_label}.{item._meta.model_name}"


def notify_users(
    users: Iterable[User],
    item: models.Model,
    kind: str,
    message: str,
    *,
    object_type: str | None = None,
) -> int:
    """One notice per user, item and kind (a second call is a no-op), mailed when possible."""
    made = 0
    url = item.get_absolute_url() if hasattr(item, "get_absolute_url") else ""
    for user in users:
        try:
            with transaction.atomic():
                notice = Notification.objects.create(
                    user=user,
                    kind=kind,
                    object_type=object_type or _object_type(item),
                    object_id=item.pk,
                    message=message[:500],
                    url=url,
                )
        except IntegrityError:
            continue
        made += 1
        _email(notice)
    return made


def _email(notice: Notification) -> None:
    if not notice.user.email:
        return
    try:
        send_mail(
            subject=f"Qorgau: {notice.message[:80]}",
            message=f"{notice.message}\n\n{notice.url}",
            from_email=None,
            recipient_list=[notice.user.email],
        )
    except OSError:  # the mail server is down: the in-system notice stands, mail is retried
        log.warning("could not e-mail notification %s", notice.pk)
        return
    notice.emailed_at = timezone.now()
    notice.save(update_fields=["emailed_at"])


def _item_text(item: Decision | SafetyAction, kind: str) -> str:
    texts: dict[str, str] = {
        NotificationKind.NEW: gettext("New %(what)s %(ref)s for your agency, due %(due)s."),
        NotificationKind.DUE: gettext("%(what)s %(ref)s is due on %(due)s."),
        NotificationKind.OVERDUE: gettext(
            "%(what)s %(ref)s of %(owner)s is overdue since %(due)s and was escalated."
        ),
    }
    what = gettext("decision") if isinstance(item, Decision) else gettext("safety action")
    return texts[kind] % {
        "what": what,
        "ref": item.reference,
        "due": f"{item.deadline:%d.%m.%Y}",
        "owner": item.owner.name,
    }


def notify_owner(item: Decision | SafetyAction, kind: str) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        message = _item_text(item, kind)
    users = users_of(item.owner)
    if kind == NotificationKind.OVERDUE:
        users += keepers_of(_item_body(item))
    return notify_users(users, item, kind, message)


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (those of ``ids`` only, when given)."""
    notices = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        notices = notices.filter(pk__in=list(ids))
    return notices.update(read_at=timezone.now())


# --- Escalation -------------------------------------------------------------------------------
