"""The fast public release equals the one the code computed before it was made fast.

On a small synthetic country: the rows of the cached release (``release_store``), cold and
warm, and of the indexed cell atoms (``release._Atoms``) must equal, value for value and byte
for byte in every file format, the rows computed with the original per-cell probing of every
district and month. The cache is keyed by the computation run, so a recomputation is served
fresh rows, and the page reads the cache in a few queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from qorgau.monitoring import release
from qorgau.monitoring.engine import indicators_compute
from qorgau.monitoring.export import export_rows, render
from qorgau.monitoring.periods import Period, period_parse
from qorgau.monitoring.release_store import public_release_rows, release_cache_key
from qorgau.territory.models import Level

YEAR = 2025


def _original_of(
    self: release._Atoms,
    indicator: str,
    breakdown: str,
    territory: int,
    months: list[str],
    side: int,
) -> list[release.Atom]:
    """The atoms as the release computed them before the index: every district and month."""
    own = self.figures.get((indicator, breakdown), {})
    total = self.figures.get((indicator, ""), {})
    atoms: list[release.Atom] = []
    for district in sorted(self.districts_under.get(territory, frozenset({territory}))):
        for month in months:
            value = own.get((district, month), (0.0, None))[side]
            if value:
                same = value == total.get((district, month), (0.0, None))[side]
                atoms.append((district, month, "" if same else breakdown))
    return atoms


@pytest.fixture(scope="module")
def country(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """A small synthetic year with its indicators computed, rolled back afterwards."""
    from qorgau.synth.services import synth_run
    from qorgau.territory.services import territories_load

    with django_db_blocker.unblock(), transaction.atomic():
        territories_load()
        synth_run(
            first_year=YEAR, last_year=YEAR, scale=0.005, seed=7, today=dt.date(YEAR + 1, 3, 1)
        )
        indicators_compute()
        yield
        transaction.set_rollback(True)


def _reference(level: int, period: Period, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as patched:
        patched.setattr(release._Atoms, "of", _original_of)
        return export_rows(level=level, period=period, public=True)


@pytest.mark.parametrize("level", [Level.REGION, Level.DISTRICT])
@pytest.mark.parametrize("code", [str(YEAR), f"{YEAR}Q3"])
def test_fast_release_equals_the_original(
    country: None, django_db_blocker: Any, monkeypatch: pytest.MonkeyPatch, level: int, code: str
) -> None:
    period = period_parse(code)
    cache.clear()
    with django_db_blocker.unblock():
        before = _reference(level, period, monkeypatch)
        indexed = export_rows(level=level, period=period, public=True)
        cold = public_release_rows(level, period)
        warm = public_release_rows(level, period)
    assert any(row["numerator"] is not None for row in before), "some counts are published"
    assert indexed == before and cold == before and warm == before
    for fmt in ("csv", "json"):  # xlsx embeds its creation time
        assert render(warm, fmt) == render(before, fmt)


def test_the_key_changes_with_a_run_and_a_language(country: None, django_db_blocker: Any) -> None:
    from django.utils import translation

    from qorgau.monitoring.models import ComputationRun

    period = period_parse(str(YEAR))
    with django_db_blocker.unblock(), transaction.atomic():
        first = release_cache_key(Level.REGION, period)
        with translation.override("kk"):
            assert release_cache_key(Level.REGION, period) != first
        run = ComputationRun.objects.order_by("-pk").first()
        assert run is not None
        ComputationRun.objects.create(started_at=run.started_at)
        assert release_cache_key(Level.REGION, period) != first
        transaction.set_rollback(True)


def test_the_open_data_page_reads_the_cache_in_few_queries(
    country: None, django_db_blocker: Any, django_assert_max_num_queries: Any
) -> None:
    url = f"/monitoring/open-data/?period={YEAR}"
    with django_db_blocker.unblock():
        Client().get(url)
        with django_assert_max_num_queries(8):
            page = Client().get(url)
        second = Client().get(f"{url}&page=2")
    assert page.status_code == 200 and second.status_code == 200
    assert "numerator_flag" in page.content.decode()


def test_a_computation_leaves_the_latest_release_protected_in_every_language(
    country: None, django_db_blocker: Any
) -> None:
    """After ``indicators compute`` the public page's first reader, in any language and any
    server process sharing the cache, is served the stored release."""
    from django.core.management import call_command
    from django.utils import translation

    from qorgau.monitoring.release_store import public_release_warm
    from qorgau.monitoring.selectors import latest_year

    period = latest_year(dt.date(YEAR + 1, 3, 1))
    assert period is not None and period.code == str(YEAR)
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        call_command("indicators", "compute", stdout=open("/dev/null", "w"))  # noqa: SIM115
        for language in ("kk", "ru", "en"):
            with translation.override(language):
                stored = cache.get(release_cache_key(Level.REGION, period))
                assert stored == export_rows(level=Level.REGION, period=period, public=True)
        cache.clear()
        assert public_release_warm() == 3
        transaction.set_rollback(True)
