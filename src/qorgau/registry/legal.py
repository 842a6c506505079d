"""Legal rules as versioned data (``data/legal_rules.yaml``): the rule in force on a day.

One table holds every dated rule the registry applies (terms, prohibitions, the articles of the
codes by date, the outcomes the law excludes, the limit on reconciliation); the checks in
:mod:`qorgau.registry.lawcheck`, the synthetic generator and the page of the rules all read it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import get_language

RULES_FILE = Path(__file__).resolve().parent / "data" / "legal_rules.yaml"
LANGUAGES = ("kk", "ru", "en")
CONFIDENCES = ("verified", "secondary", "unverified")


class NoRuleInForce(LookupError):
    """No version of a rule covers the day asked for."""


class LegalTableError(ValueError):
    """The table of rules is inconsistent (a missing title, an unknown act...)."""


def _in_language(names: dict[str, str]) -> str:
    return names.get((get_language() or "kk")[:2], names["en"])


@dataclass(frozen=True)
class LegalRule:
    code: str
    value: Any
    valid_from: dt.date
    valid_to: dt.date | None
    act: str
    article: str
    confidence: str
    notes: tuple[tuple[str, str], ...]
    title: tuple[tuple[str, str], ...] = ()
    source: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def basis(self) -> str:
        """The act (in the active language) and article, for display and for the record."""
        title = _in_language(_catalogue()[0][self.act])
        return f"{title}, {self.article}" if self.article else title

    @property
    def note(self) -> str:
        """The rule's note in the active language ("" when it has none)."""
        return _in_language(dict(self.notes)) if self.notes else ""

    @property
    def label(self) -> str:
        """The rule's title in the active language."""
        return _in_language(dict(self.title)) if self.title else self.code


def _rule(item: dict[str, Any], acts: dict[str, dict[str, str]]) -> LegalRule:
    rule = LegalRule(
        code=item["code"],
        value=item["value"],
        valid_from=item["valid_from"],
        valid_to=item.get("valid_to"),
        act=item["act"],
        article=str(item.get("article", "")),
        confidence=item["confidence"],
        notes=tuple(sorted(dict(item.get("note") or {}).items())),
        title=tuple(sorted(dict(item.get("title") or {}).items())),
        source=str(item.get("source", "")),
    )
    where = f"{rule.code} from {rule.valid_from}"
    if rule.act not in acts:
        raise LegalTableError(f"{where}: unknown act {rule.act!r}")
    if rule.confidence not in CONFIDENCES:
        raise LegalTableError(f"{where}: confidence must be one of {CONFIDENCES}")
    if set(dict(rule.title)) != set(LANGUAGES):
        raise LegalTableError(f"{where}: a title is needed in {', '.join(LANGUAGES)}")
    if rule.notes and set(dict(rule.notes)) != set(LANGUAGES):
        raise LegalTableError(f"{where}: a note is needed in {', '.join(LANGUAGES)}")
    if rule.valid_to is not None and rule.valid_to < rule.valid_from:
        raise LegalTableError(f"{where}: valid_to precedes valid_from")
    return rule


@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict[str, dict[str, str]], tuple[LegalRule, ...]]:
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    acts = data["acts"]
    return acts, tuple(_rule(item, acts) for item in data["rules"])


def legal_rule(code: str, on: dt.date) -> LegalRule:
    """The version of rule ``code`` in force on ``on`` (for rules with one value a day)."""
    for rule in _catalogue()[1]:
        if rule.code == code and rule.covers(on):
            return rule
    raise NoRuleInForce(f"No version of the legal rule {code!r} is in force on {on:%Y-%m-%d}.")


def rules_in_force(code: str, on: dt.date) -> list[LegalRule]:
    """Every row of ``code`` in force on ``on``: rules that are a list, such as the articles."""
    return [rule for rule in _catalogue()[1] if rule.code == code and rule.covers(on)]


def rule_versions(code: str) -> list[LegalRule]:
    return sorted((r for r in _catalogue()[1] if r.code == code), key=lambda r: r.valid_from)


def legal_table() -> tuple[LegalRule, ...]:
    """The whole table, in file order (the page lists it)."""
    return _catalogue()[1]


def act_title(act: str) -> str:
    """The act's name in the active language."""
    return _in_language(_catalogue()[0][act])
