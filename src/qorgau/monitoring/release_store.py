"""The public release, kept between requests until the indicators are computed again.

Protecting a release reads every district's monthly figures and draws an HMAC per cell, about
a second on a national database, while its inputs change only when ``indicators compute``
writes new values. The rows are therefore cached under a key naming everything they depend
on: the level and period, the last computation run (a new or finishing run changes the key,
so nothing needs deleting), the catalogue version, the language (territory names and notes are
translated) and a digest of the disclosure key (a new key must never serve the old noise).
The cached rows are exactly ``export_rows(public=True)``'s: the cache stores, never computes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import get_language

from qorgau.monitoring.catalogue import catalogue_load
from qorgau.monitoring.export import export_rows
from qorgau.monitoring.models import ComputationRun
from qorgau.monitoring.periods import Period
from qorgau.monitoring.release import disclosure_key
from qorgau.monitoring.selectors import latest_year
from qorgau.territory.models import Level

TIMEOUT = 24 * 3600  # versioned keys never go stale; this only frees memory of old versions


def release_cache_key(level: int, period: Period) -> str:
    """Everything the released rows depend on besides the stored values' content."""
    run = ComputationRun.objects.order_by("-pk").values_list("pk", "finished_at").first()
    secret = hashlib.sha256(disclosure_key()).hexdigest()[:16]
    parts = (
        level,
        period.code,
        run,
        catalogue_load().version,
        get_language() or "",
        secret,
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"qorgau:public-release:{digest}"


def public_release_rows(level: int, period: Period) -> list[dict[str, Any]]:
    """The protected rows of every indicator for ``level`` and ``period``, from the cache when
    the stored values have not been recomputed since they were protected."""
    key = release_cache_key(level, period)
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is None:
        rows = export_rows(level=level, period=period, public=True)
        cache.set(key, rows, TIMEOUT)
    return rows


def public_release_warm() -> int:
    """Protect the release the public page opens on (the latest ended year, by region) in every
    language, right after a computation: its first reader then waits for no one. Returns the
    number of releases stored."""
    period = latest_year()
    if period is None:
        return 0
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            public_release_rows(Level.REGION, period)
    return len(settings.LANGUAGES)
