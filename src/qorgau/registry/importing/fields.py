"""Parsers of single cells: text from a CSV file or typed values from an XLSX sheet.

Every parser takes whatever a reader produced (``str``, ``int``, ``float``, ``bool``, a date or
a datetime) and returns a Python value or raises :class:`CellError` with a reason a clerk can
act on. They never raise anything else, whatever the input (property-tested), so one odd cell
rejects one row and never stops an import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from operator import mul
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qorgau.lib.crypto import pseudonym_rekey
from qorgau.registry.iin import CENTURY_BASE, IinError, IinFacts, iin_parse

Reason = str | Promise

NOT_A_DATE = _("Not a date: write YYYY-MM-DD or DD.MM.YYYY.")
NOT_A_DATETIME = _("Not a date and time: write YYYY-MM-DD HH:MM (ISO 8601) or DD.MM.YYYY HH:MM.")
NOT_A_BOOLEAN = _("Write 1 or 0 (yes or no).")
NOT_A_NUMBER = _("Not a whole number.")
NUMBER_OUT_OF_RANGE = _("The number must be between %(min)s and %(max)s.")
UNKNOWN_CODE = _("Unknown value; allowed: %(codes)s.")
TOO_LONG = _("At most %(max)s characters.")
NOT_A_KATO_CODE = _("A KATO code has 9 digits.")
REQUIRED = _("This column is required.")
YEAR_OUT_OF_RANGE = _("The year must be between %(min)s and %(max)s.")
NOT_AN_IIN = _("An IIN has exactly 12 digits.")  # the wording of qorgau.registry.iin
MIN_YEAR, MAX_YEAR = 1900, 2100


class CellError(ValueError):
    """A cell that cannot be read; ``reason`` is shown to the user (translated lazily)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class IinValue:
    """A valid IIN reduced to what may be kept: its pseudonym and the facts it encodes."""

    pseudonym: str
    facts: IinFacts


def _text(value: object) -> str:
    """A cell as text; whole floats from a spreadsheet lose their ``.0``."""
    if value.__class__ is str:  # a CSV cell: the common case, first
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_text(max_length: int) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = _text(value)
        if len(text) > max_length:
            raise CellError(TOO_LONG % {"max": max_length})
        return text

    return parse


def parse_date(value: object) -> dt.date:
    """ISO ``YYYY-MM-DD`` or ``DD.MM.YYYY``; a spreadsheet date (or midnight datetime) as is."""
    day = _date(value)
    _in_range(day)
    return day


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise CellError(NOT_A_DATE)
    text = value.strip()
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return dt.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
        if len(text) == 10 and text[2] == "." and text[5] == ".":
            return dt.date(int(text[6:10]), int(text[3:5]), int(text[0:2]))
    except (ValueError, OverflowError):
        pass
    raise CellError(NOT_A_DATE)


def _in_range(day: dt.date) -> None:
    """Years far off are typing errors, and would overflow time-zone arithmetic later."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise CellError(YEAR_OUT_OF_RANGE % {"min": MIN_YEAR, "max": MAX_YEAR})


def _dotted_datetime(text: str) -> dt.datetime:
    """``DD.MM.YYYY[ HH:MM[:SS]]``, the form Russian-locale spreadsheets write."""
    day_part, _sep, time_part = text.partition(" ")
    day = parse_date(day_part)
    if not time_part:
        return dt.datetime(day.year, day.month, day.day)
    clock = dt.time.fromisoformat(time_part.strip())
    return dt.datetime.combine(day, clock)


def parse_datetime(zone: ZoneInfo) -> Callable[[object], dt.datetime]:
    """ISO 8601 (``T`` or a space, seconds and offset optional) or ``DD.MM.YYYY HH:MM``.

    A time without an offset is a local time in ``zone``; a date alone means midnight.
    """

    def parse(value: object) -> dt.datetime:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            text = value.strip()
            try:
                if len(text) >= 10 and text[2:3] == "." and text[5:6] == ".":
                    moment = _dotted_datetime(text)
                elif len(text) >= 10 and text[4:5] == "-":
                    moment = dt.datetime.fromisoformat(text)
                else:
                    raise CellError(NOT_A_DATETIME)
            except (ValueError, OverflowError, IndexError):
                raise CellError(NOT_A_DATETIME) from None
        else:
            raise CellError(NOT_A_DATETIME)
        _in_range(moment)
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment

    return parse


_TRUE = frozenset({"1", "true", "t", "yes", "y", "да", "д", "иә", "ия", "+", "x"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "нет", "н", "жоқ", "-"})


def parse_bool(value: object) -> bool:
    """1/0, true/false, yes/no (also in Russian and Kazakh), or a spreadsheet boolean."""
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(NOT_A_BOOLEAN)


def parse_int(minimum: int, maximum: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, bool):
            raise CellError(NOT_A_NUMBER)
        text = _text(value)
        digits = text[1:] if text.startswith("-") else text  # one sign at most: "--0" is not
        if not (digits.isascii() and digits.isdigit()) or len(text) > 12:
            raise CellError(NOT_A_NUMBER)
        number = int(text)
        if not minimum <= number <= maximum:
            raise CellError(NUMBER_OUT_OF_RANGE % {"min": minimum, "max": maximum})
        return number

    return parse


def parse_choice(choices: type[models.TextChoices]) -> Callable[[object], str]:
    """A code of a controlled list (case-insensitive), as the page forms offer them."""
    allowed = {str(code).lower(): str(code) for code in choices.values}
    listing = ", ".join(str(code) for code in choices.values)

    def parse(value: object) -> str:
        code = allowed.get(_text(value).lower())
        if code is None:
            raise CellError(UNKNOWN_CODE % {"codes": listing})
        return code

    setattr(parse, "codes", listing)  # for the documentation tables  # noqa: B010
    return parse


def split_list(value: object) -> list[str]:
    """Items of a list cell, separated by ``;`` (or ``,``), blanks dropped."""
    text = _text(value).replace(",", ";")
    return [item.strip() for item in text.split(";") if item.strip()]


def parse_codes(choices: type[models.TextChoices]) -> Callable[[object], list[str]]:
    """A ``;``-separated list of codes; order kept, repeats dropped."""
    one = parse_choice(choices)

    def parse(value: object) -> list[str]:
        return list(dict.fromkeys(one(item) for item in split_list(value)))

    setattr(parse, "codes", getattr(one, "codes", ""))  # noqa: B010
    return parse


@lru_cache(maxsize=4)
def _iin_hmac(key: str) -> Any:
    """HMAC-SHA256 under ``key`` with the ``iin:`` prefix already absorbed (copied per IIN).

    Gives exactly :func:`qorgau.registry.services.iin_pseudonym` (``pseudonym(iin,
    purpose="iin")``, the HMAC of ``"iin:<digits>"``) without re-deriving the keyed state and
    formatting the message for every IIN; a test holds the two equal.
    """
    return hmac.new(key.encode("utf-8"), b"iin:", hashlib.sha256)


_PSEUDONYM_SETTINGS = frozenset({"QORGAU_PSEUDONYM_KEY", "QORGAU_PSEUDONYM_REKEY_KEYS"})
_pseudonym_state: tuple[Any, tuple[str, ...]] | None = None


def _iin_keys() -> tuple[Any, tuple[str, ...]]:
    """The keyed HMAC state and the re-keying chain, read from the settings once.

    Reading ``settings`` costs a lazy-object look-up per attribute, twice per IIN, a few per
    cent of an import; the pair is kept until a setting changes (``override_settings`` and the
    test ``settings`` fixture say so through ``setting_changed``; production settings do not
    change while the process runs).
    """
    global _pseudonym_state
    if _pseudonym_state is None:
        _pseudonym_state = (
            _iin_hmac(settings.QORGAU_PSEUDONYM_KEY),
            tuple(settings.QORGAU_PSEUDONYM_REKEY_KEYS),
        )
    return _pseudonym_state


@receiver(setting_changed)
def _forget_iin_keys(*, setting: str, **kwargs: Any) -> None:
    global _pseudonym_state
    if setting in _PSEUDONYM_SETTINGS:
        _pseudonym_state = None


_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_ASCII_ZERO_1, _ASCII_ZERO_2 = 48 * sum(_WEIGHTS_1), 48 * sum(_WEIGHTS_2)


def _fast_iin_facts(text: str) -> IinFacts | None:
    """The facts of a valid IIN, the arithmetic of :func:`qorgau.registry.iin.iin_parse`
    on the ASCII bytes (weighted sums in C); ``None`` for anything it would refuse (the caller
    then asks it why)."""
    if len(text) != 12 or not text.isascii() or not text.isdigit():
        return None
    raw = text.encode("ascii")
    century_sex = raw[6] - 48
    base = CENTURY_BASE.get(century_sex)
    if base is None:
        return None
    try:
        birth_date = dt.date(base + int(text[0:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None
    total = (sum(map(mul, raw, _WEIGHTS_1)) - _ASCII_ZERO_1) % 11
    if total == 10:
        total = (sum(map(mul, raw, _WEIGHTS_2)) - _ASCII_ZERO_2) % 11
        if total == 10:
            return None
    if total != raw[11] - 48:
        return None
    return IinFacts(birth_date=birth_date, sex="M" if century_sex % 2 else "F")


def parse_iin(value: object) -> IinValue:
    """A valid IIN, returned as its pseudonym and encoded facts; the number itself is dropped.

    A spreadsheet may have turned the IIN into a number and lost its leading zero (people born
    in 2000-2009): a number of up to 12 digits is padded back.
    """
    if value.__class__ is str:
        text = value.strip()
    elif isinstance(value, bool):
        raise CellError(NOT_AN_IIN)
    elif isinstance(value, int | float):
        text = _text(value)
        if text.isdigit() and len(text) < 12:
            text = text.zfill(12)
    else:
        text = _text(value)
    facts = _fast_iin_facts(text)
    if facts is None:
        try:
            facts = iin_parse(text)  # says why the number is refused
        except IinError as exc:
            raise CellError(exc.args[0] if exc.args else str(exc)) from None
    keyed, chain = _iin_keys()
    digest = keyed.copy()
    digest.update(text.encode("ascii"))
    return IinValue(pseudonym_rekey(digest.hexdigest(), chain), facts)


def parse_iin_list(value: object) -> list[IinValue]:
    return [parse_iin(item) for item in split_list(value)]


def parse_id_list(value: object) -> list[str]:
    ids = split_list(value)
    for item in ids:
        if len(item) > 64:
            raise CellError(TOO_LONG % {"max": 64})
    return ids


def parse_kato(value: object) -> str:
    text = _text(value)
    if isinstance(value, int) and not isinstance(value, bool) and text.isdigit():
        text = text.zfill(9)
    if len(text) != 9 or not text.isascii() or not text.isdigit():
        raise CellError(NOT_A_KATO_CODE)
    return text


_record_id_text = parse_text(64)


def parse_record_id(value: object) -> str:
    return _record_id_text(value)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
