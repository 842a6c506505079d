"""Years, ids and seeds are never printed with a thousands separator; counts still are.

Counts are grouped by language (USE_THOUSAND_SEPARATOR): "1 234" in Kazakh and Russian,
"1,234" in English. Django groups every integer it prints the same way, so a year came out as
"2 026", a birth year as "1 990" and a seed as "20,240,101"; in the budget's year selector the
option values carried the space, so choosing 2025 showed the default year and every download
link carried it. The crawl walks the main pages of several demo roles in the three languages
over a small synthetic country and fails on a grouped year, a grouped value in a form or link,
the word "None" printed as text, or a run number missing ("Run #:").
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from qorgau.accounts.models import User
from qorgau.conftest import audit_trail_clear
from qorgau.rating.models import RatingRun
from qorgau.registry.models import Person

THIS_YEAR = timezone.localdate().year
SEED = 20240101
ROLES = (
    "admin",
    "analyst",
    "auditor",
    "coordinator.abai",
    "finance.abai",
    "inspector.semey",
    "steward",
)
LANGUAGES = ("kk", "ru", "en")
GROUP = {"kk": "[ \u00a0\u202f]", "ru": "[ \u00a0\u202f]", "en": ","}
SKIPPED = re.compile(r"/logout|/download|/chart/|/api/|\.(csv|xlsx|json|svg|png|pdf)\b")
LINKS_PER_PAGE = 8
PERSON_PAGES = re.compile(r"/(registry|linkage|coordination|programmes)/")
# a value in a form or a link: never grouped in any language
GROUPED_VALUE = re.compile(r'(?:value="|[?&](?:amp;)?\w+=)\d{1,3}(?:[ \u00a0\u202f,]\d{3})+(?!\d)')
PYTHON_NONE = re.compile(r"\bNone\b")
# "Run #:", "№ есептеу": a number sign followed, on its line, by anything but a number (a
# table's "№" column heading stands alone in its cell)
MISSING_NUMBER = re.compile(r"(?:#|№)[ \t]*(?=[:,.;)]|[^\W\d])")


@pytest.fixture(scope="module")
def country(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """A small synthetic country with its indicators, a rating and the demo accounts, rolled
    back at the end of the module (the tests run inside it, each in its own savepoint)."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            years = f"{THIS_YEAR - 2}-{THIS_YEAR}"
            call_command("synth", "--years", years, "--scale", "0.005", "--seed", "1", "--clear")
            call_command("indicators", "compute")
            rating = ["rating", "run", "--year", str(THIS_YEAR - 1), "--level", "region"]
            call_command(*rating, "--seed", str(SEED))
            call_command("demo_accounts")
            yield
            transaction.set_rollback(True)
        audit_trail_clear()  # the anchors its audit entries left, now rolled back


@pytest.fixture(autouse=True)
def _signed_in_without_a_second_factor(settings: Any) -> None:
    settings.QORGAU_REQUIRE_2FA = False


def _client(username: str, language: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    client.cookies["qorgau_language"] = language
    return client


def _years_in_data() -> tuple[set[int], set[int]]:
    """The years pages print: reporting years (and the rating's) anywhere, and birth years on
    the pages of persons, where a count never stands in a year's place."""
    reporting = {
        *range(THIS_YEAR - 3, THIS_YEAR + 2),
        *RatingRun.objects.values_list("year", flat=True),
    }
    births = Person.objects.exclude(birth_year=None).values_list("birth_year", flat=True)
    return reporting, reporting | set(births)


def _pages(client: Client) -> Iterator[tuple[str, str]]:
    """The menu's pages and the first links of each, as (path, HTML)."""
    menu = re.search(r'<nav class="menu".*?</nav>', client.get("/").content.decode(), re.S)
    assert menu, "the home page has a menu"
    queue, seen = re.findall(r'href="(/[^"#]*)"', menu.group(0)), set()
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
                main = page[page.find("<main") :]  # the page's own links, not the menu's
                following += re.findall(r'href="(/[^"#]*)"', main)[:LINKS_PER_PAGE]
        queue = following


def _problems(page: str, language: str, years: set[int]) -> list[str]:
    text = _text(page)
    sep = GROUP[language]
    # a four-digit number grouped, not a group of a longer one ("12 345", "1 234 567")
    grouped = re.findall(rf"(?<![\d.,])(?<!\d{sep})([12]){sep}(\d{{3}})(?!{sep}?\d)", text)
    found = [f"year {a}{b} grouped" for a, b in grouped if int(a + b) in years]
    found += [f"grouped value {m!r}" for m in GROUPED_VALUE.findall(page)]
    if language != "en":  # "None." is an English message; in Kazakh or Russian it is Python's
        found += [f"None as text in {_around(text, m)!r}" for m in PYTHON_NONE.finditer(text)]
    found += [f"number missing after {m!r}" for m in MISSING_NUMBER.findall(text)]
    return found


def _text(page: str) -> str:
    """The page's words: no scripts, and no preformatted files (a method's YAML comments)."""
    shown = re.sub(r"<(script|pre)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", shown))


def _around(text: str, match: re.Match[str]) -> str:
    return " ".join(text[max(0, match.start() - 60) : match.end() + 20].split())


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("username", ROLES)
def test_no_page_groups_a_year_or_an_id(country: None, username: str, language: str) -> None:
    (reporting, with_births), problems, pages = _years_in_data(), [], 0
    for path, page in _pages(_client(username, language)):
        pages += 1
        years = with_births if PERSON_PAGES.match(path) else reporting
        problems += [f"{path}: {p}" for p in _problems(page, language, years)]
    assert pages > 3
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_budget_shows_the_chosen_year_and_links_to_it(country: None, language: str) -> None:
    client = _client("finance.abai", language)
    page = client.get("/budget/").content.decode()
    offered = re.findall(r'<option value="([^"]*)"', page)
    assert len(offered) >= 2 and all(re.fullmatch(r"\d{4}", v) for v in offered), offered
    chosen = min(offered)
    page = client.get(f"/budget/?year={chosen}").content.decode()
    assert f'<option value="{chosen}" selected>' in page
    links = re.findall(r"year=([^&\"]*)", page)
    assert links and set(links) == {chosen}


@pytest.mark.django_db
def test_counts_are_still_grouped_by_language(country: None) -> None:
    from django.template import Context, Template
    from django.utils import translation

    template = Template("{{ n }} {{ n|unlocalize }}")
    for language, expected in (("kk", "12\u00a0345"), ("ru", "12\u00a0345"), ("en", "12,345")):
        with translation.override(language):
            assert template.render(Context({"n": 12345})) == f"{expected} 12345"


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_rating_names_its_run_and_seed_whole(country: None, language: str) -> None:
    run = RatingRun.objects.get(year=THIS_YEAR - 1)
    text = _text(_client("analyst", language).get("/rating/").content.decode())
    assert re.search(rf"(#|№){run.pk}\b", text), "the run's number is printed"
    assert str(SEED) in text, "the seed is printed whole"
