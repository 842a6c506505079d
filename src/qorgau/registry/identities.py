"""The IIN rule: who may link to (and so learn of) a person known by an identifier.

An IIN or a source's person number names someone anywhere in the country. Were a match
honoured outside the actor's scope, anybody able to register a person or import an extract
could look up anyone: confirm that the person is recorded, link them to a made-up case and
read them through it. So every path that matches an identifier to a stored person (the
forms and the API through ``registry.services``, the bulk importer through
``registry.importing``) asks this module, with one rule: the person must be within the
actor's scope, or recorded by the actor (not yet placed anywhere). A match outside it is
refused with a message that does not say whether the person exists, and the attempt is
written to the audit trail under that person, so the auditors see whom it aimed at.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import restrict
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.registry.models import Person

if TYPE_CHECKING:
    from qorgau.accounts.models import User


IIN_NOT_USABLE = _(
    "A person cannot be recorded with this IIN from your account. "
    "Ask the registry administrator of your territory."
)

# Persons asked about in one query; keeps the IN list well under SQLite's parameter limit.
_CHUNK = 2000


def person_usable_by(person: Person, actor: User | None) -> bool:
    """Whether ``actor`` may link to ``person``: what the access layer gives the actor (in
    scope, or registered by the actor and not yet placed). ``None`` is the system itself
    (seeding, migrations), which sees everyone."""
    if actor is None:
        return True
    return restrict(Person.objects.filter(pk=person.pk), actor).exists()


def persons_usable_by(
    actor: User | None, pks: Iterable[int], *, permission: str | None = None
) -> set[int]:
    """The persons of ``pks`` that ``actor`` may link to: :func:`person_usable_by` for a batch.

    Two queries per chunk whatever its size. ``permission`` is the one the caller acts under
    (the importer's ``IMPORT_RECORDS``: a data clerk links persons of the extracts without
    reading them); the scope is the actor's either way.
    """
    wanted = sorted(set(pks))
    if actor is None:
        return set(wanted)
    usable: set[int] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        persons = restrict(Person.objects.filter(pk__in=chunk), actor, permission=permission)
        usable |= set(persons.values_list("pk", flat=True))
    return usable


def audit_outside_scope(
    person_pk: int,
    *,
    actor: User,
    request: HttpRequest | None = None,
    matched_by: str = "iin",
    **details: Any,
) -> None:
    """One audit entry for an identifier that named a person outside the actor's scope."""
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=actor,
        object_type="registry.person",
        object_id=str(person_pk),
        details={"matched_by": matched_by, "outside_scope": True, "refused": True, **details},
    )


class IinOutsideScope(ValidationError):
    """A registration named the IIN of a person the actor may not see.

    Raised with the same neutral message whether or not the caller could guess the reason;
    the person's id travels only to :func:`iin_refusals_audited`, never to the caller's reply.
    """

    def __init__(self, person_pk: int) -> None:
        super().__init__({"iin": IIN_NOT_USABLE})
        self.person_pk = person_pk


@contextmanager
def iin_refusals_audited(*, actor: User, request: HttpRequest | None) -> Iterator[None]:
    """Audit an :class:`IinOutsideScope` refusal, then let it through.

    Wrap it *around* the transaction that registers persons: inside, the refusal rolls the
    transaction back and the audit entry with it.
    """
    try:
        yield
    except IinOutsideScope as exc:
        audit_outside_scope(exc.person_pk, actor=actor, request=request)
        raise


def person_matched_by_iin(
    existing: Person, *, actor: User | None, request: HttpRequest | None
) -> Person:
    """The same IIN is the same person: link, never duplicate; the match itself is audited.

    A person outside the actor's scope must stay invisible (the IIN would otherwise look up
    anyone in the country), so the registration is refused with a message that does not say
    whether the IIN is known; the caller audits the attempt (:func:`iin_refusals_audited`).
    """
    if not person_usable_by(existing, actor):
        raise IinOutsideScope(existing.pk)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=actor,
        target=existing,
        details={"matched_by": "iin"},
    )
    return existing
