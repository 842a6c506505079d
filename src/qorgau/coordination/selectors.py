"""What each user may see of the coordination part, and the candidates for a case conference.

Visibility is two locks: the access layer (:func:`qorgau.accounts.access.restrict`: role and
territory or organisation), then the agency: a user who does not keep the coordinating body sees
only the actions his or her agency owns and the referrals it sent or received. A police officer
has a district or region scope rather than an organisation; his or her agencies are the police
organisations placed in that scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from qorgau.accounts.access import placed_in, restrict
from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.accounts.roles import ACT_FOR_AGENCY, KEEP_COORDINATING_BODY, ScopeKind
from qorgau.coordination.models import (
    ConferenceCase,
    CoordinatingBody,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Referral,
    ReferralStatus,
    SafetyAction,
)
from qorgau.lib.months import add_months
from qorgau.registry import choices as c
from qorgau.registry.models import (
    BehaviourRequirement,
    IncidentParticipant,
    OrderViolation,
    Person,
    ProtectiveOrder,
    RequirementViolation,
    RiskAssessment,
)
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.typing import RequestUser


# The MARAC repeat rule and the look-back of every criterion.
WINDOW_MONTHS = 12
HIGH_LEVELS = (c.RiskLevel.HIGH, c.RiskLevel.CRITICAL)


def review_within_days() -> int:
    """How soon after a high-risk assessment the case should be at a conference (a setting)."""
    return int(getattr(settings, "QORGAU_CONFERENCE_REVIEW_DAYS", 30))


def months_before(day: dt.date, months: int) -> dt.date:
    """The same calendar day ``months`` earlier (the last day of a shorter month)."""
    return add_months(day, -months)


def months_after(day: dt.date, months: int) -> dt.date:
    return add_months(day, months)


def _local_day(moment: dt.datetime) -> dt.date:
    """The calendar day in Almaty time (the ``__date`` lookups use it too)."""
    return timezone.localtime(moment).date()


# --- Who is who -------------------------------------------------------------------------------


def keeps_bodies(user: RequestUser) -> bool:
    return bool(user.is_authenticated and user.has_perm(KEEP_COORDINATING_BODY))


def agency_ids(user: RequestUser) -> set[int]:
    """The agencies the user acts for: the own organisation, or the police in the scope.

    Kept on the user object for the rest of the request: the overview asks it for every list
    it shows, and a regional police supervisor's answer walks the territory tree each time.
    """
    if "_agency_ids" not in user.__dict__:
        user.__dict__["_agency_ids"] = _agency_ids(user)
    return set(user.__dict__["_agency_ids"])


def _agency_ids(user: RequestUser) -> set[int]:
    if not (user.is_authenticated and user.has_perm(ACT_FOR_AGENCY)):
        return set()
    if user.organisation_id:
        return {user.organisation_id}
    if (
        user.scope_kind in (ScopeKind.REGION, ScopeKind.DISTRICT)
        and user.territory_id
        and user.territory is not None
    ):
        ids = territory_scope_ids(user.territory)
        return set(
            Organisation.objects.filter(
                kind=OrganisationKind.POLICE, territory_id__in=ids
            ).values_list("pk", flat=True)
        )
    return set()


def bodies_for(user: RequestUser) -> QuerySet[CoordinatingBody]:
    """Bodies in the user's territory (a member agency's users see the bodies it sits on)."""
    bodies = CoordinatingBody.objects.select_related("territory")
    if not user.is_authenticated:
        return bodies.none()
    if user.is_superuser or user.scope_kind == ScopeKind.COUNTRY:
        return bodies if (keeps_bodies(user) or user.is_superuser) else bodies.none()
    if keeps_bodies(user) and user.territory_id and user.territory is not None:
        return bodies.filter(territory_id__in=territory_scope_ids(user.territory))
    agencies = agency_ids(user)
    if agencies:
        return bodies.filter(members__organisation_id__in=agencies).distinct()
    return bodies.none()


def meetings_for(user: RequestUser) -> QuerySet[Meeting]:
    return Meeting.objects.filter(body__in=bodies_for(user)).select_related("body")


def decisions_for(user: RequestUser) -> QuerySet[Decision]:
    """Decisions of the user's bodies; an agency sees only the decisions it owns."""
    decisions = Decision.objects.filter(meeting__body__in=bodies_for(user)).select_related(
        "owner", "meeting", "meeting__body"
    )
    if keeps_bodies(user) or user.is_superuser:
        return decisions
    return decisions.filter(owner_id__in=agency_ids(user))


def cases_for(user: RequestUser) -> QuerySet[ConferenceCase]:
    """Whole cases: only for the keeper of the body (and within the access layer)."""
    if not keeps_bodies(user):
        return ConferenceCase.objects.none()
    return restrict(ConferenceCase.objects.select_related("meeting", "district"), user)


def actions_for(user: RequestUser) -> QuerySet[SafetyAction]:
    """Safety actions: all of the body's for its keeper, the own agency's for everyone else."""
    actions = restrict(
        SafetyAction.objects.select_related("owner", "case", "case__meeting__body"), user
    )
    if keeps_bodies(user):
        return actions
    return actions.filter(owner_id__in=agency_ids(user))


def referrals_for(user: RequestUser) -> QuerySet[Referral]:
    """Referrals the user's agency sent or received (all in the territory for the keeper)."""
    referrals = restrict(
        Referral.objects.select_related("kind", "sender", "receiver", "district"), user
    )
    if keeps_bodies(user):
        return referrals
    agencies = agency_ids(user)
    return referrals.filter(Q(sender_id__in=agencies) | Q(receiver_id__in=agencies))


# --- Aggregate counts for the periodic report ------------------------------------------------


def activity_counts(
    territory: Any, start: dt.date, end: dt.date, *, today: dt.date
) -> dict[str, int]:
    """How much the coordinating bodies of ``territory`` (and every unit below it) did from
    ``start`` to ``end``: counts only, never a person, so the periodic report can print them.

    Items are placed as the monitoring measures place them (a decision in its body's territory,
    a safety action and a referral in the case's district). ``overdue`` is what was due in the
    period and is still open on ``today``.
    """
    ids = territory_scope_ids(territory)
    bodies = CoordinatingBody.objects.filter(territory_id__in=ids)
    held = Meeting.objects.filter(
        body__in=bodies, status=MeetingStatus.HELD, held_on__gte=start, held_on__lte=end
    )
    meetings = held.aggregate(
        regular=Count("pk", filter=Q(kind=MeetingKind.REGULAR)),
        conferences=Count("pk", filter=Q(kind=MeetingKind.CONFERENCE)),
    )
    due = {"deadline__gte": start, "deadline__lte": end}
    overdue = (
        Decision.objects.filter(meeting__body__in=bodies, **due).overdue_on(today).count()
        + SafetyAction.objects.filter(case__district_id__in=ids, **due).overdue_on(today).count()
    )
    referrals = Referral.objects.filter(
        district_id__in=ids, sent_at__date__gte=start, sent_at__date__lte=end
    ).exclude(status=ReferralStatus.WITHDRAWN)
    answered = referrals.aggregate(
        answered=Count("pk", filter=Q(responded_at__isnull=False)),
        in_time=Count("pk", filter=Q(responded_at__lte=F("respond_by"))),
    )
    return {
        "bodies": bodies.filter(is_active=True).count(),
        "referrals": referrals.count(),
        "meetings": meetings["regular"],
        "conferences": meetings["conferences"],
        "cases_discussed": ConferenceCase.objects.filter(
            meeting__body__in=bodies, discussed_on__gte=start, discussed_on__lte=end
        ).count(),
        "decisions_taken": Decision.objects.filter(meeting__in=held).count(),
        "overdue": overdue,
        "referrals_answered": answered["answered"],
        "referrals_answered_in_time": answered["in_time"],
    }


# --- Candidates for a case conference --------------------------------------------------------


def victim_recorded_in(victim_id: int, territory: Any) -> bool:
    """Whether the registry places the victim in the territory: the home district, an incident,
    an assessment, or an order or requirement protecting him or her — each record placed by its
    own access policy (:func:`qorgau.accounts.access.placed_in`), not by a rule kept here."""
    records: tuple[QuerySet[Any], ...] = (
        Person.objects.filter(pk=victim_id),
        RiskAssessment.objects.filter(victim_id=victim_id),
        ProtectiveOrder.objects.filter(protected_persons=victim_id),
        BehaviourRequirement.objects.filter(protected_persons=victim_id),
    )
    return any(placed_in(queryset, territory) for queryset in records)


class Criterion:
    HIGH_RISK = "high_risk"
    REPEATED_INCIDENTS = "repeated_incidents"
    VIOLATIONS = "violations"
    CHILDREN = "children_at_risk"
    REPEAT_CASE = "repeat_case"

    ALL = (HIGH_RISK, REPEATED_INCIDENTS, VIOLATIONS, CHILDREN, REPEAT_CASE)


@dataclass
class Candidate:
    victim_id: int
    reasons: set[str] = field(default_factory=set)
    district_id: int | None = None
    last_event: dt.date | None = None

    @property
    def reference(self) -> str:
        return f"P-{self.victim_id:06d}"


def _victims_in(district_ids: set[int], start: dt.date, end: dt.date) -> QuerySet[Any]:
    return IncidentParticipant.objects.filter(
        role=c.ParticipantRole.VICTIM,
        incident__district_id__in=district_ids,
        incident__occurred_at__date__gte=start,
        incident__occurred_at__date__lte=end,
    )


def high_risk_victims(district_ids: set[int], start: dt.date, end: dt.date) -> dict[int, Any]:
    """Victims whose latest assessment (up to ``end``) rates the risk high or critical and was
    made within the window in the territory.

    Two plain queries instead of a correlated "latest" subquery: the victims with a high rating
    in the window, then all assessments of just those victims.
    """
    rated_high = set(
        RiskAssessment.objects.filter(
            district_id__in=district_ids,
            assessed_at__date__gte=start,
            assessed_at__date__lte=end,
            level__in=HIGH_LEVELS,
        ).values_list("victim_id", flat=True)
    )
    latest: dict[int, tuple[str, int, dt.datetime]] = {}
    rows = (
        RiskAssessment.objects.filter(victim_id__in=rated_high, assessed_at__date__lte=end)
        .order_by("assessed_at", "pk")
        .values_list("victim_id", "level", "district_id", "assessed_at")
    )
    for victim, level, district, moment in rows.iterator(chunk_size=5000):
        latest[victim] = (level, district, moment)
    return {
        victim: (district, _local_day(moment))
        for victim, (level, district, moment) in latest.items()
        if level in HIGH_LEVELS and district in district_ids
    }


def repeated_incident_victims(
    district_ids: set[int], start: dt.date, end: dt.date
) -> dict[int, Any]:
    """Victims of two or more incidents within the window."""
    latest: dict[int, Any] = {}
    counts: dict[int, int] = {}
    for victim, district, moment in _victims_in(district_ids, start, end).values_list(
        "person_id", "incident__district_id", "incident__occurred_at"
    ):
        counts[victim] = counts.get(victim, 0) + 1
        if victim not in latest or _local_day(moment) > latest[victim][1]:
            latest[victim] = (district, _local_day(moment))
    return {victim: latest[victim] for victim, count in counts.items() if count >= 2}


def violation_victims(district_ids: set[int], start: dt.date, end: dt.date) -> dict[int, Any]:
    """Persons protected by an order or a requirement that was violated within the window."""
    found: dict[int, Any] = {}
    orders = OrderViolation.objects.filter(
        order__district_id__in=district_ids, occurred_on__gte=start, occurred_on__lte=end
    ).values_list("order__protected_persons", "order__district_id", "occurred_on")
    requirements = RequirementViolation.objects.filter(
        requirement__district_id__in=district_ids, occurred_on__gte=start, occurred_on__lte=end
    ).values_list("requirement__protected_persons", "requirement__district_id", "occurred_on")
    for rows in (orders, requirements):
        for person, district, day in rows:
            if person is not None and (person not in found or day > found[person][1]):
                found[person] = (district, day)
    return found


def children_at_risk_victims(
    district_ids: set[int], start: dt.date, end: dt.date
) -> dict[int, Any]:
    """Victims of an incident within the window at which children were present or harmed."""
    rows = (
        _victims_in(district_ids, start, end)
        .filter(Q(incident__children_present=True) | Q(incident__children_harmed=True))
        .values_list("person_id", "incident__district_id", "incident__occurred_at")
    )
    found: dict[int, Any] = {}
    for victim, district, moment in rows:
        if victim not in found or _local_day(moment) > found[victim][1]:
            found[victim] = (district, _local_day(moment))
    return found


def repeat_case_victims(district_ids: set[int], end: dt.date) -> dict[int, Any]:
    """The repeat rule: discussed at a conference, then a new incident within 12 months of it."""
    found: dict[int, Any] = {}
    # A conference up to 24 months ago can still have a repeat within 12 months of it.
    earliest = months_before(end, 2 * WINDOW_MONTHS)
    discussed = ConferenceCase.objects.filter(
        discussed_on__gte=earliest, discussed_on__lte=end
    ).values_list("victim_id", "discussed_on")
    last_discussed: dict[int, dt.date] = {}
    for victim, day in discussed:
        if day > last_discussed.get(victim, dt.date.min):
            last_discussed[victim] = day
    if not last_discussed:
        return found
    rows = (
        _victims_in(district_ids, earliest, end)
        .filter(person_id__in=list(last_discussed))
        .values_list("person_id", "incident__district_id", "incident__occurred_at")
    )
    for victim, district, moment in rows:
        day = _local_day(moment)
        after = last_discussed[victim] < day <= months_after(last_discussed[victim], WINDOW_MONTHS)
        if after and (victim not in found or day > found[victim][1]):
            found[victim] = (district, day)
    return found


def conference_candidates(
    territory: Any, *, on: dt.date, criteria: tuple[str, ...] = Criterion.ALL
) -> list[Candidate]:
    """The cases the body of ``territory`` should discuss on ``on``, most reasons first.

    Every criterion looks back twelve months and only at records placed in the territory. A
    victim discussed at a conference within the last twelve months comes back only by the
    repeat rule (a new incident since): otherwise the same case would fill every agenda.
    """
    district_ids = territory_scope_ids(territory)
    start = months_before(on, WINDOW_MONTHS)
    finders = {
        Criterion.HIGH_RISK: lambda: high_risk_victims(district_ids, start, on),
        Criterion.REPEATED_INCIDENTS: lambda: repeated_incident_victims(district_ids, start, on),
        Criterion.VIOLATIONS: lambda: violation_victims(district_ids, start, on),
        Criterion.CHILDREN: lambda: children_at_risk_victims(district_ids, start, on),
        Criterion.REPEAT_CASE: lambda: repeat_case_victims(district_ids, on),
    }
    candidates: dict[int, Candidate] = {}
    for name in criteria:
        for victim, (district, day) in finders[name]().items():
            candidate = candidates.setdefault(victim, Candidate(victim))
            candidate.reasons.add(name)
            if candidate.last_event is None or day > candidate.last_event:
                candidate.last_event, candidate.district_id = day, district
    recently_discussed = set(
        ConferenceCase.objects.filter(
            victim_id__in=list(candidates), discussed_on__gte=start, discussed_on__lte=on
        ).values_list("victim_id", flat=True)
    )
    chosen = [
        candidate
        for candidate in candidates.values()
        if candidate.victim_id not in recently_discussed
        or Criterion.REPEAT_CASE in candidate.reasons
    ]
    chosen.sort(key=lambda x: (-len(x.reasons), -(x.last_event or dt.date.min).toordinal()))
    return chosen
