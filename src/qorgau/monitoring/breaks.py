"""Breaks in the series (``data/series_breaks.yaml``): where the law changed what is counted.

A break is a day, the act that made it (a key of the registry's table of legal rules) and the
indicators it affects. A period is *before* a break if it ends before the day, *after* it if it
starts on or after it, and *straddles* it otherwise. Two periods are comparable when no break of
the indicator falls between them and neither straddles one: this is what the alerts use to
compare like with like, and what the trend charts mark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import get_language

from qorgau.monitoring.catalogue import LANGUAGES, CatalogueError, catalogue_load
from qorgau.monitoring.periods import period_parse
from qorgau.registry.legal import act_title, legal_table

BREAKS_FILE = Path(__file__).resolve().parent / "data" / "series_breaks.yaml"


@dataclass(frozen=True)
class SeriesBreak:
    code: str
    date: dt.date
    act: str
    indicators: tuple[str, ...]
    title: tuple[tuple[str, str], ...]
    source: str

    def label(self) -> str:
        names = dict(self.title)
        return names.get((get_language() or "kk")[:2], names["en"])

    @property
    def act_name(self) -> str:
        return act_title(self.act)


def breaks_parse(data: dict[str, Any]) -> tuple[SeriesBreak, ...]:
    """Build and check the breaks: a known act, known indicators, titles in three languages."""
    acts = {rule.act for rule in legal_table()}
    known = {indicator.code for indicator in catalogue_load().indicators}
    found = []
    for item in data["breaks"]:
        found.append(
            SeriesBreak(
                code=item["code"],
                date=item["date"],
                act=item["act"],
                indicators=tuple(item["indicators"]),
                title=tuple(sorted(item["title"].items())),
                source=str(item.get("source", "")),
            )
        )
        where = f"series break {item['code']}"
        if item["act"] not in acts:
            raise CatalogueError(f"{where}: act {item['act']!r} is not in the legal rules")
        if set(item["indicators"]) - known:
            raise CatalogueError(f"{where}: unknown indicators {set(item['indicators']) - known}")
        if set(item["title"]) != set(LANGUAGES):
            raise CatalogueError(f"{where}: a title is needed in {', '.join(LANGUAGES)}")
    return tuple(sorted(found, key=lambda b: b.date))


@lru_cache(maxsize=1)
def breaks_load() -> tuple[SeriesBreak, ...]:
    return breaks_parse(yaml.safe_load(BREAKS_FILE.read_text(encoding="utf-8")))


def breaks_of(indicator: str) -> tuple[SeriesBreak, ...]:
    return tuple(b for b in breaks_load() if indicator in b.indicators)


def straddles(period: str, breaks: tuple[SeriesBreak, ...]) -> bool:
    """Whether ``period`` counts days on both sides of one of ``breaks``."""
    span = period_parse(period)
    return any(span.start < b.date <= span.end for b in breaks)


def comparable(period: str, other: str, breaks: tuple[SeriesBreak, ...]) -> bool:
    """Whether two periods count the same thing: on the same side of every break."""
    if straddles(period, breaks) or straddles(other, breaks):
        return False
    first, second = period_parse(period), period_parse(other)
    return all((first.start >= b.date) == (second.start >= b.date) for b in breaks)


def break_period(codes: list[str], series_break: SeriesBreak) -> str | None:
    """Of ``codes`` (periods in order), the first that counts days from the break on."""
    for code in codes:
        if period_parse(code).end >= series_break.date:
            return code
    return None
