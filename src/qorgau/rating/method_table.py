"""A rating method as a reader sees it: its dimensions, each with its indicators.

The method page used to end with the method file itself, a YAML text only its authors could
read. The same definition is laid out here as rows: each dimension under its title in the
reader's language with its weight, then its indicators with their catalogue label, weight, and
which way is better. The file stays downloadable, byte for byte, for those who check its hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language


@dataclass
class IndicatorRow:
    code: str
    label: str
    weight: float
    higher_is_better: bool
    source: str


@dataclass
class DimensionRow:
    code: str
    title: str
    weight: float
    parent: str
    indicators: list[IndicatorRow] = field(default_factory=list)


def _title(titles: Any, code: str) -> str:
    """The dimension's title in the current language (else English, else its code)."""
    if not isinstance(titles, dict):
        return code
    language = (get_language() or "en").split("-")[0]
    return str(titles.get(language) or titles.get("en") or code)


def _label(entry: Any, code: str) -> str:
    """The catalogue's label in the current language (a method there, a property elsewhere)."""
    label = getattr(entry, "label", None)
    if label is None:
        return code
    return str(label() if callable(label) else label)


def method_dimensions(
    method: Any, data: dict[str, Any], entries: dict[str, Any]
) -> list[DimensionRow]:
    """One row per dimension that holds indicators (in the file's order), each with its own."""
    titles = {g.get("code"): g.get("title") for g in data.get("groups", []) if isinstance(g, dict)}
    dimensions = {
        g.code: DimensionRow(g.code, _title(titles.get(g.code), g.code), g.weight, g.parent or "")
        for g in method.groups
    }
    for spec in method.indicators:
        entry = entries.get(spec.code)
        dimensions[spec.parent].indicators.append(
            IndicatorRow(
                code=spec.code,
                label=_label(entry, spec.code),
                weight=spec.weight,
                higher_is_better=spec.direction > 0,
                source=str(getattr(entry, "source", "") or ""),
            )
        )
    parents = {g.code: g.parent for g in method.groups}
    for dimension in dimensions.values():
        # the top group is the index itself: only a dimension nested deeper names its parent
        nested = parents.get(dimension.parent) is not None
        dimension.parent = dimensions[dimension.parent].title if nested else ""
    return [d for d in dimensions.values() if d.indicators]
