"""Building a report: validate the request, render its sections in the chosen language, and
turn the HTML into a paginated PDF with WeasyPrint without fetching anything."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from qorgau.monitoring.models import ComputationRun, IndicatorValue
from qorgau.monitoring.periods import Period, PeriodError, PeriodKind, period_parse
from qorgau.monitoring.selectors import last_run
from qorgau.reports.sections import (
    NATIONAL,
    REGION,
    ReportRequest,
    Section,
    providers_for,
    render_section,
)
from qorgau.territory.models import Level, Territory

LANGUAGES = ("kk", "ru", "en")
FORMATS = ("pdf", "html")
Progress = Callable[[int, str], None]


class ReportError(ValueError):
    """A report that cannot be made, with a message for the person who asked."""


@dataclass(frozen=True)
class BuiltReport:
    request: ReportRequest
    html: str
    sections: list[Section]
    run: ComputationRun | None


def report_request_parse(
    *, kind: str, code: str | None, period: str, language: str
) -> ReportRequest:
    """Check every argument and find the territory version that existed in the period."""
    if kind not in (NATIONAL, REGION):
        raise ReportError(f"Unknown report kind {kind!r}: use national or region.")
    if language not in LANGUAGES:
        raise ReportError(f"Unknown language {language!r}: use one of {', '.join(LANGUAGES)}.")
    try:
        parsed = period_parse(period)
    except PeriodError as exc:
        raise ReportError(str(exc)) from exc
    if kind == NATIONAL:
        territory = Territory.objects.get(level=Level.COUNTRY)
    else:
        territory = region_for_period(code or "", parsed)
    return ReportRequest(kind=kind, territory=territory, period=parsed, language=language)


def region_for_period(code: str, period: Period) -> Territory:
    """The version of region ``code`` that existed at the end of the period (or at its start)."""
    regions = Territory.objects.regions().filter(kato_code=code.strip())
    for day in (period.end, period.start):
        found = regions.valid_on(day).first()
        if found is not None:
            return found
    if regions.exists():
        raise ReportError(f"Region {code} did not exist in {period.code}.")
    raise ReportError(
        f"Unknown region {code!r}: give the 9-digit KATO code of a region "
        "(see `qorgau territory` or /territories/)."
    )


def _has_values(request: ReportRequest) -> bool:
    return IndicatorValue.objects.filter(
        territory=request.territory, period=request.period.code
    ).exists()


def _css_string(text: str) -> SafeString:
    """Text for a CSS string literal in the page margins (escaped, not HTML-escaped)."""
    escaped = re.sub(r'["\\<>\n]', lambda m: f"\\{ord(m[0]):X} ", text)
    return mark_safe(escaped)  # noqa: S308 - escaped for CSS above


def _period_label(period: Period) -> str:
    if period.kind == PeriodKind.YEAR:
        return _("year %(year)s") % {"year": period.code}
    if period.kind == PeriodKind.QUARTER:
        return _("quarter %(quarter)s of %(year)s") % {
            "quarter": period.code[-1],
            "year": period.start.year,
        }
    return _("month %(month)s") % {"month": period.code}


def report_build(request: ReportRequest, *, progress: Progress | None = None) -> BuiltReport:
    """The report's HTML in its language; every section provider that applies is rendered."""
    if not _has_values(request):
        raise ReportError(
            f"No indicator values are stored for {request.territory.kato_code} in "
            f"{request.period.code}: run `qorgau indicators compute` first."
        )
    with translation.override(request.language):
        providers = providers_for(request.kind)
        sections = []
        for number, provider in enumerate(providers):
            if progress:
                progress(5 + 80 * number // max(len(providers), 1), str(provider.title))
            sections.append(render_section(provider, request))
        run = last_run()
        title = (
            _("Family and domestic violence: national report")
            if request.kind == NATIONAL
            else _("Family and domestic violence: region passport")
        )
        place = request.territory.name
        period_label = _period_label(request.period)
        context: dict[str, Any] = {
            "language": request.language,
            "title": title,
            "place": place,
            "period": request.period,
            "period_label": period_label,
            "territory": request.territory,
            "sections": sections,
            "run": run,
            "generated": timezone.localtime(),
            "running_title": _css_string(f"Qorgau · {place} · {request.period.code}"),
            "footer": _css_string(_("For official use")),
            "page_word": _css_string(_("Page")),
        }
        html = render_to_string("reports/document.html", context)
    return BuiltReport(request=request, html=html, sections=sections, run=run)


# --- PDF ----------------------------------------------------------------------------------


class RefusedURL(Exception):
    """A report tried to load something from outside (it never should)."""


def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    class OfflineFetcher(URLFetcher):
        """Lets WeasyPrint read only data embedded in the document (``data:`` URLs).

        Charts are embedded as data URLs and fonts come from the system (fontconfig), so a
        request for anything else is a mistake or an injected reference: it is refused and
        remembered, never fetched.
        """

        def __init__(self) -> None:
            super().__init__(fail_on_errors=False)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            self.refused.append(url)
            raise RefusedURL(f"Reports load nothing from outside: {url!r} refused.")

    return OfflineFetcher


def offline_fetcher() -> Any:
    return _fetcher_class()()


def html_to_pdf(html: str, *, fetcher: Any = None) -> bytes:
    # WeasyPrint logs every layout step at INFO; a report's own progress is enough.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from weasyprint import HTML  # type: ignore[import-untyped]

    fetcher = fetcher or offline_fetcher()
    # base_url is a fake local path so that relative references resolve to file: URLs,
    # which the fetcher refuses like any other.
    document = HTML(string=html, base_url="file:///nonexistent/", url_fetcher=fetcher)
    return bytes(document.write_pdf())


def report_render(
    request: ReportRequest, fmt: str, *, progress: Progress | None = None
) -> tuple[bytes, BuiltReport]:
    """The report file's bytes in ``fmt`` (pdf or html)."""
    if fmt not in FORMATS:
        raise ReportError(f"Unknown format {fmt!r}: use pdf or html.")
    built = report_build(request, progress=progress)
    if fmt == "html":
        return built.html.encode("utf-8"), built
    if progress:
        progress(88, _("laying out the pages"))
    return html_to_pdf(built.html), built
