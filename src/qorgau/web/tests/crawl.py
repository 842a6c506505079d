"""The crawl of every demo account's pages: what it walks and what it refuses on a page.

A walk-through of every demo account in the three languages found pages that answered 403 to
the account whose menu linked them; stored and synthetic content in one language whatever the
reader chose; choice codes (``high_risk``) and model labels (``registry.behaviourrequirement``)
printed as text; Python's ``None`` in cells; English ``m/d/Y`` or ISO dates on Kazakh and
Russian pages; years grouped like counts ("2 026", "1 990", a seed "20,240,101") and, in the
budget's year selector, option values carrying the group separator; "Run #:" with no number.
``walk`` visits the account's menu and the first links of each of its pages; ``problems``
names every such fault on one page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.test import Client
from django.utils import translation

from qorgau.accounts.models import Organisation, User
from qorgau.citizens.models import HelpService
from qorgau.coordination.models import CASE_REASONS, CoordinatingBody, ReferralKind
from qorgau.lib.phrases import known_phrases

SKIPPED = re.compile(r"/logout|/download|/chart/|/api/|/feed|\.(csv|xlsx|json|svg|png|pdf|ics)\b")
LINKS_PER_PAGE = 8
MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
ENGLISH_MONTH = re.compile(rf"\b(?:{MONTHS})\.? \d|\d (?:{MONTHS})\b")
SLASHED_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
ISO_DATE = re.compile(r"(?<![\w/-])\d{4}-\d{2}-\d{2}(?![\w-])")
# "None" as a value: alone in a cell or after a label; English prose ("None yet.") is not.
# In Kazakh and Russian every "None" is Python's.
NONE_AS_VALUE = re.compile(r"(?:^|[:|(>])\s*None\s*(?:$|[<|),;])", re.M)
NONE_ANYWHERE = re.compile(r"\bNone\b")
SNAKE = re.compile(r"(?<![\w./-])[a-z]+(?:_[a-z0-9]+)+(?![\w./-])")
GROUP = {"kk": "[ \u00a0\u202f]", "ru": "[ \u00a0\u202f]", "en": ","}
# a value in a form or a link: never grouped in any language
GROUPED_VALUE = re.compile(r'(?:value="|[?&](?:amp;)?\w+=)\d{1,3}(?:[ \u00a0\u202f,]\d{3})+(?!\d)')
# "Run #:", "№ есептеу": a number sign followed, on its line, by anything but a number (a
# table's "№" column heading stands alone in its cell)
MISSING_NUMBER = re.compile(r"(?:#|№)[ \t]*(?=[:,.;)]|[^\W\d])")
PERSON_PAGES = re.compile(r"/(registry|linkage|coordination|programmes)/")


@dataclass(frozen=True)
class Visited:
    path: str
    status: int
    page: str  # the HTML ("" for another kind of answer)


@dataclass(frozen=True)
class Expectations:
    """What a page of one language must not show, gathered once per walk from the data."""

    language: str
    codes: set[str]
    labels: re.Pattern[str]
    foreign: set[str]
    years: set[int]  # reporting years, grouped nowhere
    person_years: set[int]  # and birth years, on the pages of persons


def client_for(username: str | None, language: str) -> Client:
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    client.cookies["qorgau_language"] = language
    return client


def walk(client: Client, start: tuple[str, ...] = ()) -> Iterator[Visited]:
    """The menu's pages (or ``start``) and the first links of each page's own content.

    Redirects are followed: a link that lands on the sign-in page or an error is reported by
    the status it ends on.
    """
    queue = list(start)
    if not queue:
        menu = re.search(r'<nav class="menu".*?</nav>', client.get("/").content.decode(), re.S)
        assert menu, "the home page has a menu"
        queue = ["/", *re.findall(r'href="(/[^"#]*)"', menu.group(0))]
    seen: set[str] = set()
    for depth in (0, 1):
        following: list[str] = []
        for link in queue:
            path = html.unescape(link)
            if path in seen or SKIPPED.search(path):
                continue
            seen.add(path)
            response = client.get(path, follow=True)
            if response.redirect_chain and "/accounts/login/" in response.redirect_chain[-1][0]:
                yield Visited(path, 401, "")
                continue
            is_html = "html" in response.get("Content-Type", "")
            page = response.content.decode() if is_html else ""
            yield Visited(path, response.status_code, page)
            if depth == 0 and page:
                main = page[page.find("<main") :]  # the page's own links, not the menu's
                following += re.findall(r'href="(/[^"#]*)"', main)[:LINKS_PER_PAGE]
        queue = following


def expectations(language: str, years: set[int], person_years: set[int]) -> Expectations:
    return Expectations(
        language=language,
        codes=_choice_codes(),
        labels=_model_labels(),
        foreign=_foreign(language),
        years=years,
        person_years=person_years,
    )


def problems(visited: Visited, expected: Expectations) -> list[str]:
    """Every fault of one page, each named with what the page showed around it."""
    if visited.status >= 400:
        return [f"answered {visited.status}"]
    if not visited.page:
        return []
    years = expected.person_years if PERSON_PAGES.match(visited.path) else expected.years
    return [
        *_language_problems(visited.page, expected),
        *_number_problems(visited.page, expected.language, years),
    ]


def _language_problems(page: str, expected: Expectations) -> list[str]:
    text = _visible_text(page)
    found = [f"None in {_around(text, m.start(), m.end())!r}" for m in NONE_AS_VALUE.finditer(text)]
    found += [f"code {m.group(0)!r}" for m in SNAKE.finditer(text) if m.group(0) in expected.codes]
    found += [f"model label {m.group(0)!r}" for m in expected.labels.finditer(text)]
    found += [f"m/d/Y date {m.group(0)!r}" for m in SLASHED_DATE.finditer(text)]
    found += [f"ISO date in {_around(text, m.start(), m.end())!r}" for m in ISO_DATE.finditer(text)]
    if expected.language != "en":
        found += [f"English date {m.group(0)!r}" for m in ENGLISH_MONTH.finditer(text)]
    cells = {line.strip() for line in text.splitlines()}
    found += [f"{expected.language} page shows {t!r}" for t in expected.foreign & cells]
    return found


def _number_problems(page: str, language: str, years: set[int]) -> list[str]:
    text = _words(page)
    sep = GROUP[language]
    # a four-digit number grouped, not a group of a longer one ("12 345", "1 234 567")
    grouped = re.findall(rf"(?<![\d.,])(?<!\d{sep})([12]){sep}(\d{{3}})(?!{sep}?\d)", text)
    found = [f"year {a}{b} grouped" for a, b in grouped if int(a + b) in years]
    found += [f"grouped value {m!r}" for m in GROUPED_VALUE.findall(page)]
    if language != "en":
        found += [
            f"None as text in {_around(text, m.start(), m.end())!r}"
            for m in NONE_ANYWHERE.finditer(text)
        ]
    found += [f"number missing after {m!r}" for m in MISSING_NUMBER.findall(text)]
    return found


def _visible_text(page: str) -> str:
    """The page's visible words, a line per cell: no scripts, styles, code, preformatted files
    or form controls' lists, and no passage marked as written in another language (a rating
    method's reasoning, a legal rule's cited source are meant so)."""
    shown = re.sub(r"<(script|style|pre|code|textarea|select)\b.*?</\1>", " ", page, flags=re.S)
    shown = re.sub(
        r"<(p|div|section|cite)\b[^>]*\blang=\"[^\"]*\"[^>]*>.*?</\1>", " ", shown, flags=re.S
    )
    shown = re.sub(r"<(td|th|li|p|dd|dt|h\d|option|br)\b", "\n<", shown)
    return html.unescape(re.sub(r"<[^>]+>", " ", shown))


def _words(page: str) -> str:
    """Every word outside scripts and preformatted files, options included: a year selector's
    options are where a grouped year did harm."""
    shown = re.sub(r"<(script|pre)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", shown))


def _around(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - 50) : end + 30].split())


def _choice_codes() -> set[str]:
    """Every stored code of a choice field (and a case's reasons) that has an underscore."""
    codes = {code for code in CASE_REASONS if "_" in code}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and "_" in value:
                    codes.add(value)
    return codes


def _model_labels() -> re.Pattern[str]:
    labels = sorted((m._meta.label_lower for m in apps.get_models()), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(label) for label in labels) + r")\b")


def _foreign(language: str) -> set[str]:
    """Reference texts of other languages that must not stand on a page in ``language``: the
    names of referral kinds, organisations, coordinating bodies and help-directory entries, and
    the synthetic phrases
    whose translation exists."""
    found: set[str] = set()
    rows: list[Any] = [
        *ReferralKind.objects.all(),
        *Organisation.objects.all(),
        *CoordinatingBody.objects.all(),
        *HelpService.objects.all(),
    ]
    for row in rows:
        own = getattr(row, f"name_{language}")
        found |= {n for n in (row.name_kk, row.name_ru, row.name_en) if n and n != own}
    if language != "en":
        with translation.override(language):
            found |= {p for p in known_phrases() if translation.gettext(p) != p}
    return {text for text in found if len(text) > 8}
