"""The published method reads as a table, not as the YAML file it is stored as."""

from __future__ import annotations

import html

import pytest
from django.utils import translation

from qorgau.rating.services import method_current
from qorgau.registry.models import Register

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


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_method_page_names_registers_not_their_codes(client, language):
    """The sources of the rating's own indicators once read "register crisis_centre"."""
    client.cookies["qorgau_language"] = language
    page = client.get("/rating/method/").content.decode()
    assert "crisis_centre)" not in page and "line_111" not in page
    with translation.override(language):
        assert html.escape(str(Register.CRISIS_CENTRE.label)) in page
        assert html.escape(str(Register.LINE_111.label)) in page


@pytest.mark.parametrize(
    ("language", "opening"),
    [
        ("kk", "Әкімдік тіркеуді азайту"),
        ("ru", "Акимат может добиться"),
        ("en", "An akimat can make the police register"),
    ],
)
def test_the_reasoning_is_in_the_readers_language(client, language, opening):
    """The method's reasoning was printed in English on kk and ru pages."""
    with translation.override(language):
        client.cookies["django_language"] = language
        page = client.get("/rating/method/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<p lang="{language}">{opening}' in html.unescape(page)
