"""Rate limits held in the database: every worker process counts the same requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from qorgau.accounts.models import RequestCount
from qorgau.accounts.rate_limits import request_count

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def test_counts_survive_a_process_losing_its_memory():
    """The old limit lived in each process's memory: clearing it (a restart, another worker)
    forgot the count. The database count does not."""
    counts = []
    for _ in range(3):
        counts.append(request_count(bucket="report", client="c1", window_seconds=3600, now=NOON))
        cache.clear()
    assert counts == [1, 2, 3]


def test_clients_buckets_and_windows_are_counted_apart():
    hit = request_count
    assert hit(bucket="report", client="a", window_seconds=3600, now=NOON) == 1
    assert hit(bucket="report", client="b", window_seconds=3600, now=NOON) == 1
    assert hit(bucket="lookup", client="a", window_seconds=3600, now=NOON) == 1
    later = NOON + dt.timedelta(hours=1)
    assert hit(bucket="report", client="a", window_seconds=3600, now=later) == 1


def test_old_windows_are_forgotten():
    request_count(bucket="report", client="a", window_seconds=60, now=NOON)
    request_count(bucket="report", client="b", window_seconds=60, now=NOON + dt.timedelta(hours=1))
    assert list(RequestCount.objects.values_list("client", flat=True)) == ["b"]


def test_the_window_is_aligned_to_the_clock():
    before = timezone.now()
    request_count(bucket="report", client="a", window_seconds=3600)
    start = RequestCount.objects.get().window_start
    assert start % 3600 == 0 and start <= before.timestamp() < start + 3600
