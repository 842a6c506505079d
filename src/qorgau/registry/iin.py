"""The Kazakh individual identification number (IIN, ЖСН / ИИН).

Twelve digits: ``YYMMDD`` date of birth, one digit for century and sex (1/2: 1800s man/woman,
3/4: 1900s, 5/6: 2000s), a four-digit serial, and a check digit. The check digit is
``sum(d_i * i for i in 1..11) mod 11``; when that is 10 it is recomputed with the weights
3, 4, ..., 11, 1, 2; when that is 10 too, the number is never issued.

What the check digit catches (see ``tests/test_iin.py``, which verifies each clause):

* a change of the check digit itself, always;
* a change of one of digits 1–10, unless it moves the computation from one pass to the other
  and the other pass happens to give the same check digit (about 1.7% of such changes);
* a change of digit 11 only when the first-pass sum is 10: its first-pass weight, 11, is 0
  modulo 11. Most single errors in the 11th digit are therefore invisible to the checksum.

Source: the algorithm published on egov.kz, as implemented in several independent validators
(see ``docs/registry.md``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

FIRST_WEIGHTS = tuple(range(1, 12))
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
CENTURY_BASE = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


class IinError(ValueError):
    """An IIN that cannot be right, with a reason a clerk can act on."""


@dataclass(frozen=True)
class IinFacts:
    birth_date: dt.date
    sex: str  # "M" or "F"


def first_pass_sum(first11: str) -> int:
    return sum(int(d) * w for d, w in zip(first11, FIRST_WEIGHTS, strict=True)) % 11


def check_digit(first11: str) -> int | None:
    """The check digit for the first 11 digits, or ``None`` when such a number is never issued."""
    total = first_pass_sum(first11)
    if total == 10:
        total = sum(int(d) * w for d, w in zip(first11, SECOND_WEIGHTS, strict=True)) % 11
        if total == 10:
            return None
    return total


def iin_parse(value: str) -> IinFacts:
    """Validate an IIN and return the birth date and sex it encodes; raise :class:`IinError`."""
    iin = value.strip()
    if len(iin) != 12 or not iin.isascii() or not iin.isdigit():
        raise IinError(_("An IIN has exactly 12 digits."))
    century_sex = int(iin[6])
    if century_sex not in CENTURY_BASE:
        raise IinError(_("The 7th digit of an IIN (century and sex) must be 1 to 6."))
    year = CENTURY_BASE[century_sex] + int(iin[0:2])
    try:
        birth_date = dt.date(year, int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise IinError(_("The first six digits of the IIN are not a real date of birth.")) from None
    expected = check_digit(iin[:11])
    if expected is None:
        raise IinError(_("No IIN is issued with these first 11 digits."))
    if expected != int(iin[11]):
        raise IinError(_("The check digit of the IIN does not match: a digit is mistyped."))
    return IinFacts(birth_date=birth_date, sex="M" if century_sex % 2 else "F")


def iin_make(birth_date: dt.date, sex: str, serial: int) -> str | None:
    """The IIN for a birth date, sex ("M"/"F") and 4-digit serial; ``None`` if never issued."""
    century = {1800: 1, 1900: 3, 2000: 5}[birth_date.year // 100 * 100] + (0 if sex == "M" else 1)
    first11 = f"{birth_date:%y%m%d}{century}{serial:04d}"
    digit = check_digit(first11)
    return None if digit is None else f"{first11}{digit}"
