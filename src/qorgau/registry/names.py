"""Names of persons: shown to the officers who handle a case, found without being kept in clear.

A name is stored as a Fernet token, which no SQL ``LIKE`` can search. Beside it the person
keeps a *blind index* of the surname and of the first name: a keyed HMAC (the IIN pseudonym's
key and re-keying chain, :func:`qorgau.lib.crypto.pseudonym`) of the normalised spelling. A
search by an exact surname (and, optionally, first name) computes the same digest and finds
the persons in the user's scope; without the key the digests reveal nothing, but equal names
have equal digests, which is what a search needs and all it gives away.

Every decryption is audited under the person decrypted (one entry each, however long the
list that showed them), and a search by name, like one by IIN, asks a reason and is audited
whether it finds anyone or not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import HttpRequest

from qorgau.accounts.access import restrict
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record, audit_record_many
from qorgau.lib.crypto import decrypt_text, encrypt_text, pseudonym
from qorgau.registry.models import Person

if TYPE_CHECKING:
    from qorgau.accounts.models import User


IDENTITY_FIELDS = ("surname", "first_name", "patronymic", "phone", "address")
CONTACT_FIELDS = ("phone", "address")
# The most persons one name search shows: a common surname in a city is not a case list.
SEARCH_LIMIT = 50

# Kazakh letters written with their nearest Russian ones in police records, and ё as е: the
# same surname typed either way is the same search.
_FOLD = str.maketrans(
    {
        "ё": "е",
        "ә": "а",
        "ғ": "г",
        "қ": "к",
        "ң": "н",
        "ө": "о",
        "ұ": "у",
        "ү": "у",
        "һ": "х",
        "і": "и",
    }
)


@dataclass(frozen=True)
class Identity:
    surname: str = ""
    first_name: str = ""
    patronymic: str = ""
    phone: str = ""
    address: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.first_name, self.patronymic) if part)


def name_normalise(text: str) -> str:
    """Case, compatibility forms, Kazakh letters and everything but letters folded away."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    return "".join(char for char in folded if char.isalpha())


def name_index(text: str, *, part: str) -> str:
    """The blind index of one name ``part`` (``surname`` or ``first_name``); empty for none."""
    normal = name_normalise(text or "")
    return pseudonym(normal, purpose=f"name:{part}") if normal else ""


def name_indexes(*, surname: str = "", first_name: str = "") -> dict[str, str]:
    """The two index fields of a person with these names, for every path that writes one."""
    return {
        "surname_index": name_index(surname, part="surname"),
        "first_name_index": name_index(first_name, part="first_name"),
    }


def _decrypted(person: Person, name: str) -> str:
    token = getattr(person, f"{name}_token")
    return decrypt_text(token) if token else ""


def person_identities(
    persons: Iterable[Person],
    *,
    actor: User,
    request: HttpRequest | None = None,
    reason: str = "",
    listed_on: str = "",
) -> dict[int, Identity]:
    """Decrypt the identities of ``persons`` the actor may see, one audit entry per person.

    Persons outside the actor's scope are silently left out: the caller shows a label. A list
    page names itself in ``listed_on``; its entries then say where the names were shown rather
    than repeat the page's whole list of persons in each.
    """
    wanted = {p.pk: p for p in persons}
    if not wanted:
        return {}
    allowed = set(
        restrict(Person.objects.filter(pk__in=wanted), actor).values_list("pk", flat=True)
    )
    identities = {
        pk: Identity(**{name: _decrypted(wanted[pk], name) for name in IDENTITY_FIELDS})
        for pk in sorted(allowed)
    }
    # One entry per person, under the person: "who saw person P-…" is then a question of one
    # record, not a search through lists of ids (which a 64-character field would also cut).
    details: dict[str, Any] = (
        {"list": listed_on, "count": len(identities)}
        if listed_on
        else {"persons": sorted(identities)}
    )
    audit_record_many(
        action=AuditAction.DECRYPT,
        request=request,
        actor=actor,
        object_type="registry.person",
        object_ids=[str(pk) for pk in identities],
        reason=reason,
        details=details,
    )
    return identities


def persons_named(
    queryset: QuerySet[Person], *, surname: str, first_name: str = ""
) -> QuerySet[Person]:
    """The persons of ``queryset`` with this exact (normalised) surname and first name."""
    found = queryset.filter(surname_index=name_index(surname, part="surname"))
    if name_normalise(first_name):
        found = found.filter(first_name_index=name_index(first_name, part="first_name"))
    return found


def person_find_by_name(
    *,
    actor: User,
    surname: str,
    first_name: str = "",
    request: HttpRequest | None,
    reason: str,
) -> list[Person]:
    """Persons in the actor's scope with this name; the search and its reason are audited.

    Found or not, the search is written to the trail: under each person found (so that "who
    looked for P-…" is answered there), or once without a person when nobody was found.
    """
    if not name_normalise(surname):
        return []
    scope = restrict(Person.objects.select_related("home_district"), actor)
    found = list(
        persons_named(scope, surname=surname, first_name=first_name).order_by("pk")[:SEARCH_LIMIT]
    )
    details = {"search": "name", "found": len(found), "first_name": bool(first_name.strip())}
    audit_record_many(
        action=AuditAction.VIEW,
        request=request,
        actor=actor,
        object_type="registry.person",
        object_ids=[str(person.pk) for person in found] or [""],
        reason=reason,
        details=details,
    )
    return found


def person_contacts_update(
    *, actor: User, request: HttpRequest | None, person: Person, phone: str = "", address: str = ""
) -> bool:
    """Keep the phone and address an officer just gave for a person already recorded.

    The newest contact is where the weekly checks of an order go; an empty field keeps the
    stored one. Written (and audited as a change) only when it differs from what is stored.
    """
    given = {"phone": phone.strip(), "address": address.strip()}
    changed = [name for name, value in given.items() if value and value != _decrypted(person, name)]
    for name in changed:
        setattr(person, f"{name}_token", encrypt_text(given[name]))
    if not changed:
        return False
    person.save(update_fields=[f"{name}_token" for name in changed])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=person,
        details={"changed": changed},
    )
    return True
