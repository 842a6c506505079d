"""Workflows of persons: recording one (IIN, identity) and finding one by IIN."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import refusals_audited, restrict
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.crypto import encrypt_text, pseudonym
from qorgau.registry import choices as c
from qorgau.registry.identities import person_matched_by_iin
from qorgau.registry.iin import iin_parse
from qorgau.registry.models import Person
from qorgau.registry.names import IDENTITY_FIELDS, name_indexes
from qorgau.registry.services_common import not_future
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User


def iin_pseudonym(iin: str) -> str:
    return pseudonym(iin.strip(), purpose="iin")


@refusals_audited
@transaction.atomic
def person_register(
    *,
    actor: User | None = None,
    request: HttpRequest | None = None,
    iin: str = "",
    sex: str = c.Sex.UNKNOWN,
    birth_date: dt.date | None = None,
    birth_year: int | None = None,
    citizenship: str = "KZ",
    disability: str = c.Disability.UNKNOWN,
    home_district: Territory | None = None,
    source: str = "",
    source_record_id: str | None = None,
    audit: bool = True,
    **identity: str,
) -> Person:
    """Record a person, or return the one already known by this IIN or source record.

    The IIN is validated and only its pseudonym kept; its birth date and sex win over typed
    ones that contradict them (a typo in the form, not in the state's number).
    """
    unknown = set(identity) - set(IDENTITY_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    key = None
    if iin:
        try:
            facts = iin_parse(iin)
        except ValueError as exc:
            raise ValidationError({"iin": str(exc)}) from exc
        key = iin_pseudonym(iin)
        existing = Person.objects.filter(iin_pseudonym=key).first()
        if existing:
            return person_matched_by_iin(existing, actor=actor, request=request)
        birth_date, sex = facts.birth_date, facts.sex
    if source_record_id:
        existing = Person.objects.filter(source=source, source_record_id=source_record_id).first()
        if existing:
            return existing
    if birth_date:
        not_future(birth_date, "birth_date")
        birth_year = birth_date.year
    person = Person(
        iin_pseudonym=key,
        sex=sex,
        birth_date=birth_date,
        birth_year=birth_year,
        citizenship=(citizenship or "KZ").upper(),
        disability=disability,
        home_district=home_district,
        source=source,
        source_record_id=source_record_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    for name, value in identity.items():
        setattr(
            person, f"{name}_token", encrypt_text(value.strip()) if value and value.strip() else ""
        )
    for name, digest in name_indexes(
        surname=identity.get("surname", ""), first_name=identity.get("first_name", "")
    ).items():
        setattr(person, name, digest)
    person.full_clean(exclude=["created_by"])
    person.save()
    if audit:
        audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=person)
    return person


def person_find_by_iin(
    *, actor: User, iin: str, request: HttpRequest | None, reason: str
) -> Person | None:
    """Look a person up by IIN within the actor's scope; the search and its reason are audited."""
    iin_parse(iin)
    known = Person.objects.filter(iin_pseudonym=iin_pseudonym(iin)).first()
    in_scope = known and restrict(Person.objects.filter(pk=known.pk), actor).exists()
    person = known if in_scope else None
    details: dict[str, Any] = {"search": "iin", "found": person is not None}
    if known and person is None:
        # Answered as "not found"; the auditors still see whom the search aimed at.
        details.update(outside_scope=True, person=known.pk)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=actor,
        object_type="registry.person",
        object_id=str(known.pk) if known else "",  # whom it aimed at, found or not
        reason=reason,
        details=details,
    )
    return person
