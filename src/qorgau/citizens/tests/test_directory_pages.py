"""The help directory comes a page at a time, filters kept across the pages."""

from __future__ import annotations

import pytest

from qorgau.citizens.models import HelpService, ServiceKind
from qorgau.citizens.views import DIRECTORY_PAGE_SIZE
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db


def _services(n: int, region: Territory | None) -> None:
    HelpService.objects.bulk_create(
        HelpService(name=f"Service {i:03d}", kind=ServiceKind.CRISIS_CENTRE, region=region)
        for i in range(n)
    )


def test_the_public_directory_is_paginated_and_keeps_the_region_filter(client):
    abai = Territory.objects.by_code("100000000")
    _services(DIRECTORY_PAGE_SIZE * 2 + 5, abai)
    first = client.get("/portal/help/", {"region": abai.pk}).content.decode()
    assert first.count('<li class="service">') == DIRECTORY_PAGE_SIZE
    assert f"region={abai.pk}&amp;page=2" in first
    last = client.get("/portal/help/", {"region": abai.pk, "page": 3}).content.decode()
    assert last.count('<li class="service">') == 5
