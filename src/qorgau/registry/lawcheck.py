"""The law of the record's own date, checked in one place.

The services (and so the pages and the API), the importer and the synthetic generator's tests
all ask these functions whether an offence, an outcome, a reconciliation or a term of special
requirements agrees with the table of legal rules (``data/legal_rules.yaml``) on the record's
date. They work on plain values and return :class:`Breach` es (the field and the message); the
caller raises them as a ``ValidationError`` or writes them as rejected import rows. Nothing
here reads the database: the offender's stored reconciliations come from
:func:`qorgau.registry.services_offences.reconciliations_by_offender`, once for many offenders.

Which day is read: an article on the day the offence was committed (the law of the act); an
outcome on the day each rule names (a harsher change does not reach back, a milder one applies
from the decision); a reconciliation and a term on the day of the decision.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from qorgau.registry import choices as c
from qorgau.registry.legal import LegalRule, NoRuleInForce, legal_rule, rules_in_force
from qorgau.registry.rules import NO_RULE_IN_FORCE

# "73", "73-1", "440(3)", "440 ч.3", "440 part 3", "440 3-бөлігі": the article, then its part.
_ARTICLE = re.compile(
    r"^(?P<number>\d{1,3}(?:-\d{1,2})?)"
    r"(?:\s*(?:\(\d{1,2}\)|(?:ч\.?|part|п\.?)\s*\d{1,2}|\d{1,2}-бөл\w*))?$",
    re.IGNORECASE,
)

ARTICLE_MALFORMED = _(
    "“%(article)s” is not an article number: write it as in the code, e.g. 73, 73-1 or 106."
)
ARTICLE_NOT_IN_FORCE = _(
    "Article %(article)s is not an article for this kind of offence (%(kind)s) in force on "
    "%(date)s in the table of legal rules by date."
)
OUTCOME_NOT_ALLOWED = _(
    "“%(outcome)s” is not allowed for article %(article)s on %(date)s: rule “%(rule)s” (%(basis)s)."
)
SECOND_RECONCILIATION = _(
    "Reconciliation is not allowed: this offender was already reconciled on %(earlier)s; "
    "rule “%(rule)s” (%(basis)s), in force on %(date)s."
)
TERM_OUT_OF_RANGE = _(
    "The term must be between %(min)s and %(max)s months under %(basis)s, in force on %(date)s."
)


@dataclass(frozen=True)
class Breach:
    """What the law of the day refuses: the field and the message (already formatted)."""

    field: str
    message: str


def _day(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def article_number(article: str) -> str | None:
    """The article number ("73-1") of what a clerk wrote ("73-1", "440(3)"), or ``None``."""
    match = _ARTICLE.match(article.strip().replace("–", "-"))
    return match["number"] if match else None


def article_rule(kind: str, article: str, on: dt.date) -> LegalRule | None:
    """The row of the table that makes ``article`` an article of ``kind`` on ``on``."""
    number = article_number(article)
    for rule in rules_in_force("offence.article", on):
        if rule.value["kind"] == kind and rule.value["article"] == number:
            return rule
    return None


def article_breach(kind: str, article: str, committed_on: dt.date) -> Breach | None:
    if article_number(article) is None:
        return Breach("article", ARTICLE_MALFORMED % {"article": article.strip()})
    if article_rule(kind, article, committed_on) is None:
        label = c.OffenceKind(kind).label if kind in c.OffenceKind.values else kind
        return Breach(
            "article",
            ARTICLE_NOT_IN_FORCE
            % {"article": article.strip(), "kind": label, "date": _day(committed_on)},
        )
    return None


def outcome_breach(
    *,
    kind: str,
    article: str,
    outcome: str,
    outcome_label: Any,
    committed_on: dt.date,
    decided_on: dt.date | None,
    field: str = "outcome",
) -> Breach | None:
    """An outcome (or the sanction of a violation) the law excludes for the article."""
    number = article_number(article)
    days = {"committed": committed_on, "decided": decided_on or committed_on}
    for on in sorted(set(days.values())):
        for rule in rules_in_force("offence.outcome_not_allowed", on):
            value = rule.value
            if days[value["on"]] != on or value["kind"] != kind:
                continue
            if number in value["articles"] and outcome in value["outcomes"]:
                return Breach(
                    field,
                    OUTCOME_NOT_ALLOWED
                    % {
                        "outcome": outcome_label,
                        "article": number,
                        "date": _day(on),
                        "rule": rule.label,
                        "basis": rule.basis,
                    },
                )
    return None


def reconciliation_breach(
    *, kind: str, outcome: str, decided_on: dt.date, earlier: Sequence[dt.date]
) -> Breach | None:
    """A reconciliation beyond what the law of the decision day allows the offender.

    ``earlier`` are the offender's other reconciliations in the registry (any date: "only once"
    counts the offender's reconciliations, not those under the same version of the law).
    """
    if outcome != c.OffenceOutcome.RECONCILIATION:
        return None
    for rule in rules_in_force("offence.reconciliation_limit", decided_on):
        if kind in rule.value["kinds"] and len(earlier) >= rule.value["max"]:
            return Breach(
                "outcome",
                SECOND_RECONCILIATION
                % {
                    "earlier": _day(min(earlier)),
                    "rule": rule.label,
                    "basis": rule.basis,
                    "date": _day(decided_on),
                },
            )
    return None


def offence_breaches(
    *,
    kind: str,
    article: str,
    committed_on: dt.date,
    decided_on: dt.date | None,
    outcome: str,
    earlier_reconciliations: Sequence[dt.date] = (),
) -> list[Breach]:
    """Everything the law of the offence's dates refuses in it (at most one per field)."""
    breaches = [article_breach(kind, article, committed_on)]
    label = c.OffenceOutcome(outcome).label if outcome in c.OffenceOutcome.values else outcome
    outcome_problem = outcome_breach(
        kind=kind,
        article=article,
        outcome=outcome,
        outcome_label=label,
        committed_on=committed_on,
        decided_on=decided_on,
    ) or reconciliation_breach(
        kind=kind,
        outcome=outcome,
        decided_on=decided_on or committed_on,
        earlier=earlier_reconciliations,
    )
    breaches.append(outcome_problem)
    return [b for b in breaches if b is not None]


def requirement_term(
    term_months: int, decided_on: dt.date, field: str = "term_months"
) -> tuple[LegalRule | None, Breach | None]:
    """The rule of the term on the decision day, and the breach if ``term_months`` is outside."""
    try:
        rule = legal_rule("requirement.term_months", decided_on)
    except NoRuleInForce:
        return None, Breach("decided_on", str(NO_RULE_IN_FORCE))
    return rule, term_breach(rule, term_months, decided_on, field)


def term_breach(
    rule: LegalRule, term_months: int, decided_on: dt.date, field: str = "term_months"
) -> Breach | None:
    if rule.value["min"] <= term_months <= rule.value["max"]:
        return None
    return Breach(field, term_message(rule, decided_on))


def term_message(rule: LegalRule, decided_on: dt.date) -> str:
    """The range of the term under ``rule``, naming its basis and the day it is read on."""
    return str(TERM_OUT_OF_RANGE % {**rule.value, "basis": rule.basis, "date": _day(decided_on)})
