"""The registry of report sections.

A report is the title page, the table of contents and then every registered section that
applies to its kind, in ``order``. The monitoring sections are registered by this app
(``monitoring_sections.py``); the parts built later (hidden-violence estimates, the rating,
budget, coordination, programmes) add theirs the same way, from their own ``AppConfig.ready()``
or from ``extra_sections.py`` here, without touching the renderer::

    from qorgau.reports.sections import ReportRequest, section

    @section("rating", order=35, title=_("Rating of akimats"),
             when_empty=_("No rating has been computed for this year."))
    def rating_section(request: ReportRequest) -> str | None:
        ...  # HTML of the section body, or None when there are no results

A provider returns ``None`` when it has nothing to show; the report then keeps the heading
with the ``when_empty`` note, so a reader sees that the part was considered, not forgotten.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from qorgau.monitoring.periods import Period
from qorgau.territory.models import Territory

NATIONAL = "national"
REGION = "region"
BOTH = frozenset({NATIONAL, REGION})


@dataclass(frozen=True)
class ReportRequest:
    """What is being reported: a national report or a region passport, for one period."""

    kind: str
    territory: Territory
    period: Period
    language: str

    @property
    def national(self) -> bool:
        return self.kind == NATIONAL


Render = Callable[[ReportRequest], str | None]


@dataclass(frozen=True)
class SectionProvider:
    key: str
    order: int
    title: str | Promise
    render: Render
    when_empty: str | Promise = ""
    kinds: frozenset[str] = BOTH


@dataclass
class Section:
    """A rendered section: its anchor and heading for the table of contents, and its body."""

    key: str
    title: str
    html: SafeString
    skipped: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


SECTIONS: dict[str, SectionProvider] = {}


def register(provider: SectionProvider) -> SectionProvider:
    """Add (or replace, by key) a section provider."""
    SECTIONS[provider.key] = provider
    return provider


def section(
    key: str,
    *,
    order: int,
    title: str | Promise,
    when_empty: str | Promise = "",
    kinds: frozenset[str] = BOTH,
) -> Callable[[Render], Render]:
    """Decorator form of :func:`register`."""

    def decorate(render: Render) -> Render:
        register(SectionProvider(key, order, title, render, when_empty, kinds))
        return render

    return decorate


def providers_for(kind: str) -> list[SectionProvider]:
    return sorted((p for p in SECTIONS.values() if kind in p.kinds), key=lambda p: p.order)


def render_section(provider: SectionProvider, request: ReportRequest) -> Section:
    body = provider.render(request)
    if body is None:
        note = str(provider.when_empty)
        return Section(provider.key, str(provider.title), mark_safe(""), skipped=note)
    return Section(provider.key, str(provider.title), mark_safe(body))  # noqa: S308


# --- helpers for section templates --------------------------------------------------------


def number(value: float | None, digits: int = 1) -> str:
    """A figure as printed in reports: rounded, grouped, in the active language's format."""
    if value is None:
        return "—"
    return str(number_format(round(value, digits), digits, use_l10n=True, force_grouping=True))


def svg_image(svg: bytes, alt: str, css_class: str = "chart") -> SafeString:
    """An SVG chart embedded as a vector image (a data URL: nothing to fetch)."""
    encoded = base64.b64encode(svg).decode("ascii")
    return mark_safe(  # noqa: S308 - encoded bytes and escaped text only
        f'<img class="{escape(css_class)}" alt="{escape(alt)}" '
        f'src="data:image/svg+xml;base64,{encoded}">'
    )


def render_part(template: str, context: dict[str, Any]) -> str:
    return render_to_string(f"reports/sections/{template}", context)
