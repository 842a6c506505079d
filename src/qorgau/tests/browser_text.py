"""What a browser test of a role's work checks about the page's language.

The tests pick elements by ids, names and addresses, never by English text, so that one test
runs in Kazakh, Russian and English; the language itself is asserted here: the page says it
is in that language (``html[lang]``) and shows a heading in it, as the catalogue translates it.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

LANGUAGES = ("kk", "ru", "en")


def translated(text: str, language: str) -> str:
    """``text`` (an English msgid) as the interface shows it in ``language``."""
    with translation.override(language):
        return translation.gettext(text)


def assert_in_language(page: Any, language: str, heading: str, selector: str = "h1") -> None:
    """The page is in ``language``: so it says, and ``selector`` shows ``heading`` translated.

    A Kazakh or Russian page that showed the English heading would pass a plain comparison
    with a missing translation; such a heading fails here instead.
    """
    assert page.get_attribute("html", "lang") == language
    expected = translated(heading, language)
    if language != "en":
        assert expected != heading, f"{heading!r} has no {language} translation"
    shown = page.inner_text(selector)
    assert expected in shown, f"{expected!r} not in {shown!r}"
