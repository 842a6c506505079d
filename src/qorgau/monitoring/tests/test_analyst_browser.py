"""The national analyst reads the country's figures, in a real Chromium, in Russian.

The monitoring dashboard with its tile map of the regions (every region's name shown whole),
the hidden-violence estimates, the rating of akimats, and a file of open data downloaded from
the dashboard's link: aggregates only, and no name of the persons behind them on any page or
in the file. The figures are stored as the engine, the estimation and the rating store them
(the rating is run by its command), so the test need not compute a country.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import formats, timezone, translation

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, COUNTRY, SEMEY
from qorgau.latency.models import EstimationResult, EstimationRun, RunSource, RunStatus
from qorgau.monitoring.catalogue import catalogue_load
from qorgau.monitoring.models import ComputationRun, IndicatorValue
from qorgau.registry import choices as c
from qorgau.registry import services
from qorgau.territory.models import Level, Territory
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import translated

pytestmark = [*BROWSER_MARKS]

LANGUAGE = "ru"
YEAR = timezone.localdate().year - 1  # the latest ended year: what the pages open on
# Persons of the registry whose names must never reach an analyst.
VICTIMS = (("Жаксылыкова", "Гульнара"), ("Zhaksylykova", "Aruzhan"))
OFFENDERS = (("Тлеубердиев", "Ерболат"), ("Zhaksylykov", "Nurlan"))
NAMES = VICTIMS + OFFENDERS
RATED = (
    "reporting_ratio",
    "order_check_compliance",
    "orders_within_one_day",
    "crisis_centre_clients_rate",
    "domestic_homicide_rate",
    "grave_harm_rate",
    "repeat_victimisation",
)


def _put(code: str, territory: Territory, year: int, value: float, numerator: int) -> None:
    IndicatorValue.objects.create(
        indicator=code,
        territory=territory,
        period=str(year),
        period_kind="year",
        period_start=dt.date(year, 1, 1),
        breakdown="",
        numerator=numerator,
        denominator=round(numerator * 100_000 / value),
        value=value,
        low=value * 0.9,
        high=value * 1.1,
        computed_at=timezone.now(),
    )


def _country() -> list[Territory]:
    """Figures of the country and its regions for two years, the hidden-violence estimates of
    the latest, and the rating of the regions on them."""
    regions = list(Territory.objects.current().filter(level=Level.REGION).order_by("kato_code"))
    for year in (YEAR - 1, YEAR):
        _put("incidents_rate", Territory.objects.by_code(COUNTRY), year, 480.0, 95_000)
        for n, region in enumerate(regions):
            _put("incidents_rate", region, year, 300.0 + 13 * n + year % 7, 2_000 + 100 * n)
            for m, code in enumerate(RATED):
                _put(code, region, year, 10.0 + (n * 7 + m * 3) % 40 + year % 5, 200 + n + m)
    now = timezone.now()
    ComputationRun.objects.create(started_at=now, finished_at=now, values_written=1)
    run = EstimationRun.objects.create(
        status=RunStatus.DONE,
        source=RunSource.LINKAGE,
        selection="stratified_mh",
        first_year=YEAR,
        last_year=YEAR,
        done=len(regions),
        total=len(regions),
        finished_at=now,
    )
    for n, region in enumerate(regions):
        police, observed = 400 + 10 * n, 700 + 12 * n
        estimate = observed * 2.5
        EstimationResult.objects.create(
            run=run,
            region_code=region.kato_code,
            year=YEAR,
            method="mse",
            selection="stratified_mh",
            police=police,
            observed=observed,
            estimate=estimate,
            ci_low=estimate * 0.8,
            ci_high=estimate * 1.3,
            ratio=police / estimate,
            ratio_low=police / (estimate * 1.3),
            ratio_high=police / (estimate * 0.8),
        )
    call_command(
        "rating", "run", "--year", str(YEAR), "--draws", "50", "--seed", "1", stdout=io.StringIO()
    )
    return regions


def _persons(inspector) -> None:
    """A few registered cases, so that the names exist in the database the pages read."""
    semey = Territory.objects.by_code(SEMEY)
    occurred = timezone.make_aware(dt.datetime(YEAR, 5, 4, 10))
    for (surname, first_name), (his_surname, his_name) in zip(VICTIMS, OFFENDERS, strict=True):
        victim = services.person_register(actor=inspector, surname=surname, first_name=first_name)
        offender = services.person_register(
            actor=inspector, sex=c.Sex.MALE, surname=his_surname, first_name=his_name
        )
        services.incident_register(
            actor=inspector,
            occurred_at=occurred,
            reported_at=occurred + dt.timedelta(hours=1),
            district=semey,
            settlement_type=c.SettlementType.URBAN,
            source_channel=c.SourceChannel.CALL_102,
            victims=[victim],
            offenders=[(offender, c.Relationship.SPOUSE)],
            psychological=True,
        )


def _no_names(text: str) -> None:
    for surname, first_name in NAMES:
        assert surname not in text and first_name not in text


# Each tile of the map: its name's text, its boxes, and whether the name overflows.
TILES = """() => [...document.querySelectorAll('ul.tilemap li.tile')].map(tile => {
  const name = tile.querySelector('.tile-name'), link = tile.querySelector('a');
  const box = element => element.getBoundingClientRect().toJSON();
  return {
    text: name.textContent, tile: box(tile), name: box(name),
    scroll: name.scrollWidth, client: name.clientWidth,
    linkScroll: link.scrollWidth, linkClient: link.clientWidth,
  };
})"""


def _tiles_whole(page, names: set[str]) -> None:
    tiles = page.evaluate(TILES)
    assert {tile["text"] for tile in tiles} == names
    for tile in tiles:
        assert tile["scroll"] <= tile["client"], tile
        assert tile["linkScroll"] <= tile["linkClient"], tile
        assert tile["tile"]["left"] - 0.5 <= tile["name"]["left"], tile
        assert tile["name"]["right"] <= tile["tile"]["right"] + 0.5, tile
        assert tile["name"]["bottom"] <= tile["tile"]["bottom"] + 0.5, tile


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_national_analyst_reads_the_country_without_a_name(browser_page, make_user, tmp_path):
    page = browser_page
    make_user(Role.NATIONAL_ANALYST, COUNTRY, username="analyst")
    _persons(make_user(Role.POLICE_INSPECTOR, SEMEY))
    regions = _country()
    names_ru = {region.name_ru for region in regions}

    sign_in(page, "analyst", LANGUAGE)
    page.click("nav.menu a[href$='/monitoring/']")
    assert page.get_attribute("html", "lang") == LANGUAGE
    assert translated("Monitoring", LANGUAGE) != "Monitoring"
    assert page.inner_text("main nav.crumbs").endswith(translated("Monitoring", LANGUAGE))
    assert page.inner_text("main h1").endswith(f" · {YEAR}")
    _no_names(page.inner_text("body"))

    # The tile map: every region, its name whole (not cut off, not spilling out of its tile),
    # here and in the other two languages, whose names are as long.
    _tiles_whole(page, names_ru)
    for other in ("kk", "en", LANGUAGE):
        page.click(f"header button[name=language][value={other}]")
        page.wait_for_selector(f"html[lang={other}]")
        _tiles_whole(page, {getattr(region, f"name_{other}") for region in regions})
    abai_tile = page.locator("ul.tilemap li.tile", has_text=Territory.objects.by_code(ABAI).name_ru)
    assert abai_tile.locator(".tile-value").inner_text() != "—"

    # The open data of the year, downloaded as a user does: from the dashboard's link.
    page.click("main a[href$='/monitoring/open-data/']")
    assert page.inner_text("main h1") == f"{translated('Open data', LANGUAGE)} · {YEAR}"
    _no_names(page.inner_text("body"))
    with translation.override(LANGUAGE):
        label = catalogue_load().get("incidents_rate").label()
    first = page.locator("main table tbody tr", has_text="incidents_rate").first
    assert first.locator("td").first.inner_text().startswith(label)  # named, not only coded
    with page.expect_download() as download:
        page.click("main a.button[href*='format=csv']")
    assert download.value.suggested_filename == f"qorgau-open-data-{YEAR}.csv"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {"indicator", "territory", "value"} <= set(rows[0])
    assert {row["territory"] for row in rows} >= names_ru  # regions named in Russian
    _no_names(text)

    # The hidden violence behind the registered figures.
    page.click("nav.menu a[href$='/hidden-violence/']")
    assert page.inner_text("main h1") == f"{translated('Hidden violence', LANGUAGE)} · {YEAR}"
    run = EstimationRun.objects.get()
    with translation.override(LANGUAGE):
        started = formats.date_format(timezone.localtime(run.started_at), "SHORT_DATETIME_FORMAT")
    assert started in page.inner_text(f"main a[href$='/hidden-violence/run/{run.pk}/']")  # Almaty
    estimates = page.locator("main table tbody tr")
    assert estimates.count() == len(regions)
    abai = estimates.filter(has_text=Territory.objects.by_code(ABAI).name_ru)
    cells = abai.locator("td").all_inner_texts()
    assert cells[1:3] == ["400", "700"]  # police, seen by any register
    assert cells[3].replace("\u00a0", " ") == "1 750"  # the estimate, in Russian digits
    _no_names(page.inner_text("body"))

    # The rating of akimats on those figures.
    page.click("nav.menu a[href$='/rating/']")
    assert page.get_attribute("html", "lang") == LANGUAGE
    assert translated("Rating of akimats", LANGUAGE) in page.inner_text("main h1")
    league = page.inner_text("main table")
    assert sum(name in league for name in names_ru) == len(regions)
    _no_names(page.inner_text("body"))
