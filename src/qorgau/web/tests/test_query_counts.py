"""Query-count guards: every list and detail page of the staff parts, as every demo role.

A small synthetic country is built, then each demo role opens its menu and follows the links
it finds (two levels) within the parts below. No page may run more than ``MAX_QUERIES``: an
N+1 on a list of fifty rows runs past it at once, while the legitimate counts sit well under
it (the slowest page of the demo database ran 37). Timings are never asserted (see
``benchmarks/bench_pages.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django.utils import timezone

from qorgau.accounts.demo import demo_accounts_create
from qorgau.synth.services import synth_run
from qorgau.web.navigation import menu_for

pytestmark = pytest.mark.django_db

MAX_QUERIES = 45
# Pages whose count grows with the regions (twenty), not with the rows: a known cost, bounded.
PER_REGION = {"programs:demand": 260}
PARTS = {
    "coordination": ("/coordination/",),
    "programs": ("/programmes/",),
    "citizens": ("/portal/triage", "/portal/directory", "/portal/volunteers"),
    "budget": ("/budget/",),
    "monitoring": ("/monitoring/",),
    "rating": ("/rating/",),
    "latency": ("/hidden-violence/",),
    "linkage": ("/linkage/",),
    "audit": ("/audit/",),
}
HREF = re.compile(r'href="(/[^"#]*)"')
SKIP = (".svg", ".png", ".csv", ".xlsx", ".yaml", ".ics", "download", "export")


def _shape(url: str) -> str:
    """One page per view: ``/x/12/`` and ``/x/13/`` are the same page with other rows."""
    path = url.split("?")[0]
    try:
        return resolve(path).view_name
    except Resolver404:
        return path


def _pages(client: Client, start: list[str], prefixes: tuple[str, ...]) -> Iterator[str]:
    seen: set[str] = set()
    frontier = [url for url in start if url.startswith(prefixes)]
    for _level in range(3):
        found = []
        for url in frontier:
            if _shape(url) in seen:
                continue
            seen.add(_shape(url))
            yield url
            body = client.get(url).content.decode(errors="replace")
            found += [
                h.replace("&amp;", "&")
                for h in HREF.findall(body)
                if h.startswith(prefixes) and not any(s in h for s in SKIP)
            ]
        frontier = found


@pytest.fixture
def country(settings: Any) -> list[Any]:
    settings.QORGAU_REQUIRE_2FA = False
    year = timezone.localdate().year - 1
    synth_run(first_year=year, last_year=year, scale=0.01, seed=3)
    return demo_accounts_create()


# a tiny cohort makes lifelines warn about convergence; the figures are not under test here
@pytest.mark.filterwarnings("ignore::lifelines.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("part", sorted(PARTS))
def test_no_page_of_the_part_runs_queries_per_row(country, part):
    opened = 0
    for user in country:
        client = Client()
        client.force_login(user)
        menu = [str(entry["url"]) for entry in menu_for(user, "/")]
        for url in _pages(client, menu, PARTS[part]):
            with CaptureQueriesContext(connection) as queries:
                status = client.get(url).status_code
            bound = PER_REGION.get(_shape(url), MAX_QUERIES)
            assert len(queries) <= bound, (user.username, url, len(queries))
            opened += status == 200
    assert opened, f"no page of {part} was opened"
