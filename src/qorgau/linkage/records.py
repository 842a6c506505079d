"""The linkage input: one row per register record, with name keys, and the rule deciding which
records can be linked at all.

**Identifiability.** A record enters linkage only when it carries enough to tell one person from
another (:func:`identifiable`). A record that gives, say, only a first name ("Гуля called from
Aktobe") matches hundreds of women equally well: no linkage can say whom it belongs to, and
counting it as a person of its own would add a victim for every such call. Such records are left
out of linkage and out of the capture histories, and counted per register on the run, so that
the estimate is one of *distinct identifiable victims* (docs/linkage.md, "Identifiability").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from qorgau.linkage import names

_surname = lru_cache(maxsize=200_000)(names.surname_key)
_first = lru_cache(maxsize=200_000)(names.first_name_key)
_patronymic = lru_cache(maxsize=200_000)(names.patronymic_key)


def identifiable(
    *, iin: str | None, surname: str | None, first_name: str | None, birth_date: Any
) -> bool:
    """Whether a record can be told apart from other persons' records — THE rule, used by the
    run and documented in docs/linkage.md.

    A record is identifiable when it carries

    * an IIN (its pseudonym), or
    * both a surname and a first name, or
    * a surname or a first name together with a full date of birth (day, month and year).

    ``surname`` and ``first_name`` are the name *keys* (:mod:`qorgau.linkage.names`): a name
    that keeps no letter once normalised ("-", "?") is no name. A year of birth alone does not
    count as a date, nor does a patronymic count as a name: "Гүлнар, born 1985" or "Гүлнар
    Нұрланқызы" fit too many women of a region.
    """
    if iin:
        return True
    if surname and first_name:
        return True
    return bool((surname or first_name) and birth_date)


def _name_pair(surname: str, first_name: str) -> str | None:
    """Both names as one key whatever field each was written in, so that a record with the
    surname and the first name swapped meets the person's other records.

    Both are read as surnames (the feminine ending folded) and sorted: Токтарова Баян and Баян
    Токтарова both give "baian|toktarov". Short forms are not read here — a short form that
    only matches after folding (Галя, Ғалия) must not pass as a swap.
    """
    keys = sorted((_surname(surname), _surname(first_name)))
    return "|".join(keys) if all(keys) else None


@dataclass
class Records:
    """The linkage input as aligned columns (cheaper than a million objects).

    Only identifiable records are kept (:func:`identifiable`); the others are counted per
    register in ``unidentifiable``.
    """

    register: list[str] = field(default_factory=list)
    source_id: list[int] = field(default_factory=list)
    region_code: list[str] = field(default_factory=list)
    district_code: list[str | None] = field(default_factory=list)
    year: list[int] = field(default_factory=list)
    iin: list[str | None] = field(default_factory=list)
    surname: list[str | None] = field(default_factory=list)
    first_name: list[str | None] = field(default_factory=list)
    name_pair: list[str | None] = field(default_factory=list)
    patronymic: list[str | None] = field(default_factory=list)
    sex: list[str | None] = field(default_factory=list)
    birth_date: list[str | None] = field(default_factory=list)
    birth_year: list[int | None] = field(default_factory=list)
    truth: list[str | None] = field(default_factory=list)
    unidentifiable: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.register)

    def add(
        self,
        *,
        register: str,
        source_id: int,
        region_code: str,
        district_code: str | None,
        year: int,
        iin: str | None,
        surname: str,
        first_name: str,
        patronymic: str,
        sex: str,
        birth_date: dt.date | None,
        birth_year: int | None,
        truth: str | None,
    ) -> bool:
        """Add one record with its name keys; ``False`` (and counted) when not identifiable."""
        surname_key = _surname(surname) or None
        first_key = _first(first_name) or None
        if not identifiable(
            iin=iin, surname=surname_key, first_name=first_key, birth_date=birth_date
        ):
            self.unidentifiable[register] = self.unidentifiable.get(register, 0) + 1
            return False
        self.register.append(register)
        self.source_id.append(source_id)
        self.region_code.append(region_code)
        self.district_code.append(district_code or None)
        self.year.append(year)
        self.iin.append(iin or None)
        self.surname.append(surname_key)
        self.first_name.append(first_key)
        self.name_pair.append(_name_pair(surname, first_name))
        self.patronymic.append(_patronymic(patronymic) or None)
        self.sex.append(sex if sex in ("F", "M") else None)
        self.birth_date.append(birth_date.isoformat() if birth_date else None)
        self.birth_year.append(birth_year or (birth_date.year if birth_date else None))
        self.truth.append(truth or None)
        return True

    def by_register(self) -> dict[str, int]:
        """Identifiable records per register."""
        counts: dict[str, int] = defaultdict(int)
        for register in self.register:
            counts[register] += 1
        return dict(counts)

    def frame(self) -> Any:
        """The Splink input table (pandas): keys, birth, sex, place; whether the record has
        an IIN (``has_iin``: the pairs it decides are not scored), not the IIN itself; no
        truth."""
        import pandas as pd

        return pd.DataFrame(
            {
                "unique_id": range(len(self)),
                "surname": self.surname,
                "first_name": self.first_name,
                "name_pair": self.name_pair,
                "patronymic": self.patronymic,
                "birth_date": self.birth_date,
                "birth_year": pd.array(self.birth_year, dtype="Int64"),
                "sex": self.sex,
                "region_code": self.region_code,
                "district_code": self.district_code,
                "has_iin": [bool(iin) for iin in self.iin],
            }
        )
