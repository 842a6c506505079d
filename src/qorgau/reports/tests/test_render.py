"""Rendering reports from a hand-made set of stored values, in each language."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils import translation
from PIL import Image

from qorgau.conftest import ABAI, COUNTRY
from qorgau.monitoring.catalogue import catalogue_load
from qorgau.reports.render import report_render, report_request_parse
from qorgau.reports.sections import number

pytestmark = pytest.mark.django_db


class _Cells(HTMLParser):
    """Collects the figure cells: (indicator, KATO code, stored value, printed text)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str, str, str]] = []
        self._open: dict[str, str] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "td" and "data-value" in found:
            self._open, self._text = found, ""

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._open is not None:
            cell = self._open
            self.cells.append(
                (cell["data-indicator"], cell["data-territory"], cell["data-value"], self._text)
            )
            self._open = None


def _cells(html: str) -> list[tuple[str, str, str, str]]:
    parser = _Cells()
    parser.feed(html)
    return parser.cells


def _page_images(pdf: Path) -> list[Path]:
    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", str(pdf), str(pdf.with_suffix(""))],
        check=True,
        capture_output=True,
    )
    return sorted(pdf.parent.glob(f"{pdf.stem}-*.pgm"))


def _has_ink(image: Path) -> bool:
    with Image.open(image) as page:
        return page.convert("L").point(lambda v: 255 if v < 200 else 0).getbbox() is not None


def _pdf_text(pdf: Path) -> list[str]:
    """The text of each page (pages are separated by form feeds)."""
    result = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    )
    return result.stdout.split("\f")


def _normalise(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def _check_figures(html: str, report_values, period: str, language: str) -> set[str]:
    printed = set()
    cells = _cells(html)
    assert cells
    with translation.override(language):
        for indicator, code, raw, text in cells:
            stored = report_values[(indicator, code, period)]
            assert float(raw) == stored.value, (indicator, code)
            assert text.strip() == number(stored.value), (indicator, code, text)
            printed.add(text.strip())
    return printed


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_national_pdf_in_each_language(report_values, tmp_path, language):
    request = report_request_parse(kind="national", code=None, period="2024", language=language)
    pdf_bytes, built = report_render(request, "pdf")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(pdf_bytes)

    pages = _page_images(pdf)
    assert len(pages) >= 6
    assert all(_has_ink(page) for page in pages), "a blank page"

    # Every figure printed is the stored value, in the HTML and in the PDF's text.
    printed = _check_figures(built.html, report_values, "2024", language)
    texts = _pdf_text(pdf)
    whole = _normalise(" ".join(texts))
    for text in printed:
        assert _normalise(text) in whole, text
    # the country's key figures are all there
    for indicator in ("victims_rate", "incidents_rate", "orders_per_incident"):
        with translation.override(language):
            assert _normalise(number(report_values[(indicator, COUNTRY, "2024")].value)) in whole

    # Indicator names come from the catalogue in the report's language.
    name = catalogue_load().get("victims_rate").name[language]
    assert _normalise(name)[:25] in whole
    # The table of contents carries page numbers (target-counter), on page 2.
    toc = texts[1]
    assert len(re.findall(r"\.{3,}\s*\d+\s*$", toc, flags=re.MULTILINE)) == len(built.sections)
    # Running footer with page numbers from the second page on.
    assert re.search(r"\b2 / \d+", toc)


def test_region_passport_compares_districts_and_ranks_the_region(report_values, tmp_path):
    request = report_request_parse(kind="region", code=ABAI, period="2024Q4", language="en")
    pdf_bytes, built = report_render(request, "pdf")
    pdf = tmp_path / "passport.pdf"
    pdf.write_bytes(pdf_bytes)
    assert all(_has_ink(page) for page in _page_images(pdf))
    printed = _check_figures(built.html, report_values, "2024Q4", "en")
    assert number(report_values[("victims_rate", "101000000", "2024Q4")].value) in printed
    text = _normalise(" ".join(_pdf_text(pdf)))
    # Abai has the highest victims rate of the three regions in the fixture
    assert "Rank among regions: 1 of 3." in text
    assert "Semey" in text
    # the alert on Semey in 2024Q4 is listed
    assert "sharp rise" in text


def test_html_report_is_self_contained(report_values):
    request = report_request_parse(kind="national", code=None, period="2024", language="ru")
    payload, built = report_render(request, "html")
    html = payload.decode()
    assert "<svg" not in html or "data:image/svg+xml" in html
    assert "data:image/svg+xml;base64," in html
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)
    assert 'lang="ru"' in html
    assert catalogue_load().get("victims_rate").name["ru"] in html
