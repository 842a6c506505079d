"""The page of the legal rules by date: what the registry checks every record against.

The table is data (``data/legal_rules.yaml``); this page shows it as it is, with each row's
legal basis, source and mark, so that an officer whose record was refused can see the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.registry import choices as c
from qorgau.registry.legal import LegalRule, legal_table

MARKS = {
    "verified": gettext_lazy("verified against the official text"),
    "secondary": gettext_lazy("secondary source, not checked against the official text"),
    "unverified": gettext_lazy("unverified, to be checked against the official text"),
}
_LABELS: dict[str, Any] = {  # code -> lazy label, read in the active language
    code: label
    for choices in (
        c.OrderProhibition,
        c.RequirementCondition,
        c.OffenceOutcome,
        c.OffenceKind,
        c.PreventionKind,
    )
    for code, label in choices.choices
} | {"preventive_register": gettext_lazy("preventive register")}


@dataclass(frozen=True)
class RuleRow:
    rule: LegalRule
    value: str
    mark: str


def _codes(codes: list[str]) -> str:
    return "; ".join(str(_LABELS.get(code, code)) for code in codes)


def rule_value(rule: LegalRule) -> str:
    """The rule's value as a reader understands it, in the active language."""
    value: Any = rule.value
    if rule.code == "offence.article":
        return f"{_LABELS[value['kind']]}, {value['article']}"
    if rule.code == "offence.outcome_not_allowed":
        return _("%(outcomes)s, article %(articles)s") % {
            "outcomes": _codes(value["outcomes"]),
            "articles": ", ".join(value["articles"]),
        }
    if rule.code == "offence.reconciliation_limit":
        return _("at most %(max)s in all (%(kinds)s)") % {
            "max": value["max"],
            "kinds": _codes(value["kinds"]),
        }
    if isinstance(value, dict) and {"min", "max"} <= set(value):
        return f"{value['min']}–{value['max']}"
    if isinstance(value, list):
        return _codes(value)
    return str(value)


def legal_table_markdown() -> str:
    """The table as ``docs/registry.md`` lists it (in English; a test keeps the two equal)."""
    marks = {"verified": "[V]", "secondary": "[S]", "unverified": "[U]"}
    lines = [
        "| rule | value | from | until | basis | source | mark |",
        "|---|---|---|---|---|---|---|",
    ]
    with translation.override("en"):
        for rule in legal_table():
            cells = (
                rule.label,
                rule_value(rule),
                rule.valid_from.isoformat(),
                rule.valid_to.isoformat() if rule.valid_to else "—",
                rule.basis,
                rule.source,
                marks[rule.confidence],
            )
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _rows(rules: list[LegalRule]) -> list[RuleRow]:
    return [RuleRow(rule, rule_value(rule), str(MARKS[rule.confidence])) for rule in rules]


@login_required
def legal_rules(request: HttpRequest) -> HttpResponse:
    table = list(legal_table())
    articles = sorted(
        (r for r in table if r.code == "offence.article"),
        key=lambda r: (r.value["kind"], _article_key(r.value["article"]), r.valid_from),
    )
    others = [r for r in table if r.code != "offence.article"]
    return render(
        request,
        "registry/legal_rules.html",
        {"articles": _rows(articles), "rules": _rows(others)},
    )


def _article_key(article: str) -> tuple[int, int]:
    number, _dash, part = article.partition("-")
    return int(number), int(part or 0)
