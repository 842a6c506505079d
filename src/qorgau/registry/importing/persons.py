"""Persons: the ``persons`` extract, and the person columns the other extracts carry."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.roles import IMPORT_RECORDS
from qorgau.lib.crypto import encrypt_text
from qorgau.registry import choices as c
from qorgau.registry.identities import IIN_NOT_USABLE, audit_outside_scope, persons_usable_by
from qorgau.registry.importing.fields import (
    CellError,
    IinValue,
    parse_choice,
    parse_date,
    parse_id_list,
    parse_iin,
    parse_iin_list,
    parse_int,
    parse_kato,
    parse_record_id,
    parse_text,
)
from qorgau.registry.importing.refs import KnownPerson, PersonBook, attnames
from qorgau.registry.importing.spec import (
    BatchResult,
    Column,
    ImportContext,
    KindSpec,
    Problem,
    Row,
    shown,
)
from qorgau.registry.importing.store import insert_rows, select_by_keys
from qorgau.registry.models import Person
from qorgau.registry.names import IDENTITY_FIELDS, name_indexes

UNKNOWN_PERSON = _("No person with this record number from this source has been imported.")
IIN_AND_RECORD_DIFFER = _("The IIN and the person record number name different persons.")
NOT_A_COUNTRY_CODE = _("Write a two-letter ISO country code, e.g. KZ.")
PERSON_KNOWN_BY_IIN = _("A person with this IIN is already registered under another record.")


def record_column(what: str) -> Column:
    return Column(
        "record_id",
        parse_record_id,
        required=True,
        format="text, up to 64 characters",
        example="KUI-2024-000123",
        meaning=f"Number of the {what} in the source register; the key that makes re-runs safe.",
    )


def person_columns(prefix: str, who: str, *, many: bool = False) -> tuple[Column, Column]:
    """The pair of columns naming a person: by IIN or by the source's person record number."""
    if many:
        return (
            Column(
                f"{prefix}_iins",
                parse_iin_list,
                format="IINs separated by ;",
                example="900101400011;150505600017",
                meaning=f"IINs of the {who}.",
            ),
            Column(
                f"{prefix}_person_ids",
                parse_id_list,
                format="record numbers separated by ;",
                example="P-77;P-78",
                meaning=f"Or: `record_id`s of the {who} in a `persons` extract of the same source.",
            ),
        )
    return (
        Column(
            f"{prefix}_iin",
            parse_iin,
            format="12 digits, checksum verified",
            example="900101400011",
            meaning=f"IIN of the {who}; only its keyed pseudonym is stored.",
        ),
        Column(
            f"{prefix}_person_id",
            parse_record_id,
            format="text",
            example="P-77",
            meaning=f"Or: `record_id` of the {who} in a `persons` extract of the same source.",
        ),
    )


def _code(value: object) -> str:
    text = parse_text(2)(value).upper()
    if len(text) != 2 or not text.isascii() or not text.isalpha():
        raise CellError(NOT_A_COUNTRY_CODE)
    return text


def want_persons(
    iins: list[IinValue], record_ids: list[str], values: dict[str, Any], prefix: str
) -> None:
    """Collect the references of one row (single or list columns) for :meth:`PersonBook.load`."""
    if values.get(f"{prefix}_iin"):
        iins.append(values[f"{prefix}_iin"])
    if values.get(f"{prefix}_person_id"):
        record_ids.append(values[f"{prefix}_person_id"])
    iins.extend(values.get(f"{prefix}_iins") or ())
    record_ids.extend(values.get(f"{prefix}_person_ids") or ())


def one_person(
    book: PersonBook, values: dict[str, Any], prefix: str
) -> tuple[KnownPerson | None, Problem | None]:
    """The person named by ``<prefix>_iin`` or ``<prefix>_person_id`` (``None`` when neither)."""
    iin: IinValue | None = values.get(f"{prefix}_iin")
    record_id: str | None = values.get(f"{prefix}_person_id")
    by_record = book.by_record_id(record_id) if record_id else None
    if record_id and by_record is None and iin is None:
        return None, Problem(f"{prefix}_person_id", record_id, UNKNOWN_PERSON)
    if iin is None:
        return by_record, None
    person = book.by_iin(iin)
    if person.outside_scope:
        return None, Problem(f"{prefix}_iin", "", IIN_NOT_USABLE)
    if by_record is not None and by_record.key != person.key:
        return None, Problem(f"{prefix}_person_id", shown(record_id), IIN_AND_RECORD_DIFFER)
    return person, None


def many_persons(
    book: PersonBook, values: dict[str, Any], prefix: str
) -> tuple[list[KnownPerson], Problem | None]:
    persons = [book.by_iin(iin) for iin in values.get(f"{prefix}_iins") or ()]
    if any(person.outside_scope for person in persons):
        return [], Problem(f"{prefix}_iins", "", IIN_NOT_USABLE)
    for record_id in values.get(f"{prefix}_person_ids") or ():
        person = book.by_record_id(record_id)
        if person is None:
            return [], Problem(f"{prefix}_person_ids", record_id, UNKNOWN_PERSON)
        persons.append(person)
    unique = {person.key: person for person in persons}
    return list(unique.values()), None


class PersonsSpec(KindSpec):
    """Victims, offenders and protected persons, with their encrypted identities."""

    kind = "persons"
    model = Person
    columns: ClassVar[tuple[Column, ...]] = (
        record_column("person"),
        Column(
            "iin",
            parse_iin,
            format="12 digits, checksum verified",
            example="900101400011",
            meaning="IIN; only its keyed pseudonym is stored. Its birth date and sex win over "
            "`birth_date` and `sex`.",
        ),
        Column("surname", parse_text(200), format="text", example="Ахметова", meaning="Encrypted."),
        Column(
            "first_name", parse_text(200), format="text", example="Айгуль", meaning="Encrypted."
        ),
        Column(
            "patronymic", parse_text(200), format="text", example="Сериковна", meaning="Encrypted."
        ),
        Column(
            "phone", parse_text(40), format="text", example="+7 701 000 00 00", meaning="Encrypted."
        ),
        Column(
            "address",
            parse_text(400),
            format="text",
            example="Семей, ул. Абая 1",
            meaning="Encrypted.",
        ),
        Column(
            "sex",
            parse_choice(c.Sex),
            default=c.Sex.UNKNOWN,
            format="F, M or U",
            example="F",
            meaning="Sex.",
        ),
        Column(
            "birth_date", parse_date, format="date", example="1990-01-01", meaning="Date of birth."
        ),
        Column(
            "birth_year",
            parse_int(1900, 2100),
            format="year",
            example="1990",
            meaning="When only the year is known.",
        ),
        Column(
            "citizenship",
            _code,
            default="KZ",
            format="ISO 3166 alpha-2",
            example="KZ",
            meaning="Citizenship.",
        ),
        Column(
            "disability",
            parse_choice(c.Disability),
            default=c.Disability.UNKNOWN,
            format="code",
            example="none",
            meaning="Disability.",
        ),
        Column(
            "home_district",
            parse_kato,
            format="KATO code (9 digits), today's version",
            example="101000000",
            meaning="District of residence; must be within the importing user's territory.",
        ),
    )

    def check(self, values: dict[str, Any], ctx: ImportContext) -> list[Problem]:
        iin: IinValue | None = values["iin"]
        if iin is not None:
            values["birth_date"], values["sex"] = iin.facts.birth_date, iin.facts.sex
        if values["birth_date"] is not None:
            values["birth_year"] = values["birth_date"].year
        problems = [p for p in (self.not_future(values, "birth_date", ctx),) if p]
        if values["home_district"] is not None:
            problem = self.district(values, ctx.today, ctx, "home_district")
            if problem:
                problems.append(problem)
        else:
            values["home_district_id"] = None
        return problems

    def resolve(self, rows: list[Row], ctx: ImportContext, result: BatchResult) -> list[Row]:
        """A person already known by IIN is not registered twice.

        Known without a record number (created from another extract's IIN column), the person
        takes this row's record number, so later extracts may refer to it; known under another
        record number, the row is rejected. Known outside the importing user's scope, the row
        is refused with the forms' neutral message and the attempt audited
        (``registry.identities``): the extract must neither take the person over nor tell
        that it exists.
        """
        keys = [row.values["iin"].pseudonym for row in rows if row.values["iin"]]
        known = {
            key: (pk, record_id)
            for key, pk, record_id in select_by_keys(
                Person, "iin_pseudonym", ["id", "source_record_id"], keys
            )
        }
        outside: dict[str, int] = {}
        if ctx.actor is not None and known:
            pks = {pk for pk, _record in known.values()}
            usable = persons_usable_by(ctx.actor, pks, permission=IMPORT_RECORDS)
            outside = {key: pk for key, (pk, _record) in known.items() if pk not in usable}
            for pk in sorted(set(outside.values())):
                audit_outside_scope(pk, actor=ctx.actor, source=ctx.source, bulk=True)
        accepted: list[Row] = []
        seen: set[str] = set()
        for row in rows:
            iin = row.values["iin"]
            if iin and iin.pseudonym in outside:
                result.reject(row, [Problem("iin", "", IIN_NOT_USABLE)])
                continue
            if iin and iin.pseudonym in known and known[iin.pseudonym][1] is None:
                Person.objects.filter(pk=known[iin.pseudonym][0]).update(
                    source=ctx.source, source_record_id=row.values["record_id"]
                )
                known[iin.pseudonym] = (known[iin.pseudonym][0], row.values["record_id"])
                result.accepted += 1
                continue
            if iin and (iin.pseudonym in known or iin.pseudonym in seen):
                problem = Problem("iin", shown(row.cells.get("iin")), PERSON_KNOWN_BY_IIN)
                result.reject(row, [problem])
                continue
            if iin:
                seen.add(iin.pseudonym)
            accepted.append(row)
        return accepted

    def insert(self, rows: list[Row], ctx: ImportContext) -> int:
        now = timezone.now()
        names = (
            "iin_pseudonym",
            *(f"{name}_token" for name in IDENTITY_FIELDS),
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

        def token(text: str | None) -> str:
            return encrypt_text(text) if text else ""

        data = [
            (
                row.values["iin"].pseudonym if row.values["iin"] else None,
                *(token(row.values[name]) for name in IDENTITY_FIELDS),
                *name_indexes(
                    surname=row.values["surname"] or "", first_name=row.values["first_name"] or ""
                ).values(),
                row.values["sex"],
                row.values["birth_date"],
                row.values["birth_year"],
                row.values["citizenship"],
                row.values["disability"],
                row.values["home_district_id"],
                ctx.source,
                row.values["record_id"],
                now,
                ctx.actor_id,
            )
            for row in rows
        ]
        return insert_rows(Person, attnames(Person, names), data)
