"""What rows refer to: districts by KATO code and date, persons and incidents already stored.

Everything here is looked up once per import (territories) or once per batch (persons,
incidents, record numbers), never per row, so that the number of queries does not grow with
the rows of a batch.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

from qorgau.accounts.roles import IMPORT_RECORDS
from qorgau.registry.identities import audit_outside_scope, persons_usable_by
from qorgau.registry.importing.fields import IinValue
from qorgau.registry.importing.store import insert_returning_pks, select_by_keys
from qorgau.registry.models import Incident, Person
from qorgau.territory.models import Level, Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User


@dataclass(frozen=True)
class _Version:
    pk: int
    level: int
    valid_from: dt.date | None
    valid_to: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class TerritoryIndex:
    """Every version of every KATO code in memory (a few hundred rows): pure lookups by date."""

    def __init__(self) -> None:
        self._versions: dict[str, list[_Version]] = defaultdict(list)
        rows = Territory.objects.values_list("kato_code", "pk", "level", "valid_from", "valid_to")
        for code, pk, level, valid_from, valid_to in rows:
            self._versions[code].append(_Version(pk, level, valid_from, valid_to))

    def district_on(self, code: str, day: dt.date) -> int | None:
        """The id of the district (or city administration) with ``code`` on ``day``, if any.

        Same rule as ``Territory.objects.by_code(code, on=day)`` followed by the level check of
        the registry services.
        """
        for version in self._versions.get(code, ()):
            if version.covers(day):
                return version.pk if version.level == Level.DISTRICT else None
        return None


def record_ids_stored(
    model: type[models.Model], source: str, record_ids: Iterable[str]
) -> dict[str, int]:
    """``{record_id: pk}`` of the rows of ``model`` already stored from ``source``."""
    pk = str(model._meta.pk.column)
    return dict(select_by_keys(model, "source_record_id", [pk], record_ids, {"source": source}))


@dataclass
class KnownPerson:
    """A person a row refers to: stored (``pk``) or to be created from a valid IIN."""

    pk: int | None
    birth_date: dt.date | None
    birth_year: int | None
    iin: IinValue | None = None
    # stored, but outside the importing user's scope: rows naming it are refused
    outside_scope: bool = False

    @property
    def key(self) -> tuple[str, object]:
        """Identity for comparisons before new persons have a primary key."""
        if self.pk is not None:
            return ("pk", self.pk)
        assert self.iin is not None
        return ("iin", self.iin.pseudonym)


@dataclass
class PersonBook:
    """The persons one batch refers to, by IIN pseudonym and by the source's person number.

    ``actor`` is the importing user (``None``: the system, which sees everyone). A stored
    person outside the actor's scope is kept out of the book's answers the way the forms keep
    it out (``registry.identities``): named by IIN, it comes back marked ``outside_scope`` and
    the row is refused with the forms' neutral message; named by record number, it is not
    found, as if never imported. Each such person is audited once per batch.
    """

    source: str
    actor: User | None = None
    by_pseudonym: dict[str, KnownPerson] = field(default_factory=dict)
    by_record: dict[str, KnownPerson] = field(default_factory=dict)
    _new: dict[str, KnownPerson] = field(default_factory=dict)

    def load(self, iins: Iterable[IinValue], record_ids: Iterable[str]) -> None:
        """Two queries (and the scope's two): the persons known by these pseudonyms and by
        these record numbers."""
        wanted = {value.pseudonym: value for value in iins}
        columns = ["id", "birth_date", "birth_year"]
        for key, pk, birth_date, birth_year in select_by_keys(
            Person, "iin_pseudonym", columns, wanted
        ):
            self.by_pseudonym[key] = KnownPerson(pk, birth_date, birth_year)
        for record, pk, birth_date, birth_year in select_by_keys(
            Person, "source_record_id", columns, record_ids, {"source": self.source}
        ):
            self.by_record[record] = KnownPerson(pk, birth_date, birth_year)
        self._scope()
        for key, value in wanted.items():
            if key not in self.by_pseudonym:
                facts = value.facts
                self.by_pseudonym[key] = KnownPerson(
                    None, facts.birth_date, facts.birth_date.year, value
                )

    def _scope(self) -> None:
        """Mark (by IIN) or drop (by record number) the persons outside the actor's scope."""
        everyone = (*self.by_pseudonym.values(), *self.by_record.values())
        stored = {person.pk for person in everyone if person.pk is not None}
        if self.actor is None or not stored:
            return
        usable = persons_usable_by(self.actor, stored, permission=IMPORT_RECORDS)
        refused: dict[int, str] = {}
        for person in self.by_pseudonym.values():
            if person.pk is not None and person.pk not in usable:
                person.outside_scope = True
                refused[person.pk] = "iin"
        for record, person in list(self.by_record.items()):
            if person.pk is not None and person.pk not in usable:
                del self.by_record[record]
                refused.setdefault(person.pk, "record_id")
        for pk, matched_by in sorted(refused.items()):
            audit_outside_scope(
                pk, actor=self.actor, matched_by=matched_by, source=self.source, bulk=True
            )

    def by_iin(self, value: IinValue) -> KnownPerson:
        return self.by_pseudonym[value.pseudonym]

    def by_record_id(self, record_id: str) -> KnownPerson | None:
        return self.by_record.get(record_id)

    def use(self, person: KnownPerson) -> None:
        """Mark a person as needed by an accepted row: created by :meth:`create_new` if new."""
        if person.pk is None and person.iin is not None:
            self._new[person.iin.pseudonym] = person

    def create_new(self, *, actor_id: int | None) -> int:
        """Insert the new persons accepted rows refer to (pseudonym, birth date, sex only)."""
        if not self._new:
            return 0
        now = timezone.now()
        columns = (
            "iin_pseudonym",
            "surname_token",
            "first_name_token",
            "patronymic_token",
            "phone_token",
            "address_token",
            "surname_index",
            "first_name_index",
            "sex",
            "birth_date",
            "birth_year",
            "citizenship",
            "disability",
            "home_district",
            "source",
            "source_record_id",
            "created_at",
            "created_by",
        )
        rows = [
            (
                key,
                "",
                "",
                "",
                "",
                "",
                "",  # no name: no blind index either
                "",
                person.iin.facts.sex if person.iin else "U",
                person.birth_date,
                person.birth_year,
                "KZ",
                "unknown",
                None,
                self.source,
                None,
                now,
                actor_id,
            )
            for key, person in self._new.items()
        ]
        keys = list(self._new)
        pks = insert_returning_pks(
            Person,
            [_attname(Person, c) for c in columns],
            rows,
            keys,
            {},
            "iin_pseudonym",
        )
        for key, pk in zip(keys, pks, strict=True):
            self._new[key].pk = pk
        created = len(self._new)
        self._new = {}
        return created


def _attname(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).attname  # type: ignore[union-attr]


def attnames(model: type[models.Model], names: Iterable[str]) -> list[str]:
    """Field names → column attnames (``district`` → ``district_id``) for :func:`insert_rows`."""
    return [_attname(model, name) for name in names]


@dataclass(frozen=True)
class KnownIncident:
    pk: int
    occurred_on: dt.date


def incidents_stored(source: str, record_ids: Iterable[str]) -> dict[str, KnownIncident]:
    """``{record_id: incident}`` for the incidents of ``source`` a batch refers to."""
    zone = timezone.get_current_timezone()
    rows = select_by_keys(
        Incident, "source_record_id", ["id", "occurred_at"], record_ids, {"source": source}
    )
    return {
        record: KnownIncident(pk, occurred_at.astimezone(zone).date())
        for record, pk, occurred_at in rows
    }
