"""Legal rules as versioned data (``data/legal_rules.yaml``): the rule in force on a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import get_language

RULES_FILE = Path(__file__).resolve().parent / "data" / "legal_rules.yaml"


class NoRuleInForce(LookupError):
    """No version of a rule covers the day asked for."""


@dataclass(frozen=True)
class LegalRule:
    code: str
    value: Any
    valid_from: dt.date
    valid_to: dt.date | None
    act: str
    article: str
    confidence: str
    note: str

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def basis(self) -> str:
        """The act (in the active language) and article, for display and for the record."""
        names = _catalogue()[0][self.act]
        language = (get_language() or "kk")[:2]
        title = names.get(language, names["en"])
        return f"{title}, {self.article}" if self.article else title


@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict[str, dict[str, str]], tuple[LegalRule, ...]]:
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    rules = tuple(
        LegalRule(
            code=item["code"],
            value=item["value"],
            valid_from=item["valid_from"],
            valid_to=item.get("valid_to"),
            act=item["act"],
            article=str(item.get("article", "")),
            confidence=item["confidence"],
            note=item.get("note", ""),
        )
        for item in data["rules"]
    )
    return data["acts"], rules


def legal_rule(code: str, on: dt.date) -> LegalRule:
    """The version of rule ``code`` in force on ``on``."""
    for rule in _catalogue()[1]:
        if rule.code == code and rule.covers(on):
            return rule
    raise NoRuleInForce(f"No version of the legal rule {code!r} is in force on {on:%Y-%m-%d}.")


def rule_versions(code: str) -> list[LegalRule]:
    return sorted((r for r in _catalogue()[1] if r.code == code), key=lambda r: r.valid_from)
