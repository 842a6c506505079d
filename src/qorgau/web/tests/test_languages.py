"""Pages speak the reader's language: no Python ``None``, no raw codes, no model names, and
dates written the language's way.

A walk-through of every demo account in the three languages found stored and synthetic
content in one language whatever the reader chose, choice codes (``high_risk``) and model
labels (``registry.behaviourrequirement``, ``accounts.user #11``) printed as text, Python's
``None`` in cells and English ``m/d/Y`` or ISO dates on Kazakh and Russian pages. The crawl
walks the main pages of several roles, and the citizen portal, over a small synthetic
country in kk, ru and en, and fails on any of them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation

from qorgau.accounts.models import Organisation, User
from qorgau.conftest import audit_trail_clear
from qorgau.coordination.models import CASE_REASONS, CoordinatingBody, ReferralKind
from qorgau.lib.phrases import known_phrases

THIS_YEAR = timezone.localdate().year
ROLES = ("admin", "auditor", "coordinator.abai", "court.abai", "health.semey", "provider.semey")
LANGUAGES = ("kk", "ru", "en")
PORTAL = ("/portal/", "/portal/help/", "/portal/activities/", "/portal/statistics/")
SKIPPED = re.compile(r"/logout|/download|/chart/|/api/|/feed|\.(csv|xlsx|json|svg|png|pdf|ics)\b")
LINKS_PER_PAGE = 6
MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
ENGLISH_MONTH = re.compile(rf"\b(?:{MONTHS})\.? \d|\d (?:{MONTHS})\b")
SLASHED_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
ISO_DATE = re.compile(r"(?<![\w/-])\d{4}-\d{2}-\d{2}(?![\w-])")
# "None" as a value: alone in a cell or after a label; English prose ("None yet.") is not
PYTHON_NONE = re.compile(r"(?:^|[:|(>])\s*None\s*(?:$|[<|),;])", re.M)
SNAKE = re.compile(r"(?<![\w./-])[a-z]+(?:_[a-z0-9]+)+(?![\w./-])")


@pytest.fixture(scope="module")
def country(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """A small synthetic country and the demo accounts, rolled back at the end of the module."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            years = f"{THIS_YEAR - 1}-{THIS_YEAR}"
            call_command("synth", "--years", years, "--scale", "0.003", "--seed", "7", "--clear")
            call_command("demo_accounts")
            yield
            transaction.set_rollback(True)
        audit_trail_clear()


@pytest.fixture(autouse=True)
def _signed_in_without_a_second_factor(settings: Any) -> None:
    settings.QORGAU_REQUIRE_2FA = False


def _client(username: str | None, language: str) -> Client:
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    client.cookies["qorgau_language"] = language
    return client


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
    names of referral kinds, organisations and coordinating bodies, and the synthetic phrases
    whose translation exists."""
    found: set[str] = set()
    for model in (ReferralKind, Organisation, CoordinatingBody):
        for row in model.objects.all():
            own = getattr(row, f"name_{language}")
            found |= {n for n in (row.name_kk, row.name_ru, row.name_en) if n and n != own}
    if language != "en":
        with translation.override(language):
            found |= {p for p in known_phrases() if translation.gettext(p) != p}
    return {text for text in found if len(text) > 8}


def _pages(client: Client, start: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """The menu's pages (or ``start``) and the first links of each, as (path, HTML)."""
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
            response = client.get(path)
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
            page = response.content.decode()
            yield path, page
            if depth == 0:
                main = page[page.find("<main") :]
                following += re.findall(r'href="(/[^"#?]*)"', main)[:LINKS_PER_PAGE]
        queue = following


def _text(page: str) -> str:
    """The page's visible words, a line per cell: no scripts, styles, code or preformatted files."""
    shown = re.sub(r"<(script|style|pre|code|textarea|select)\b.*?</\1>", " ", page, flags=re.S)
    # a passage marked as written in one language (a rating method's reasoning) is meant so
    shown = re.sub(
        r"<(p|div|section)\b[^>]*\blang=\"[^\"]*\"[^>]*>.*?</\1>", " ", shown, flags=re.S
    )
    shown = re.sub(r"<(td|th|li|p|dd|dt|h\d|option|br)\b", "\n<", shown)
    return html.unescape(re.sub(r"<[^>]+>", " ", shown))


def _around(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - 50) : end + 30].split())


def _problems(path: str, page: str, language: str, context: dict[str, Any]) -> list[str]:
    text = _text(page)
    found = [f"None in {_around(text, m.start(), m.end())!r}" for m in PYTHON_NONE.finditer(text)]
    found += [
        f"code {m.group(0)!r}" for m in SNAKE.finditer(text) if m.group(0) in context["codes"]
    ]
    found += [f"model label {m.group(0)!r}" for m in context["labels"].finditer(text)]
    found += [f"m/d/Y date {m.group(0)!r}" for m in SLASHED_DATE.finditer(text)]
    found += [f"ISO date in {_around(text, m.start(), m.end())!r}" for m in ISO_DATE.finditer(text)]
    if language != "en":
        found += [f"English date {m.group(0)!r}" for m in ENGLISH_MONTH.finditer(text)]
    cells = {line.strip() for line in text.splitlines()}
    found += [f"{language} page shows {t!r}" for t in context["foreign"] & cells]
    return found


def _walk(username: str | None, language: str, start: tuple[str, ...] = ()) -> None:
    context = {"codes": _choice_codes(), "labels": _model_labels(), "foreign": _foreign(language)}
    problems, pages = [], 0
    for path, page in _pages(_client(username, language), start):
        pages += 1
        problems += [f"{path}: {p}" for p in _problems(path, page, language, context)]
    assert pages > 2
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("username", ROLES)
def test_pages_speak_the_readers_language(country: None, username: str, language: str) -> None:
    _walk(username, language)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_citizen_portal_speaks_the_readers_language(country: None, language: str) -> None:
    _walk(None, language, PORTAL)
