"""Stored texts kept in the three interface languages, read in the active one."""

from __future__ import annotations

from django.utils.translation import get_language

LANGUAGE_CODES = ("kk", "ru", "en")


def active_language() -> str:
    """The active interface language's code (kk, ru or en); Kazakh outside a request."""
    language = (get_language() or "kk")[:2]
    return language if language in LANGUAGE_CODES else "kk"


def in_language(obj: object, field: str) -> str:
    """``obj.<field>_<language>`` for the active language, else ``obj.<field>`` as entered.

    Reference rows keep the text as entered in ``<field>`` and the translations beside it, so
    forms that know one name keep working while every reader sees his or her own language.
    """
    translated = getattr(obj, f"{field}_{active_language()}", "")
    return str(translated or getattr(obj, field) or "")
