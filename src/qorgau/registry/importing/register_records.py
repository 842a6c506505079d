"""Records of the registers outside the police: the ``register-records`` extract.

A health facility, a crisis centre, the 111 line or a social-services department lists the
people it saw, one row per person and day, in its own spelling. These are the other lists of
the hidden-violence estimate, so a row is kept even when it says little (the 111 line often
knows only a first name): only what would mislead the linkage or the estimate is refused — a
day in the future, a district that did not exist that day, a birth after the day, dates that
disagree, an IIN that fails its checksum.

Which register a file comes from is said once for the file (``--register``, the page's
*Register* select), not per row: one file, one register, one permission.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _

from qorgau.registry import choices as c
from qorgau.registry.importing.fields import (
    IinValue,
    Reason,
    parse_choice,
    parse_date,
    parse_iin,
    parse_int,
    parse_kato,
    parse_record_id,
    parse_text,
)
from qorgau.registry.importing.spec import Column, ImportContext, KindSpec, Problem, Row
from qorgau.registry.intake import RegisterRecordDraft, register_records_store
from qorgau.registry.models import ImportJob, Register, RegisterRecord
from qorgau.registry.services import IN_FUTURE

REGISTER_REQUIRED = _("Say which register the records come from: %(registers)s.")
UNKNOWN_REGISTER = _("Unknown register “%(register)s”; allowed: %(registers)s.")
REGISTER_ONLY_FOR_RECORDS = _(
    "A register is named only for records of other registers (register-records)."
)
BORN_AFTER_SEEN = _("The date of birth is after the day the register saw the person.")
YEAR_DIFFERS_FROM_DATE = _("The year of birth differs from the year of the date of birth.")


def register_problem(kind: str, register: str) -> Reason | None:
    """Why ``register`` does not go with an extract of ``kind``, or ``None`` when it does.

    Every way in (command, page, API) and the engine itself ask, so a file of records can
    never be stored without its register, nor a police extract with one.
    """
    registers = ", ".join(Register.values)
    if kind != ImportJob.Kind.REGISTER_RECORDS:
        return REGISTER_ONLY_FOR_RECORDS if register else None
    if not register:
        return REGISTER_REQUIRED % {"registers": registers}
    if register not in Register.values:
        return UNKNOWN_REGISTER % {"register": register[:40], "registers": registers}
    return None


_name_text = parse_text(200)


def parse_name(value: object) -> str:
    """A name as the register spelt it (Kazakh or Russian Cyrillic, or Latin), composed.

    Spellings are not corrected here (linkage compares them); only the Unicode form and the
    spaces are made uniform, so that "Әлия" typed with a combining mark and "Әлия" typed as
    one letter are one spelling.
    """
    return " ".join(unicodedata.normalize("NFC", _name_text(value)).split())


def _name_column(name: str, example: str, meaning: str) -> Column:
    return Column(
        name,
        parse_name,
        format="text: Kazakh or Russian Cyrillic, or Latin",
        example=example,
        meaning=f"{meaning} May be empty. Encrypted.",
    )


class RegisterRecordsSpec(KindSpec):
    """Persons as a register outside the police saw them, one row per person and day."""

    kind = ImportJob.Kind.REGISTER_RECORDS.value
    model = RegisterRecord
    columns: ClassVar[tuple[Column, ...]] = (
        Column(
            "record_id",
            parse_record_id,
            required=True,
            format="text, up to 64 characters",
            example="CC-2024-0042",
            meaning="Number of the record in the source register; the key that makes re-runs safe.",
        ),
        Column(
            "seen_on",
            parse_date,
            required=True,
            format="date",
            example="2024-03-06",
            meaning="The day the register saw the person (visit, call, admission); not in the "
            "future.",
        ),
        Column(
            "district",
            parse_kato,
            required=True,
            format="KATO code (9 digits), version of `seen_on`",
            example="101000000",
            meaning="District or city administration of the service, as it existed on "
            "`seen_on`; within the importing user's territory (an organisation's user: the "
            "organisation's).",
        ),
        Column(
            "iin",
            parse_iin,
            format="12 digits, checksum verified",
            example="900101400011",
            meaning="IIN; only its keyed pseudonym is stored. Its birth date and sex win over "
            "`birth_date`, `birth_year` and `sex`.",
        ),
        _name_column("surname", "Ахметова", "Surname."),
        _name_column("first_name", "Әлия", "First name (the 111 line often has only this)."),
        _name_column("patronymic", "Серікқызы", "Patronymic."),
        Column(
            "sex",
            parse_choice(c.Sex),
            default=c.Sex.UNKNOWN,
            format="F, M or U",
            example="F",
            meaning="Sex.",
        ),
        Column(
            "birth_date",
            parse_date,
            format="date",
            example="1990-01-01",
            meaning="Date of birth; not after `seen_on`.",
        ),
        Column(
            "birth_year",
            parse_int(1900, 2100),
            format="year",
            example="1990",
            meaning="When only the year is known; if both are given, the year of `birth_date`.",
        ),
        Column(
            "injury",
            parse_choice(c.InjurySeverity),
            default="",
            format="code",
            example="light",
            meaning="Harm to health the register recorded; empty when it did not record it.",
        ),
    )

    def check(self, values: dict[str, Any], ctx: ImportContext) -> list[Problem]:
        seen_on: dt.date = values["seen_on"]
        problems = [
            self.not_future(values, "seen_on", ctx),
            self.district(values, seen_on, ctx),
            self._year_agrees(values),
        ]
        self._identity_from_iin(values)
        problems.append(self._born_by(values, seen_on, ctx))
        return [problem for problem in problems if problem]

    @staticmethod
    def _year_agrees(values: dict[str, Any]) -> Problem | None:
        """The columns as written must agree (before an IIN overrules them both)."""
        birth_date, birth_year = values["birth_date"], values["birth_year"]
        if birth_date is not None and birth_year is not None and birth_date.year != birth_year:
            return Problem("birth_year", str(birth_year), YEAR_DIFFERS_FROM_DATE)
        return None

    @staticmethod
    def _identity_from_iin(values: dict[str, Any]) -> None:
        """An IIN's birth date and sex win over the columns, as for persons."""
        iin: IinValue | None = values["iin"]
        if iin is not None:
            values["birth_date"], values["sex"] = iin.facts.birth_date, iin.facts.sex
        if values["birth_date"] is not None:
            values["birth_year"] = values["birth_date"].year

    @staticmethod
    def _born_by(values: dict[str, Any], seen_on: dt.date, ctx: ImportContext) -> Problem | None:
        """A person is born before the register sees her or him, and not in the future.

        The problem names the column the birth came from: the IIN, the date or the year.
        """
        birth_date: dt.date | None = values["birth_date"]
        birth_year: int | None = values["birth_year"]
        if values["iin"] is not None:
            column = "iin"
        else:
            column = "birth_date" if birth_date is not None else "birth_year"
        if birth_date is not None:
            shown_value = birth_date.isoformat()
            future, after = birth_date > ctx.today, birth_date > seen_on
        elif birth_year is not None:
            shown_value = str(birth_year)
            future, after = birth_year > ctx.today.year, birth_year > seen_on.year
        else:
            return None
        if future:
            return Problem(column, shown_value, IN_FUTURE)
        if after:
            return Problem(column, shown_value, BORN_AFTER_SEEN)
        return None

    def insert(self, rows: list[Row], ctx: ImportContext) -> int:
        drafts = [self._draft(row.values, ctx) for row in rows]
        return len(register_records_store(drafts, source=ctx.source, actor_id=ctx.actor_id))

    @staticmethod
    def _draft(values: dict[str, Any], ctx: ImportContext) -> RegisterRecordDraft:
        iin: IinValue | None = values["iin"]
        return RegisterRecordDraft(
            register=ctx.register,
            record_id=values["record_id"],
            district_id=values["district_id"],
            seen_on=values["seen_on"],
            iin_pseudonym=iin.pseudonym if iin else "",
            surname=values["surname"] or "",
            first_name=values["first_name"] or "",
            patronymic=values["patronymic"] or "",
            sex=values["sex"],
            birth_date=values["birth_date"],
            birth_year=values["birth_year"],
            injury=values["injury"],
            organisation_id=ctx.organisation_id,
        )
