"""How a review reads: timeline entries in the reader's language, and the published summaries.

The timeline stores codes (a risk level, a sanction, a referral's status) so that one snapshot
reads in Kazakh, Russian and English; this module turns them into words. The summaries are what
a review publishes when it closes: region, year, harm, the coded findings and the
recommendations with their owners and progress — never a person, an incident or a date finer
than the year.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext as _

from qorgau.accounts.models import Organisation, User
from qorgau.coordination.models import ReferralStatus
from qorgau.programs.models import EnrolmentStatus
from qorgau.registry import choices as c
from qorgau.reviews.models import (
    FindingCode,
    Recommendation,
    ReviewStatus,
    SeriousCaseReview,
    Source,
    TimelineEntry,
)
from qorgau.territory.models import Level

# Which choices a stored code of the timeline's ``detail`` belongs to.
CODES: dict[str, type[TextChoices]] = {
    "injury": c.InjurySeverity,
    "role": c.ParticipantRole,
    "level": c.RiskLevel,
    "computed_level": c.RiskLevel,
    "sanction": c.Sanction,
    "kind": c.OffenceKind,
    "outcome": c.OffenceOutcome,
    "prevention": c.PreventionKind,
    "referral_status": ReferralStatus,
    "enrolment_status": EnrolmentStatus,
}

# The body each register belongs to, when the entry names no organisation.
REGISTER_KEEPER: dict[str, str] = {
    Source.REQUIREMENT: "court",
    Source.REQUIREMENT_VIOLATION: "court",
    Source.CITIZEN_REPORT: "portal",
    Source.CONFERENCE: "body",
}


def _label(key: str, value: Any) -> str:
    choices = CODES.get(key)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return str(value)


def _who(entry: TimelineEntry, agencies: dict[int, Organisation]) -> str:
    """Which agency saw it: the named organisation, else the register's keeper and where."""
    if entry.organisation_id and entry.organisation_id in agencies:
        return agencies[entry.organisation_id].display_name
    keeper = REGISTER_KEEPER.get(entry.source, "police")
    where = entry.territory.name if entry.territory else ""
    names = {
        "court": _("court"),
        "portal": _("citizen portal (triage)"),
        "police": _("police"),
        "body": _("coordinating body"),
    }
    return f"{names[keeper]}, {where}" if where else names[keeper]


def officer_name(user: User | None) -> str:
    """A staff user as every page names one (full name, else user name); "—" when unknown."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def describe(entry: TimelineEntry, agencies: dict[int, Organisation]) -> dict[str, str]:
    """What the entry says, who saw it (agency and officer), and the details, in the reader's
    language. The officer is read from ``entry.officer``: select it with the entries."""
    details = []
    for key, value in entry.detail.items():
        if key == "sender":
            sender = agencies.get(value)
            details.append(
                _("referred by %(agency)s") % {"agency": sender.display_name if sender else "—"}
            )
        elif key == "compliant":
            details.append(_("order complied with") if value else _("order not complied with"))
        elif key == "article":
            details.append(_("article %(article)s") % {"article": value})
        else:
            details.append(_label(key, value))
    return {
        "who": _who(entry, agencies),
        "officer": officer_name(entry.officer),
        "details": ", ".join(details),
    }


@dataclass(frozen=True)
class Summary:
    reference: str
    region: str
    year: int
    harm: str
    findings: list[tuple[str, int]]
    recommendations: list[Recommendation]
    text: str


def _region_name(review: SeriousCaseReview) -> str:
    district = review.district
    region = (
        district.parent if district.parent_id and district.level == Level.DISTRICT else district
    )
    return region.name if region else ""


def summaries() -> list[Summary]:
    """Every closed review's anonymised summary, newest first."""
    reviews = (
        SeriousCaseReview.objects.filter(status=ReviewStatus.CLOSED)
        .select_related("district__parent")
        .prefetch_related("findings", "recommendations__owner")
        .order_by("-event_on", "-pk")
    )
    result = []
    for review in reviews:
        counts = Counter(finding.code for finding in review.findings.all())
        result.append(
            Summary(
                reference=review.reference,
                region=_region_name(review),
                year=review.event_on.year,
                harm=review.get_harm_display(),
                findings=[(str(FindingCode(code).label), n) for code, n in sorted(counts.items())],
                recommendations=list(review.recommendations.all()),
                text=review.summary,
            )
        )
    return result
