"""A month's statistics of a centre's case files, GBVIMS style, and the monthly form filled
from them.

GBVIMS centres report anonymised monthly tables drawn from their case files (new cases by
incident type, by sex and age, by who referred them; referrals made and what became of them)
rather than counting by hand. Here the same tables are counted from the case files, and the
crisis-centre monthly form (``monitoring/data/aggregate_forms.yaml``, ``crisis_centre``) is
filled from them as a draft: clients served, of whom women, children and men, and those
referred by the police. Beds and bed-days are not in the case files: the draft keeps what the
centre entered for them, and the centre still submits the report itself.

Counts only leave this module: no row names a survivor.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from qorgau.cases.models import (
    CaseReferral,
    CaseStatus,
    GbvimsType,
    ReferredBy,
)
from qorgau.coordination.models import ReferralStatus
from qorgau.monitoring.aggregates import report_save
from qorgau.monitoring.models import AggregateReport
from qorgau.monitoring.periods import PeriodKind, period_parse
from qorgau.registry import choices as c

if TYPE_CHECKING:
    from qorgau.accounts.models import User


FORM = "crisis_centre"
FROM_CASES = ("clients_total", "clients_women", "clients_children", "clients_men")


@dataclass
class MonthStatistics:
    """The month's tables of one organisation's case files."""

    period: str
    first: dt.date
    last: dt.date
    new_cases: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_referrer: Counter[str] = field(default_factory=Counter)
    served: int = 0
    served_women: int = 0
    served_children: int = 0
    served_men: int = 0
    served_referred_by_police: int = 0
    closed: int = 0
    referrals_made: Counter[str] = field(default_factory=Counter)

    def figures(self) -> dict[str, int]:
        """The monthly form's items counted from the case files."""
        return {
            "clients_total": self.served,
            "clients_women": self.served_women,
            "clients_children": self.served_children,
            "clients_men": self.served_men,
            "referrals_from_police": self.served_referred_by_police,
        }

    def type_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.by_type[code]) for code, label in GbvimsType.choices]

    def referrer_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.by_referrer[code]) for code, label in ReferredBy.choices]

    def referral_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.referrals_made[code]) for code, label in ReferralStatus.choices]


def month_bounds(period: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a month written ``YYYY-MM``; ``ValueError`` otherwise."""
    parsed = period_parse(period)
    if parsed.kind != PeriodKind.MONTH:
        raise ValueError(period)
    return parsed.start, parsed.end


def month_statistics(cases: Any, period: str) -> MonthStatistics:
    """Count the month's tables over ``cases`` (a queryset the caller has scoped)."""
    first, last = month_bounds(period)
    stats = MonthStatistics(period=period, first=first, last=last)
    served = cases.open_during(first, last)
    for case in (
        served.select_related(None)
        .prefetch_related(None)
        .only("opened_on", "gbvims_type", "referred_by", "sex", "birth_year", "status", "closed_on")
    ):
        stats.served += 1
        if case.is_child:
            stats.served_children += 1
        elif case.sex == c.Sex.MALE:
            stats.served_men += 1
        else:
            stats.served_women += 1
        if case.referred_by == ReferredBy.POLICE:
            stats.served_referred_by_police += 1
        if first <= case.opened_on <= last:
            stats.new_cases += 1
            stats.by_type[case.gbvims_type] += 1
            stats.by_referrer[case.referred_by] += 1
        if case.status == CaseStatus.CLOSED and case.closed_on and first <= case.closed_on <= last:
            stats.closed += 1
    referrals = CaseReferral.objects.filter(
        case__in=cases, referral__sent_at__date__range=(first, last)
    )
    stats.referrals_made.update(referrals.values_list("referral__status", flat=True))
    return stats


def monthly_report_fill(
    *,
    actor: User,
    cases: Any,
    period: str,
    request: HttpRequest | None = None,
) -> AggregateReport:
    """Fill the actor's organisation's crisis-centre form for ``period`` from its case files.

    A draft (or returned) report keeps the figures the cases do not hold (beds, bed-days); a
    submitted one is locked and refused by :func:`report_save`, as for typed figures.
    """
    stats = month_statistics(cases, period)
    kept: dict[str, int] = {}
    existing = AggregateReport.objects.filter(
        form=FORM, period=period, organisation=actor.organisation
    ).first()
    if existing is not None:
        kept = dict(existing.figures.values_list("item", "value"))
    values = {**kept, **stats.figures()}
    return report_save(
        actor=actor,
        form_code=FORM,
        period=period,
        values=values,
        organisation=actor.organisation,
        request=request,
    )
