"""The staff dashboards in a real Chromium: axe-core, the keyboard, and the charts' text.

Launched like the portal's browser tests (``citizens/tests/test_portal_browser.py``): Debian's
``/usr/bin/chromium`` through Playwright, axe-core injected with the page's CSP bypassed (tests
only). Staff sign in through a session made on the server, not the sign-in form (whose password
hashing outlasted the page's wait under load). The figures are stored directly, as the engine
stores them: every region has a value, so the tile map is complete.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.test import Client as DjangoClient
from django.utils import timezone

from qorgau.accounts.models import User
from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, COUNTRY, SEMEY
from qorgau.monitoring import aggregates as agg
from qorgau.monitoring.charts import TILE_GRID
from qorgau.monitoring.models import Alert, AlertKind, ComputationRun, IndicatorValue
from qorgau.territory.models import Level, Territory
from qorgau.tests.browser import AXE, BROWSER_MARKS, CHROMIUM, CHROMIUM_FLAGS

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
YEARS = (2023, 2024, 2025)
# The indicators the default rating method scores (rating sits above monitoring: it is run
# through its command, not imported).
RATED = (
    "reporting_ratio",
    "order_check_compliance",
    "orders_within_one_day",
    "crisis_centre_clients_rate",
    "domestic_homicide_rate",
    "grave_harm_rate",
    "repeat_victimisation",
)


def _put(code: str, territory: Territory, year: int, value: float, breakdown: str = "") -> None:
    IndicatorValue.objects.update_or_create(
        indicator=code,
        territory=territory,
        period=str(year),
        breakdown=breakdown,
        defaults={
            "period_kind": "year",
            "period_start": dt.date(year, 1, 1),
            "numerator": round(value * 10),
            "denominator": 1_000_000,
            "value": value,
            "low": value * 0.9,
            "high": value * 1.1,
            "computed_at": timezone.now(),
        },
    )


@pytest.fixture
def figures(make_user: Any, make_organisation: Any) -> dict[str, Any]:
    """Indicator values for the country, every region and Abai's districts; alerts; a rating
    run; an aggregate report waiting for the region's approval."""
    country = Territory.objects.by_code(COUNTRY)
    regions = list(Territory.objects.current().filter(level=Level.REGION))
    abai = Territory.objects.by_code(ABAI)
    for year in YEARS:
        _put("incidents_rate", country, year, 250.0 + year % 10)
        _put("victims_rate", country, year, 180.0 + year % 10)
        for n, region in enumerate(regions):
            _put("incidents_rate", region, year, 150.0 + 17 * n + year % 10)
        for n, district in enumerate(Territory.objects.current().filter(parent=abai)):
            _put("incidents_rate", district, year, 90.0 + 11 * n)
    _put("incidents_rate", country, 2025, 120.0, breakdown="settlement_type=rural")
    now = timezone.now()
    ComputationRun.objects.create(started_at=now, finished_at=now, values_written=1)
    for territory, kind in ((abai, AlertKind.DROP), (Territory.objects.by_code(SEMEY), "spike")):
        Alert.objects.create(
            territory=territory,
            indicator="incidents_rate",
            period="2025Q1",
            kind=kind,
            observed=90,
            expected=200,
            p_value=0.0004,
            computed_at=now,
        )
    for year in (2023, 2024):
        for n, region in enumerate(regions):
            for m, code in enumerate(RATED):
                _put(code, region, year, 10.0 + (n * 7 + m * 3) % 40 + year % 10)
    call_command(
        "rating", "run", "--year", "2024", "--draws", "50", "--seed", "1", stdout=io.StringIO()
    )
    centre = make_user(
        Role.CRISIS_CENTRE, organisation=make_organisation("Crisis centre Semey", SEMEY)
    )
    report = agg.report_save(
        actor=centre,
        form_code="crisis_centre",
        period="2025-01",
        values={
            "clients_total": 12,
            "clients_women": 7,
            "clients_children": 5,
            "clients_men": 0,
            "beds": 20,
            "bed_days": 300,
            "referrals_from_police": 4,
        },
    )
    agg.report_submit(report, actor=centre)
    return {
        "analyst": make_user(Role.NATIONAL_ANALYST, COUNTRY, username="analyst"),
        "coordinator": make_user(Role.AKIMAT_COORDINATOR, ABAI, username="coordinator"),
        "abai": abai,
        "semey": Territory.objects.by_code(SEMEY),
        "regions": regions,
        "run": apps.get_model("rating", "RatingRun").objects.latest("pk").pk,
        "report": report,
    }


@pytest.fixture
def browser(live_server: Any, settings: Any, monkeypatch: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.QORGAU_REQUIRE_2FA = False
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def signed_in_page(browser: Any, live_server: Any, user: User, **options: Any) -> Any:
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 1280, "height": 900},
        **options,
    )
    client = DjangoClient()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def staff_pages(data: dict[str, Any]) -> list[str]:
    abai, semey, run = data["abai"], data["semey"], data["run"]
    return [
        "/monitoring/",
        f"/monitoring/territory/{abai.pk}/",
        f"/monitoring/territory/{semey.pk}/",
        "/monitoring/indicator/incidents_rate/?period=2025",
        "/monitoring/alerts/",
        "/rating/",
        f"/rating/run/{run}/territory/{ABAI}/",
    ]


def report_pages(data: dict[str, Any]) -> list[str]:
    return [
        "/monitoring/reports/",
        "/monitoring/reports/enter/",
        "/monitoring/reports/enter/?form_code=health_facility",
        "/monitoring/reports/upload/",
        f"/monitoring/reports/{data['report'].pk}/",
    ]


def axe_problems(page: Any, label: str) -> list[tuple[str, str, str, list[str]]]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}}})")
    checked = {rule["id"] for key in ("passes", "violations", "incomplete") for rule in result[key]}
    assert "color-contrast" in checked, label
    return [
        (label, v["id"], v["help"], [node["target"][0] for node in v["nodes"][:3]])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def heading_levels(page: Any) -> list[int]:
    return list(
        page.evaluate(
            "[...document.querySelectorAll('main h1, main h2, main h3, main h4')]"
            ".map(h => Number(h.tagName[1]))"
        )
    )


def test_axe_finds_no_serious_or_critical_violation_and_headings_are_in_order(
    browser, live_server, figures
):
    problems: list[tuple[str, str, str, list[str]]] = []
    for user, pages in (
        (figures["analyst"], staff_pages(figures)),
        (figures["coordinator"], report_pages(figures)),
    ):
        page = signed_in_page(browser, live_server, user, bypass_csp=True)
        for path in pages:
            response = page.goto(path)
            assert response.status == 200, path
            problems += axe_problems(page, path)
            levels = heading_levels(page)
            assert levels[0] == 1 and levels.count(1) == 1, (path, levels)
            assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (path, levels)
        page.context.close()
    # A form sent empty, with its error messages.
    page = signed_in_page(browser, live_server, figures["coordinator"], bypass_csp=True)
    page.goto("/monitoring/reports/enter/")
    page.eval_on_selector("main form.stacked", "form => { form.noValidate = true; }")
    page.click("main button[type=submit].primary")
    page.wait_for_selector("main .errorlist")
    problems += axe_problems(page, "report form with errors")
    assert problems == []


def _focused(page: Any) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName, text: el.innerText || '', href: el.getAttribute('href') || '',
                skip: el.classList.contains('skip'), menu: !!el.closest('nav.menu'),
                main: !!el.closest('main'), map: !!el.closest('.tilemap'),
                chartData: el.tagName === 'SUMMARY' && !!el.closest('details.chart-data'),
                ring: style.outlineStyle !== 'none' || style.boxShadow !== 'none',
            };
        }"""
        )
    )


def test_the_keyboard_reaches_skip_link_menu_every_region_and_the_chart_figures(
    browser, live_server, figures
):
    page = signed_in_page(browser, live_server, figures["analyst"])
    page.goto("/monitoring/")
    visited: list[dict[str, Any]] = []
    for _ in range(300):
        page.keyboard.press("Tab")
        now = _focused(page)
        if visited and (now["skip"] or now["tag"] == "BODY"):
            break  # round the page once
        visited.append(now)
    assert visited[0]["skip"], visited[0]
    first_in_main = next(n for n, f in enumerate(visited) if f["main"])
    menu = [n for n, f in enumerate(visited) if f["menu"]]
    assert menu and max(menu) < first_in_main  # the menu before the content
    unfocused = [f for f in visited if not f["ring"]]
    assert unfocused == []  # every focused element shows a focus ring
    tiles = [f for f in visited if f["map"]]
    assert len(tiles) == len(TILE_GRID) == len(figures["regions"])
    for region in figures["regions"]:
        tile = next(f for f in tiles if f"/monitoring/territory/{region.pk}/" in f["href"])
        assert region.name in tile["text"]  # the link's name: the region and its value
        assert any(c.isdigit() for c in tile["text"].replace(region.name, ""))
    assert any(f["chartData"] for f in visited)

    # The skip link moves the keyboard to the content.
    page.goto("/monitoring/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")
    assert _focused(page)["main"]

    # The chart's figures open from the keyboard.
    summary = page.locator("details.chart-data summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("details.chart-data table").is_visible()
    assert page.locator("details.chart-data tbody tr").count() == len(YEARS)


def test_every_chart_has_a_text_alternative_and_its_figures(browser, live_server, figures):
    page = signed_in_page(browser, live_server, figures["analyst"])
    run = figures["run"]
    for path in (
        "/monitoring/",
        f"/monitoring/territory/{figures['abai'].pk}/",
        "/monitoring/indicator/incidents_rate/",
        f"/rating/run/{run}/",
    ):
        page.goto(path)
        charts = page.locator("main figure")
        assert charts.count() >= 1, path
        for n in range(charts.count()):
            chart = charts.nth(n)
            assert chart.locator("figcaption").inner_text().strip(), (path, n)
            for image in chart.locator("img").all():
                assert (image.get_attribute("alt") or "").strip(), (path, n)
            # The figures: in the figure (tile links, a table in <details>) or in the table
            # that follows it.
            has_figures = page.evaluate(
                """(figure) => figure.querySelector('table, .tilemap a') !== null
                    || document.querySelector('main figure ~ .table-wrap table') !== null""",
                chart.element_handle(),
            )
            assert has_figures, (path, n)


def test_lang_follows_the_chosen_language(browser, live_server, figures):
    page = signed_in_page(browser, live_server, figures["analyst"])
    for language in ("kk", "ru", "en"):
        page.goto("/monitoring/")
        page.click(f".lang button[value={language}]")
        page.wait_for_selector(f"html[lang={language}]")
        assert page.url.endswith("/monitoring/")
