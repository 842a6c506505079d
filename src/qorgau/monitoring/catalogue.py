"""The indicator catalogue (``data/indicators.yaml``), loaded and checked once."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import get_language

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "indicators.yaml"
LANGUAGES = ("kk", "ru", "en")
DIRECTIONS = ("higher", "lower", "context")
STUDY_MEASURES = ("M1", "M2", "M3", "M4", "M5", "M6")


class CatalogueError(ValueError):
    """The catalogue file is inconsistent."""


@dataclass(frozen=True)
class Term:
    """A numerator or denominator: a measure, optionally restricted by field values."""

    measure: str
    filter: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator:
    code: str
    study_measure: str
    name: dict[str, str]
    numerator: Term
    denominator: Term
    multiplier: float
    unit: dict[str, str]
    better: str
    disaggregations: tuple[str, ...]
    source: str
    rationale: str
    gaming: str

    def label(self) -> str:
        return self.name.get((get_language() or "kk")[:2], self.name["en"])

    def unit_label(self) -> str:
        return self.unit.get((get_language() or "kk")[:2], self.unit["en"])


@dataclass(frozen=True)
class Catalogue:
    version: int
    indicators: tuple[Indicator, ...]
    awaiting: dict[str, str]

    def get(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise KeyError(code)


def _term(data: dict[str, Any]) -> Term:
    return Term(measure=str(data["measure"]), filter=dict(data.get("filter") or {}))


def catalogue_parse(data: dict[str, Any], known_measures: dict[str, set[str]]) -> Catalogue:
    """Build and check the catalogue; ``known_measures`` maps measure → filterable fields."""
    awaiting = dict(data.get("measures_awaiting_source") or {})
    indicators = []
    for item in data["indicators"]:
        try:
            indicator = Indicator(
                code=item["code"],
                study_measure=item["measure"],
                name=dict(item["name"]),
                numerator=_term(item["numerator"]),
                denominator=_term(item["denominator"]),
                multiplier=float(item["multiplier"]),
                unit=dict(item["unit"]),
                better=item["better"],
                disaggregations=tuple(item.get("disaggregations") or ()),
                source=item["source"],
                rationale=item["rationale"],
                gaming=item["gaming"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogueError(f"{item.get('code', '?')}: {exc!r}") from exc
        _check(indicator, known_measures, awaiting)
        indicators.append(indicator)
    codes = [i.code for i in indicators]
    if len(set(codes)) != len(codes):
        raise CatalogueError("Indicator codes must be unique.")
    return Catalogue(version=int(data["version"]), indicators=tuple(indicators), awaiting=awaiting)


def _check(indicator: Indicator, known: dict[str, set[str]], awaiting: dict[str, str]) -> None:
    where = indicator.code
    if set(indicator.name) != set(LANGUAGES) or set(indicator.unit) != set(LANGUAGES):
        raise CatalogueError(f"{where}: names and units are needed in {', '.join(LANGUAGES)}")
    if indicator.better not in DIRECTIONS:
        raise CatalogueError(f"{where}: better must be one of {DIRECTIONS}")
    if indicator.study_measure not in STUDY_MEASURES:
        raise CatalogueError(f"{where}: measure must be one of {STUDY_MEASURES}")
    for term in (indicator.numerator, indicator.denominator):
        if term.measure in awaiting:
            continue
        if term.measure not in known:
            raise CatalogueError(f"{where}: unknown measure {term.measure!r}")
        unknown = set(term.filter) - known[term.measure]
        if unknown:
            raise CatalogueError(f"{where}: {term.measure} cannot be filtered by {sorted(unknown)}")
    fields = known.get(indicator.numerator.measure, set())
    for breakdown in indicator.disaggregations:
        if indicator.numerator.measure not in awaiting and breakdown not in fields:
            raise CatalogueError(
                f"{where}: {indicator.numerator.measure} has no field {breakdown!r}"
            )


@lru_cache(maxsize=1)
def catalogue_load() -> Catalogue:
    from qorgau.monitoring.measures import MEASURE_FIELDS

    data = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return catalogue_parse(data, MEASURE_FIELDS)
