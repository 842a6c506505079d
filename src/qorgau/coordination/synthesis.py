"""Synthetic coordination data on top of the registry's synthetic records (``source="synth"``).

Every current region gets a coordinating body whose members are the region's agencies; monthly
meetings with decisions over the last two years; a monthly case conference that discusses a
realistic share (about 60%) of the region's high-risk victims, most within the review window;
safety action plans; and referrals with lognormal response delays, some never answered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.coordination.models import (
    ConferenceCase,
    CoordinatingBody,
    Decision,
    ItemStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Membership,
    Referral,
    ReferralKind,
    ReferralOutcome,
    ReferralStatus,
    SafetyAction,
    SharingBasis,
)
from qorgau.coordination.selectors import HIGH_LEVELS
from qorgau.lib import phrases
from qorgau.lib.months import add_months
from qorgau.registry.models import RiskAssessment
from qorgau.synth.agency_names import regional_names
from qorgau.territory.models import Level, Territory
from qorgau.territory.services import territory_scope_ids

SOURCE = "synth"
MONTHS = 24
SHARE_DISCUSSED = 0.6
BODY = "Coordinating body for family, children and youth affairs"
AGENCIES: dict[str, str] = {
    OrganisationKind.POLICE: "Police department",
    OrganisationKind.HEALTH: "Health department",
    OrganisationKind.EDUCATION: "Education department",
    OrganisationKind.SOCIAL_PROTECTION: "Social protection department",
    OrganisationKind.JUSTICE: "Justice department",
    OrganisationKind.PROSECUTOR: "Prosecutor's office",
    OrganisationKind.LEGAL_AID: "Legal aid centre",
    OrganisationKind.NGO: "Women's support NGO",
    OrganisationKind.CRISIS_CENTRE: "Crisis centre",
}


def _at(day: dt.date, hour: int, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    first = today.replace(day=1)
    return [add_months(first, -back) for back in range(months, -1, -1)]


def _tracked_state(
    rng: np.random.Generator, deadline: dt.date, today: dt.date
) -> tuple[str, dt.date | None]:
    """Most items are done, a sixth late; open ones past the deadline are escalated."""
    roll = rng.random()
    if roll < 0.7:
        done = deadline - dt.timedelta(days=int(rng.integers(0, 20)))
        return (ItemStatus.DONE, done) if done <= today else (ItemStatus.IN_PROGRESS, None)
    if roll < 0.85:
        done = deadline + dt.timedelta(days=int(rng.integers(1, 30)))
        if done <= today:
            return ItemStatus.DONE, done
    return (ItemStatus.ESCALATED if deadline < today else ItemStatus.OPEN), None


@transaction.atomic
def synthesise(*, seed: int, progress: Callable[[str], Any] | None = None) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    zone = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate()
    kinds = {k.code: k for k in ReferralKind.objects.all()}
    counts = dict.fromkeys(
        ["bodies", "members", "meetings", "decisions", "cases", "actions", "referrals"], 0
    )
    regions = Territory.objects.current().filter(level=Level.REGION).order_by("kato_code")
    for region in regions:
        if progress:
            progress(f"coordination: {region.name_en}")
        agencies = {
            kind: Organisation.objects.get_or_create(
                name=f"{label}, {region.name_en}",
                territory=region,
                defaults={"kind": kind, **regional_names(label, region)},
            )[0]
            for kind, label in AGENCIES.items()
        }
        body = CoordinatingBody.objects.create(
            name=f"{BODY}, {region.name_en}",
            territory=region,
            source=SOURCE,
            **regional_names(BODY, region),
        )
        Membership.objects.bulk_create(
            Membership(body=body, organisation=o, joined_on=today - dt.timedelta(days=800))
            for o in agencies.values()
        )
        counts["bodies"] += 1
        counts["members"] += len(agencies)
        owners = list(agencies.values())
        meetings: list[tuple[Meeting, dt.date]] = []
        for start in _month_starts(today, MONTHS):
            for kind, day_of_month in ((MeetingKind.REGULAR, 10), (MeetingKind.CONFERENCE, 20)):
                day = start.replace(day=day_of_month)
                held = day <= today
                meeting = Meeting(
                    body=body,
                    kind=kind,
                    planned_at=_at(day, 10, zone),
                    agenda=phrases.AGENDA,
                    status=MeetingStatus.HELD if held else MeetingStatus.PLANNED,
                    held_on=day if held else None,
                    minutes=phrases.MINUTES if held else "",
                )
                meetings.append((meeting, day))
        Meeting.objects.bulk_create([m for m, _day in meetings])
        counts["meetings"] += len(meetings)
        decisions = []
        for meeting, day in meetings:
            if meeting.kind != MeetingKind.REGULAR or day > today:
                continue
            meeting.attendees.set(
                [o for o in owners if rng.random() < 0.85]  # not everyone comes
            )
            for _ in range(int(rng.integers(1, 4))):
                deadline = day + dt.timedelta(days=int(rng.integers(20, 90)))
                status, completed = _tracked_state(rng, deadline, today)
                decisions.append(
                    Decision(
                        meeting=meeting,
                        text=str(rng.choice(phrases.DECISIONS)),
                        owner=owners[int(rng.integers(len(owners)))],
                        deadline=deadline,
                        status=status,
                        completed_on=completed,
                        created_at=_at(day, 12, zone),
                        escalated_at=_at(deadline + dt.timedelta(days=1), 9, zone)
                        if status == ItemStatus.ESCALATED
                        else None,
                    )
                )
        Decision.objects.bulk_create(decisions)
        counts["decisions"] += len(decisions)
        conferences = [(m, d) for m, d in meetings if m.kind == MeetingKind.CONFERENCE]
        _cases(rng, region, conferences, agencies, kinds, today, zone, counts)
    return counts


def _cases(
    rng: np.random.Generator,
    region: Territory,
    conferences: list[tuple[Meeting, dt.date]],
    agencies: dict[str, Organisation],
    kinds: dict[str, ReferralKind],
    today: dt.date,
    zone: ZoneInfo,
    counts: dict[str, int],
) -> None:
    first = conferences[0][1]
    assessed = (
        RiskAssessment.objects.filter(
            district_id__in=territory_scope_ids(region),
            level__in=HIGH_LEVELS,
            assessed_at__date__gte=first - dt.timedelta(days=30),
        )
        .order_by("assessed_at")
        .values_list("victim_id", "district_id", "assessed_at")
    )
    seen: set[int] = set()
    cases = []
    for victim, district, moment in assessed:
        if victim in seen or rng.random() > SHARE_DISCUSSED:
            continue
        seen.add(victim)
        day = moment.astimezone(zone).date()
        skip = 0 if rng.random() < 0.75 else 1  # a quarter wait for a later conference
        later = [(m, d) for m, d in conferences if d >= day and d <= today]
        if len(later) <= skip:
            continue
        meeting, discussed = later[skip]
        cases.append(
            ConferenceCase(
                meeting=meeting,
                victim_id=victim,
                district_id=district,
                discussed_on=discussed,
                reasons=["high_risk"],
                sharing_basis=SharingBasis.CONSENT if rng.random() < 0.6 else SharingBasis.LAW,
                sharing_reference=phrases.CONSENT_SIGNED if rng.random() < 0.6 else "Art. 16",
                source=SOURCE,
            )
        )
    ConferenceCase.objects.bulk_create(cases)
    counts["cases"] += len(cases)
    actions, referrals = [], []
    kinds_list = list(agencies)
    for case in cases:
        for kind in rng.choice(kinds_list, size=int(rng.integers(2, 5)), replace=False):
            deadline = case.discussed_on + dt.timedelta(days=int(rng.integers(7, 45)))
            status, completed = _tracked_state(rng, deadline, today)
            actions.append(
                SafetyAction(
                    case=case,
                    owner=agencies[str(kind)],
                    description=phrases.ACTIONS[str(kind)],
                    deadline=deadline,
                    status=status,
                    completed_on=completed,
                    created_at=_at(case.discussed_on, 12, zone),
                )
            )
        referrals.append(_referral(rng, case, agencies, kinds, today, zone))
    SafetyAction.objects.bulk_create(actions)
    Referral.objects.bulk_create([r for r in referrals if r is not None])
    counts["actions"] += len(actions)
    counts["referrals"] += sum(r is not None for r in referrals)


def _referral(
    rng: np.random.Generator,
    case: ConferenceCase,
    agencies: dict[str, Organisation],
    kinds: dict[str, ReferralKind],
    today: dt.date,
    zone: ZoneInfo,
) -> Referral | None:
    code, receiver = (
        ("crisis_centre", OrganisationKind.CRISIS_CENTRE)
        if rng.random() < 0.5
        else ("legal_aid", OrganisationKind.LEGAL_AID)
    )
    kind = kinds.get(code)
    if kind is None:
        return None
    sent = _at(case.discussed_on, 14, zone)
    respond_by = sent + dt.timedelta(hours=kind.respond_within_hours)
    # Lognormal answer delay, median about a third of the allowed time; 8% never answered.
    delay = dt.timedelta(hours=float(rng.lognormal(np.log(kind.respond_within_hours / 3), 1.0)))
    now = timezone.now()
    referral = Referral(
        kind=kind,
        person_id=case.victim_id,
        case=case,
        district_id=case.district_id,
        sender=agencies[OrganisationKind.POLICE],
        receiver=agencies[receiver],
        reason=phrases.REFERRAL_REASONS[code],
        sharing_basis=case.sharing_basis,
        sharing_reference=case.sharing_reference,
        sent_at=sent,
        respond_by=respond_by,
        source=SOURCE,
    )
    if rng.random() < 0.08 or sent + delay > now:
        if respond_by < now:
            referral.status, referral.escalated_at = ReferralStatus.ESCALATED, respond_by
        return referral
    referral.responded_at = sent + delay
    if rng.random() < 0.1:
        referral.status, referral.decline_reason = ReferralStatus.DECLINED, phrases.NO_CAPACITY
        return referral
    referral.status = ReferralStatus.ACCEPTED
    referral.outcome_due_by = referral.responded_at + dt.timedelta(days=kind.outcome_within_days)
    finish = referral.responded_at + dt.timedelta(
        days=float(rng.uniform(1, kind.outcome_within_days * 1.3))
    )
    if finish <= now and rng.random() < 0.85:
        referral.status = ReferralStatus.COMPLETED
        referral.completed_at = finish
        referral.outcome = str(
            rng.choice(
                [
                    ReferralOutcome.SERVICE_GIVEN,
                    ReferralOutcome.PARTLY,
                    ReferralOutcome.CLIENT_REFUSED,
                ],
                p=[0.75, 0.15, 0.1],
            )
        )
    return referral


@transaction.atomic
def clear() -> None:
    """Remove the synthetic coordination rows (the agencies stay: other parts may use them)."""
    bodies = CoordinatingBody.objects.filter(source=SOURCE)
    Referral.objects.filter(source=SOURCE).delete()
    SafetyAction.objects.filter(case__meeting__body__in=bodies).delete()
    ConferenceCase.objects.filter(meeting__body__in=bodies).delete()
    Decision.objects.filter(meeting__body__in=bodies).delete()
    Meeting.objects.filter(body__in=bodies).delete()
    bodies.delete()


# A demo agency also sends referrals of this kind (a crisis centre to legal aid, a polyclinic
# to the crisis centre), taking every other one its region's police sent.
DEMO_SENDS: dict[str, str] = {
    OrganisationKind.CRISIS_CENTRE: "legal_aid",
    OrganisationKind.HEALTH: "crisis_centre",
}


def _region_of(territory: Territory) -> Territory:
    region = territory
    while region.parent is not None and region.level > Level.REGION:
        region = region.parent
    return region


@transaction.atomic
def demo_adopt(organisation: Organisation) -> int:
    """Hand the synthetic agency of ``organisation``'s kind in its region over to it: the
    actions, decisions, meetings and referrals of that agency become the organisation's.

    The demo accounts work for organisations the administrator set up (``qorgau
    demo_accounts``); this gives them a working day in the synthetic country. Safe to re-run
    (the synthetic agency has nothing left to hand over); rows written.
    """
    region = _region_of(organisation.territory)
    label = AGENCIES.get(organisation.kind)
    synthetic = Organisation.objects.filter(name=f"{label}, {region.name_en}", territory=region)
    if label is None or not synthetic.exists():
        return 0
    source = synthetic.get()
    bodies = CoordinatingBody.objects.filter(source=SOURCE, territory=region)
    moved = SafetyAction.objects.filter(owner=source, case__meeting__body__in=bodies).update(
        owner=organisation
    )
    moved += Decision.objects.filter(owner=source, meeting__body__in=bodies).update(
        owner=organisation
    )
    attendance = Meeting.attendees.through.objects.filter(
        organisation_id=source.pk, meeting__body__in=bodies
    )
    moved += attendance.update(organisation_id=organisation.pk)
    referrals = Referral.objects.filter(source=SOURCE, district_id__in=territory_scope_ids(region))
    moved += referrals.filter(receiver=source).update(receiver=organisation)
    moved += referrals.filter(sender=source).update(sender=organisation)
    return moved + _demo_sends(organisation, referrals)


def _demo_sends(organisation: Organisation, referrals: Any) -> int:
    code = DEMO_SENDS.get(organisation.kind)
    if code is None or referrals.filter(sender=organisation, kind__code=code).exists():
        return 0
    police = referrals.filter(kind__code=code, sender__kind=OrganisationKind.POLICE)
    taken = list(police.order_by("pk").values_list("pk", flat=True))[::2]
    return int(Referral.objects.filter(pk__in=taken).update(sender=organisation))
