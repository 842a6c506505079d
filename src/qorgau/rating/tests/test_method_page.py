"""The published method reads as a table, not as the YAML file it is stored as."""

from __future__ import annotations

import pytest

from qorgau.rating.services import method_current

pytestmark = pytest.mark.django_db


def test_the_method_page_lays_out_dimensions_and_indicators_without_the_yaml(client):
    page = client.get("/rating/method/").content.decode()
    stored = method_current()
    assert "<pre>" not in page and "indicators:" not in page and "groups:" not in page
    assert "Dimensions and indicators" in page
    for title in ("Detection", "Protection", "Services reached", "Harm seen outside the police"):
        assert f'<th scope="rowgroup" colspan="2">{title}' in page
    assert "higher" in page and "lower" in page
    download = client.get(f"/rating/method/{stored.name}/v{stored.version}.yaml")
    assert download.status_code == 200 and download.content.decode() == stored.content
