"""Every demo account's pages, in kk, ru and en, over a small synthetic country.

The crawl (``crawl.py``) walks each account's menu and the first links of each page and fails
on an error answer, a grouped year, ``None``, a raw code or model label, a date written the
wrong language's way, another language's reference text, or a number missing after "#".
Counts are still grouped by language (USE_THOUSAND_SEPARATOR): "1 234" in Kazakh and
Russian, "1,234" in English.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from qorgau.accounts.demo import DEMO_ACCOUNTS
from qorgau.conftest import audit_trail_clear
from qorgau.rating.models import RatingRun
from qorgau.registry.models import Person
from qorgau.web.tests.crawl import client_for, expectations, problems, walk

THIS_YEAR = timezone.localdate().year
SEED = 20240101
LANGUAGES = ("kk", "ru", "en")
ACCOUNTS = tuple(account.username for account in DEMO_ACCOUNTS)
PORTAL = ("/portal/", "/portal/help/", "/portal/activities/", "/portal/statistics/")


@pytest.fixture(scope="module")
def country(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """A small synthetic country with its indicators, a rating and the demo accounts with
    their organisations, rolled back at the end of the module (each test runs inside it, in
    its own savepoint)."""
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


def _crawl(username: str | None, language: str, start: tuple[str, ...] = ()) -> None:
    reporting = {
        *range(THIS_YEAR - 3, THIS_YEAR + 2),
        *RatingRun.objects.values_list("year", flat=True),
    }
    births = {
        int(year)
        for year in Person.objects.exclude(birth_year=None).values_list("birth_year", flat=True)
    }
    expected = expectations(language, reporting, reporting | births)
    found, pages = [], 0
    for visited in walk(client_for(username, language), start):
        pages += 1
        found += [f"{visited.path}: {p}" for p in problems(visited, expected)]
    assert pages > 2
    assert not found, "\n".join(sorted(set(found)))


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("username", ACCOUNTS)
def test_every_page_of_every_account_reads_right(
    country: None, username: str, language: str
) -> None:
    _crawl(username, language)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_citizen_portal_reads_right(country: None, language: str) -> None:
    _crawl(None, language, PORTAL)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_budget_shows_the_chosen_year_and_links_to_it(country: None, language: str) -> None:
    client = client_for("finance.abai", language)
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
    text = client_for("analyst", language).get("/rating/").content.decode()
    text = re.sub(r"<[^>]+>", " ", text)
    assert re.search(rf"(#|№){run.pk}\b", text), "the run's number is printed"
    assert str(SEED) in text, "the seed is printed whole"


@pytest.mark.django_db
def test_the_crawl_sees_a_fault(country: None) -> None:
    """The checks can fail: a page with a grouped year, a Python None and an error answer."""
    from qorgau.web.tests.crawl import Visited

    expected = expectations("ru", {THIS_YEAR}, {THIS_YEAR})
    year = f"{str(THIS_YEAR)[0]}\u00a0{str(THIS_YEAR)[1:]}"
    page = f"<main><table><tr><td>{year}</td><td>None</td></tr></table></main>"
    assert len(problems(Visited("/monitoring/", 200, page), expected)) >= 2
    assert problems(Visited("/budget/", 403, ""), expected) == ["answered 403"]
