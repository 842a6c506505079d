"""Server time of every page each demo role reaches, on a demo-like database.

Signs in as every demo account, opens each menu entry and follows the links found there (two
levels, one URL per view and query shape), and prints the slowest pages: the first (cold) time
and the median of two more. It measures the whole Django request (middleware, view, template)
through the test client, so the network and the browser are left out.

    QORGAU_DATABASE_URL=sqlite:////tmp/demo.sqlite3 QORGAU_DEMO=true QORGAU_REQUIRE_2FA=false \
        python benchmarks/bench_pages.py [--top 40] [--user coordinator.abai] [--url /path/]

Run it on a copy of a ``make demo`` database: viewing pages writes audit entries. Timings are
printed, never asserted (a test would fail on a busy machine, not on slow code).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import time
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qorgau.settings")

HREF = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/accounts/logout", "/static/", "/api/", ".ics", "/export", "/download", ".csv", ".xlsx")
DEMO_USERS = (
    "admin",
    "inspector.semey",
    "police.abai",
    "court.abai",
    "coordinator.abai",
    "provider.semey",
    "crisis.semey",
    "analyst",
    "auditor",
    "clerk",
    "steward",
    "finance.abai",
    "health.semey",
)


def _shape(url: str) -> str:
    """One URL per view and query shape: ``/x/12/?page=2`` and ``/x/13/?page=3`` are alike."""
    from django.urls import Resolver404, resolve

    path, _, query = url.partition("?")
    try:
        name = resolve(path).view_name
    except Resolver404:
        return url
    keys = sorted(part.split("=")[0] for part in query.split("&") if part)
    return f"{name}?{'&'.join(keys)}"


def _timed_get(client: Any, url: str) -> tuple[int, float, str]:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    body = (
        response.content.decode()
        if response.get("Content-Type", "").startswith("text/html")
        else ""
    )
    return response.status_code, elapsed, body


def _links(body: str) -> Iterator[str]:
    for href in HREF.findall(body):
        url = href.replace("&amp;", "&")
        if not any(part in url for part in SKIP):
            yield url


def walk(client: Any, start: list[str], depth: int = 2) -> Iterator[tuple[str, int, float, float]]:
    """(url, status, first time, median of two more) of every page shape reached from ``start``."""
    seen: set[str] = set()
    frontier = start
    for _level in range(depth + 1):
        found: list[str] = []
        for url in frontier:
            shape = _shape(url)
            if shape in seen:
                continue
            seen.add(shape)
            status, first, body = _timed_get(client, url)
            again = statistics.median(_timed_get(client, url)[1] for _ in range(2))
            yield url, status, first, again
            found.extend(_links(body))
        frontier = found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--user", action="append", help="demo user (default: every one)")
    parser.add_argument("--url", action="append", help="time only these URLs (no walk)")
    args = parser.parse_args()
    import django

    django.setup()
    logging.disable(logging.WARNING)  # refused pages are expected: their code is printed
    from django.test import Client

    from qorgau.accounts.models import User
    from qorgau.web.navigation import menu_for

    rows: list[tuple[float, float, int, str, str]] = []
    for username in args.user or DEMO_USERS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        start = args.url or [str(entry["url"]) for entry in menu_for(user, "/")]
        for url, status, first, again in walk(client, start, depth=0 if args.url else 2):
            rows.append((again, first, status, username, url))
    rows.sort(reverse=True)
    print(f"{'median ms':>10} {'first ms':>9} {'code':>4}  user / url")
    for again, first, status, username, url in rows[: args.top]:
        print(f"{again * 1000:10.0f} {first * 1000:9.0f} {status:4d}  {username} {url}")
    slow = sum(1 for row in rows if row[0] > 0.3)
    print(f"{len(rows)} pages, {slow} over 300 ms (median)")


if __name__ == "__main__":
    main()
