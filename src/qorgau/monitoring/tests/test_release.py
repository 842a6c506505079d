"""The public release on a hand-made fixture: small counts as a band over the whole frame.

The attack on a whole synthetic year is in ``test_release_attack.py``; these check what an
outsider sees in the files and on the page (``monitoring.release``, docs/monitoring.md).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from qorgau.monitoring.engine import indicators_compute
from qorgau.monitoring.export import PUBLIC_COLUMNS, export_rows, render
from qorgau.monitoring.periods import period_parse
from qorgau.monitoring.tests.test_engine import ABAI, fixture  # noqa: F401  (the fixture)
from qorgau.territory.models import Level, Territory

COUNTRY = "000000000"


@pytest.mark.django_db
def test_small_counts_are_a_band_and_every_cell_of_the_frame_is_published(fixture):  # noqa: F811
    indicators_compute()
    period = period_parse("2025")
    rows = export_rows(
        level=Level.REGION, period=period, public=True, indicators=["incidents_rate"]
    )
    by_code = {r["territory_code"]: r for r in rows if r["breakdown"] == ""}
    abai = by_code[ABAI]  # true 4: a band, and no rate over it
    assert (abai["numerator"], abai["numerator_flag"], abai["value"]) == (None, "<5", None)
    assert abai["note"] and abai["denominator"] > 0  # the population is not protected
    country = by_code[COUNTRY]  # true 5: at most 2 either way, a band below 5
    assert (country["numerator"] is None) == (country["numerator_flag"] == "<5")
    # every region existing in 2025 is published, with or without incidents, alike
    regions = Territory.objects.filter(level=Level.REGION).exclude(valid_to__lt=period.start)
    regions = regions.exclude(valid_from__gt=period.end)
    assert set(by_code) == {COUNTRY, *regions.values_list("kato_code", flat=True)}
    empty = [r for r in by_code.values() if r["territory_code"] not in (ABAI, COUNTRY)]
    assert empty and all(r["numerator_flag"] == "<5" and r["denominator"] for r in empty)
    assert {k for k in abai if k != "note"} == {k for r in empty for k in r if k != "note"}
    # a filled row does not stand out by its place either
    keys = [(r["indicator"], r["breakdown"], r["territory_code"]) for r in rows]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1]))  # grouped as the stored rows


@pytest.mark.django_db
def test_the_band_in_files_and_on_the_page(fixture):  # noqa: F811
    indicators_compute()
    period = period_parse("2025")
    rows = export_rows(
        level=Level.REGION, period=period, public=True, indicators=["incidents_rate"]
    )
    text = render(rows, "csv").decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(PUBLIC_COLUMNS)
    assert f",{ABAI}," in text and ",,<5," in text  # an empty count, then its flag
    data = json.loads(render(rows, "json"))
    assert list(data[0]) == PUBLIC_COLUMNS
    assert any(r["numerator"] is None and r["numerator_flag"] == "<5" for r in data)
    page = Client().get("/monitoring/open-data/?period=2025").content.decode()
    assert "fewer than 5" in page and "numerator_flag" in page
    kazakh = Client(headers={"accept-language": "kk"}).get("/monitoring/open-data/?period=2025")
    assert kazakh.status_code == 200
