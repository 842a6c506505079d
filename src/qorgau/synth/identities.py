"""Identities of synthetic people: names, IINs and the spellings of each register.

Pure apart from the encryption of names (``lib.crypto``), which is the costly step: a
registry person's names are encrypted once per person; a sighting's names go through a
per-run cache of tokens, since the same spelling recurs thousands of times (see
``docs/synthetic-data.md``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from qorgau.lib.crypto import encrypt_text, pseudonym
from qorgau.registry.iin import iin_make
from qorgau.synth import names as nm
from qorgau.synth import spelling

# Share of people with a Russian name by region (northern regions more), else Kazakh.
RUSSIAN_NAME_SHARE = {
    "110000000": 0.40, "350000000": 0.40, "390000000": 0.45, "550000000": 0.45,
    "590000000": 0.55, "630000000": 0.50, "620000000": 0.20, "100000000": 0.25,
    "710000000": 0.20, "750000000": 0.25, "150000000": 0.15, "270000000": 0.20,
}  # fmt: skip
DEFAULT_RUSSIAN_SHARE = 0.05
SURNAME_STEMS = (nm.KAZAKH_SURNAMES, nm.RUSSIAN_SURNAMES)
MALE_NAMES = (nm.KAZAKH_MALE, nm.RUSSIAN_MALE)
FEMALE_NAMES = (nm.KAZAKH_FEMALE, nm.RUSSIAN_FEMALE)
SHARED_SURNAME = {"spouse", "parent", "child", "sibling", "former_spouse"}


@dataclass
class People:
    """Canonical names and IINs of a group of people, aligned arrays."""

    surname: list[str]
    first_name: list[str]
    patronymic: list[str]
    russian: np.ndarray
    iin: list[str]


class IinSerials:
    """Hands out a fresh serial for each (birth date, sex), so no IIN repeats within a run."""

    START = 7000

    def __init__(self) -> None:
        self._next: dict[tuple[dt.date, str], int] = defaultdict(lambda: self.START)

    def make(self, birth: dt.date, sex: str) -> str:
        while True:
            serial = self._next[(birth, sex)]
            self._next[(birth, sex)] = serial + 1
            iin = iin_make(birth, sex, serial % 10000)
            if iin is not None:
                return iin


def people_make(
    rng: np.random.Generator,
    sex: np.ndarray,
    births: list[dt.date],
    russian_share: float,
    serials: IinSerials,
    *,
    surname_of: np.ndarray | None = None,
    russian: np.ndarray | None = None,
) -> People:
    """Names and IINs; ``surname_of``/``russian`` make family members share a surname."""
    n = len(sex)
    if russian is None:
        russian = rng.random(n) < russian_share
    stem_pick = rng.integers(0, 10_000, n) if surname_of is None else surname_of
    first_pick = rng.integers(0, 10_000, n)
    father_pick = rng.integers(0, 10_000, n)
    kazakh_style = rng.random(n) < 0.3
    surnames, firsts, patronymics, iins = [], [], [], []
    for i in range(n):
        ru = int(russian[i])
        female = sex[i] == "F"
        stems = SURNAME_STEMS[ru]
        stem = stems[int(stem_pick[i]) % len(stems)]
        surnames.append(nm.female_surname(stem) if female else stem)
        given = FEMALE_NAMES[ru] if female else MALE_NAMES[ru]
        firsts.append(given[int(first_pick[i]) % len(given)])
        father = MALE_NAMES[ru][int(father_pick[i]) % len(MALE_NAMES[ru])]
        patronymics.append(
            nm.patronymic(father, sex[i], kazakh_style=bool(kazakh_style[i]) and not ru)
        )
        iins.append(serials.make(births[i], str(sex[i])))
    return People(surnames, firsts, patronymics, russian, iins)


def police_spelling(text: str, russian_form: bool) -> str:
    return nm.to_russian(text) if russian_form else text


def encrypt_person(surname: str, first_name: str, patronymic: str) -> tuple[str, str, str]:
    """Encrypt one registry person's names (a fresh token per field, as the registry does)."""
    return encrypt_text(surname), encrypt_text(first_name), encrypt_text(patronymic)


class TokenCache:
    """One Fernet token per distinct spelling within a run, for register sightings."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}
        self.encrypted = 0

    def token(self, text: str) -> str:
        if not text:
            return ""
        found = self._tokens.get(text)
        if found is None:
            found = self._tokens[text] = encrypt_text(text)
            self.encrypted += 1
        return found


# How each register writes people: (share written in Russian Cyrillic, share in Latin letters,
# typo rate, share with patronymic, share with full birth date, share with birth year only,
# share with IIN, share of IINs with a keying error, share of short first names).
REGISTER_STYLE = {
    "health": (0.5, 0.0, 0.03, 0.85, 0.95, 0.05, 0.85, 0.01, 0.0),
    "crisis_centre": (0.5, 0.0, 0.03, 0.5, 0.6, 0.4, 0.55, 0.0, 0.05),
    "line_111": (0.6, 0.25, 0.05, 0.1, 0.1, 0.5, 0.05, 0.0, 0.3),
    "social": (0.4, 0.0, 0.02, 0.95, 1.0, 0.0, 0.95, 0.005, 0.0),
}


@dataclass(frozen=True)
class Spelled:
    surname: str
    first_name: str
    patronymic: str
    birth_date: dt.date | None
    birth_year: int | None
    iin_pseudonym: str


def spell_for_register(
    rng: np.random.Generator,
    register: str,
    surname: str,
    first_name: str,
    patronymic: str,
    birth: dt.date,
    iin: str,
) -> Spelled:
    """The record a register keeps of a person: its own spelling, dates and IIN habits."""
    ru, latin, typo_rate, with_patronymic, full_date, year_only, with_iin, iin_error, short = (
        REGISTER_STYLE[register]
    )
    draws = rng.random(8)
    if draws[7] < short:
        first_name = nm.SHORT_FORMS.get(first_name, first_name)
    parts = [surname, first_name, patronymic if draws[0] < with_patronymic else ""]
    if draws[1] < latin:
        parts = [spelling.to_latin_variant(p, rng) for p in parts]
    elif draws[1] < latin + ru:
        parts = [nm.to_russian(p) for p in parts]
    if draws[2] < typo_rate:
        which = int(draws[3] * 2)
        slip = spelling.key_slip if draws[3] * 2 - which < 0.5 else nm.typo
        parts[which] = slip(parts[which], rng)
    birth_date = birth if draws[4] < full_date else None
    birth_year = birth.year if draws[4] < full_date + year_only else None
    iin_key = ""
    if draws[5] < with_iin:
        if draws[6] < iin_error:
            at = int(rng.integers(6, 11))
            iin = iin[:at] + str((int(iin[at]) + 1) % 10) + iin[at + 1 :]
        iin_key = pseudonym(iin, purpose="iin")
    return Spelled(parts[0], parts[1], parts[2], birth_date, birth_year, iin_key)


def truth_key(run_id: int, year: int, region: str, index: int) -> str:
    """A pseudonymous key of a true person, for evaluation only."""
    return pseudonym(f"{run_id}:{year}:{region}:{index}", purpose="synth-truth")[:24]
