"""Read queries shared by the pages, the API, the measures and the evaluation.

The obliged are read from the registry each time (a court decision is the source of truth);
nothing is copied, so a requirement recorded this morning is on the provider's list now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum, TextField
from django.db.models.functions import Cast

from qorgau.accounts.access import restrict
from qorgau.accounts.models import User
from qorgau.accounts.roles import ScopeKind
from qorgau.programs.models import (
    ACTIVE_STATUSES,
    Accreditation,
    Enrolment,
    EnrolmentStatus,
    PossibleViolation,
    Programme,
    Provider,
)
from qorgau.registry import choices as c
from qorgau.registry.models import BehaviourRequirement
from qorgau.territory.models import Level, Territory, TerritorySuccession
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.typing import Viewer


CONDITION = c.RequirementCondition.ATTEND_PSYCHOCORRECTION


def obliged_requirements(*, region: Territory | None = None) -> QuerySet[BehaviourRequirement]:
    """Requirements whose conditions include attending a programme (JSON text match works the
    same on SQLite and PostgreSQL, where ``contains`` on a JSON list does not)."""
    queryset = (
        BehaviourRequirement.objects.annotate(_conditions=Cast("conditions", TextField()))
        .filter(_conditions__contains=f'"{CONDITION}"')
        .select_related("offender", "district")
    )
    if region is not None:
        queryset = queryset.filter(district_id__in=territory_scope_ids(region))
    return queryset


def candidates(
    *, region: Territory, on: dt.date, include_listed: bool = False
) -> QuerySet[BehaviourRequirement]:
    """Obliged offenders of ``region`` whose requirement is in force on ``on`` and who are not
    (yet) waiting, enrolled or through a programme under this requirement."""
    queryset = obliged_requirements(region=region).filter(starts_on__lte=on, ends_on__gte=on)
    if not include_listed:
        queryset = queryset.exclude(
            Exists(
                Enrolment.objects.filter(requirement=OuterRef("pk")).exclude(
                    status=EnrolmentStatus.DROPPED_OUT
                )
            )
        )
    return queryset.order_by("decided_on", "pk")


def provider_of(user: Viewer) -> Provider | None:
    """The provider a provider's staff member works for (``None`` for every other user)."""
    if not isinstance(user, User) or user.scope_kind != ScopeKind.ORGANISATION:
        return None
    if not user.organisation_id:
        return None
    return Provider.objects.filter(organisation_id=user.organisation_id).first()


def providers_for(user: Viewer) -> QuerySet[Provider]:
    """The provider register a user may read: its own provider, its region, or the country
    (nothing for a request nobody signed in to, or a command)."""
    queryset = Provider.objects.select_related("organisation", "region")
    if not isinstance(user, User):
        return queryset.none()
    kind = user.scope_kind
    if kind == ScopeKind.COUNTRY:
        return queryset
    if kind == ScopeKind.ORGANISATION and user.organisation_id is not None:
        return queryset.filter(organisation_id=user.organisation_id)
    if kind in (ScopeKind.REGION, ScopeKind.DISTRICT) and user.territory is not None:
        return queryset.filter(region_id__in=territory_scope_ids(user.territory))
    return queryset.none()  # a scope without its territory or organisation sees nothing


def programmes_for(user: Viewer) -> QuerySet[Programme]:
    return (
        Programme.objects.filter(provider__in=providers_for(user))
        .select_related("provider__organisation", "provider__region")
        .annotate(
            active=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)),
            waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITING)),
        )
    )


def enrolments_for(user: Viewer) -> QuerySet[Enrolment]:
    """Participants through the access layer: a provider sees only its own."""
    return restrict(Enrolment.objects.all(), user).select_related(
        "programme__provider__organisation", "requirement", "offender", "district"
    )


def possible_violations_for(
    user: Viewer, *, requirement: BehaviourRequirement | None = None
) -> QuerySet[PossibleViolation]:
    """Missed sessions and drop-outs reported to the district police and the court liaison.

    This is the flag the registry side shows (a requirement's page, the inspector's work list):
    the access layer gives each officer the reports of his or her territory.
    """
    queryset = restrict(PossibleViolation.objects.all(), user).select_related(
        "requirement", "district", "enrolment__programme__provider__organisation"
    )
    if requirement is not None:
        queryset = queryset.filter(requirement=requirement)
    return queryset


def is_accredited(programme: Programme, on: dt.date) -> bool:
    provider = programme.provider
    for holder in (programme, provider):
        if holder.accreditation != Accreditation.ACCREDITED:
            return False
        if holder.accredited_until and holder.accredited_until < on:
            return False
    return programme.is_active


def places_taken(programme: Programme) -> int:
    return programme.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()


@dataclass(frozen=True)
class RegionDemand:
    """Court demand against programme places in one region, on one day."""

    region: Territory
    obliged: int
    waiting: int
    enrolled: int
    unlisted: int
    capacity: int

    @property
    def coverage(self) -> float | None:
        """Places per obliged offender in force (1.0 = every one can have a place)."""
        return self.capacity / self.obliged if self.obliged else None

    @property
    def shortfall(self) -> int:
        return max(0, self.waiting + self.unlisted + self.enrolled - self.capacity)


def demand_by_region(
    *, on: dt.date, regions: QuerySet[Territory] | None = None
) -> list[RegionDemand]:
    """Obliged offenders in force, waiting lists, enrolments and places per current region.

    Counted per district in four grouped queries and summed over each region's scope (its
    units and the older versions wholly inside it, as ``territory_scope_ids``), instead of a
    dozen queries per region: the page lists every region of the country.
    """
    regions = regions if regions is not None else Territory.objects.current().regions()
    ordered = list(regions.order_by("kato_code"))
    scopes = _scopes(ordered)
    in_force = obliged_requirements().filter(starts_on__lte=on, ends_on__gte=on)
    obliged = _by_district(in_force)
    unlisted = _by_district(in_force.exclude(Exists(_listed())))
    statuses = _statuses_by_district(in_force)
    places = dict(
        Programme.objects.filter(
            provider__region__in=ordered,
            is_active=True,
            accreditation=Accreditation.ACCREDITED,
            provider__accreditation=Accreditation.ACCREDITED,
        )
        .values_list("provider__region_id")
        .annotate(places=Sum("capacity"))
    )
    return [
        RegionDemand(
            region=region,
            obliged=_total(obliged, scopes[region.pk]),
            waiting=_total(statuses[EnrolmentStatus.WAITING], scopes[region.pk]),
            enrolled=_total(statuses[EnrolmentStatus.ENROLLED], scopes[region.pk]),
            unlisted=_total(unlisted, scopes[region.pk]),
            capacity=places.get(region.pk) or 0,
        )
        for region in ordered
    ]


def _listed() -> QuerySet[Enrolment]:
    """An enrolment that keeps a requirement off the candidates (any but a dropped-out one)."""
    return Enrolment.objects.filter(requirement=OuterRef("pk")).exclude(
        status=EnrolmentStatus.DROPPED_OUT
    )


def _by_district(requirements: QuerySet[BehaviourRequirement]) -> dict[int, int]:
    grouped = requirements.order_by().values_list("district_id").annotate(n=Count("pk"))
    return dict(grouped)


def _statuses_by_district(
    requirements: QuerySet[BehaviourRequirement],
) -> dict[str, dict[int, int]]:
    """Waiting and enrolled listings of the requirements, by the requirement's district."""
    grouped = (
        Enrolment.objects.filter(
            requirement__in=requirements.values("pk"),
            status__in=[EnrolmentStatus.WAITING, EnrolmentStatus.ENROLLED],
        )
        .order_by()
        .values_list("status", "requirement__district_id")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, dict[int, int]] = {
        EnrolmentStatus.WAITING: {},
        EnrolmentStatus.ENROLLED: {},
    }
    for status, district, n in grouped:
        counts[status][district] = n
    return counts


def _total(counts: dict[int, int], scope: frozenset[int]) -> int:
    return sum(n for district, n in counts.items() if district in scope)


def _scopes(regions: list[Territory]) -> dict[int, frozenset[int]]:
    """``territory_scope_ids`` of every region from one read of the tree and successions."""
    children: dict[int, set[int]] = {}
    for pk, parent in Territory.objects.values_list("pk", "parent_id"):
        if parent is not None:
            children.setdefault(parent, set()).add(pk)
    successors_of: dict[int, set[int]] = {}
    for predecessor, successor in TerritorySuccession.objects.values_list(
        "predecessor_id", "successor_id"
    ):
        successors_of.setdefault(predecessor, set()).add(successor)
    return {region.pk: _scope(region.pk, children, successors_of) for region in regions}


def _scope(
    root: int, children: dict[int, set[int]], successors_of: dict[int, set[int]]
) -> frozenset[int]:
    scope, frontier = {root}, {root}
    while frontier:
        frontier = {child for pk in frontier for child in children.get(pk, ())} - scope
        scope |= frontier
    changed = True
    while changed:
        changed = False
        for predecessor, successors in successors_of.items():
            if predecessor not in scope and successors <= scope:
                scope.add(predecessor)
                changed = True
    return frozenset(scope)


def demand_regions_for(user: Viewer) -> QuerySet[Territory]:
    regions = Territory.objects.current().regions()
    if not isinstance(user, User):
        return regions.none()
    kind = user.scope_kind
    if kind == ScopeKind.ORGANISATION:
        provider = provider_of(user)
        return regions.filter(pk=provider.region_id) if provider else regions.none()
    if kind in (ScopeKind.REGION, ScopeKind.DISTRICT) and user.territory is not None:
        region = user.territory
        while region.level > Level.REGION and region.parent is not None:
            region = region.parent
        return regions.filter(pk=region.pk)
    return regions if kind == ScopeKind.COUNTRY else regions.none()


def period_counts(territory: Territory, start: dt.date, end: dt.date) -> dict[str, int]:
    """Counts of the programmes' work in ``territory`` from ``start`` to ``end`` (never a
    person; for the periodic report). Enrolments are placed in the district of the court's
    requirement, as the monitoring measures place them."""
    ids = territory_scope_ids(territory)
    enrolments = Enrolment.objects.filter(district_id__in=ids)
    ended = Q(ended_on__gte=start, ended_on__lte=end)
    counts = enrolments.aggregate(
        listed=Count("pk", filter=Q(listed_on__gte=start, listed_on__lte=end)),
        enrolled=Count("pk", filter=Q(enrolled_on__gte=start, enrolled_on__lte=end)),
        completed=Count("pk", filter=ended & Q(status=EnrolmentStatus.COMPLETED)),
        dropped_out=Count("pk", filter=ended & Q(status=EnrolmentStatus.DROPPED_OUT)),
    )
    return {name: int(value or 0) for name, value in counts.items()}


def waiting_list(programme: Programme) -> QuerySet[Enrolment]:
    """First come, first served: the order the provider listed them in."""
    return programme.enrolments.filter(status=EnrolmentStatus.WAITING).order_by("listed_on", "pk")


def active_enrolment(requirement: BehaviourRequirement) -> Enrolment | None:
    return Enrolment.objects.filter(requirement=requirement, status__in=ACTIVE_STATUSES).first()
