"""Synthetic data for the citizen portal, on top of the registry's synthetic records.

Volumes: about 20 reports per 100,000 population a year (≈4,000 a year nationally — a small
share of the ≈100,000 family-domestic appeals of 2024, as a new channel would get), spread
over the districts by population, over the last 365 days. Triage delays are log-normal with a
median of about 9 hours (most within the 24-hour target, a tail of several days); reports of
the last hours are still waiting. Outcomes: a third linked to a synthetic incident of the
same district when there is one, the rest referred or closed with a reason. Every region gets
a crisis centre, a shelter, a family support centre, legal aid and a psychologist; the
national lines 111 and 150 are listed for all; a few volunteers, councils and activities.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from qorgau.citizens.models import (
    ActivityKind,
    AtRisk,
    CitizenReport,
    CloseReason,
    HelpService,
    PreventionActivity,
    Reporter,
    ReportStatus,
    ServiceKind,
    VettingStatus,
    Volunteer,
    VolunteerKind,
)
from qorgau.citizens.services import receipt_digest, receipt_new
from qorgau.lib import phrases
from qorgau.lib.crypto import encrypt_text
from qorgau.registry.models import Incident
from qorgau.synth.phones import mobile_number
from qorgau.territory.models import Territory, TerritoryPopulation

SOURCE = "synth"
PHONE_STREAM = 7  # the directory's numbers come from their own stream of the seed
RATE_PER_100K = 20.0

_ACCOUNTS = [
    "Shouting and crying from the flat next door again, something was broken.",
    "My sister's husband hits her, she is afraid to go to the police.",
    "Соседка просила о помощи, муж не пускает её из дома.",
    "Көршінің үйінен айқай мен баланың жылағаны естіледі.",
    "He takes all her money and threatens her when she wants to leave.",
    "Отец бьёт детей, в школе видели синяки.",
]


def _district_weights() -> tuple[list[Territory], np.ndarray]:
    districts = list(Territory.objects.current().districts().select_related("parent"))
    latest: dict[int, int] = {}
    for territory_id, total in TerritoryPopulation.objects.order_by("year").values_list(
        "territory_id", "total"
    ):
        latest[territory_id] = total
    weights = np.array([latest.get(d.pk, 30_000) for d in districts], dtype=float)
    return districts, weights


def synthesise(*, seed: int, progress: Callable[[str], Any] | None = None) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    now = timezone.now()
    districts, population = _district_weights()
    counts = rng.poisson(population * RATE_PER_100K / 100_000)
    regions = list(Territory.objects.current().regions())
    # a generator of its own, so that the numbers leave the rest of the data unchanged
    services_made = _directory(regions, np.random.default_rng([seed, PHONE_STREAM]))
    by_region_service: dict[int, list[HelpService]] = {}
    for service in services_made:
        by_region_service.setdefault(service.region_id or 0, []).append(service)
    incidents: dict[int, list[int]] = {}
    for pk, district_id in (
        Incident.objects.filter(source=SOURCE, occurred_at__gte=now - dt.timedelta(days=400))
        .values_list("pk", "district_id")
        .iterator()
    ):
        incidents.setdefault(district_id, []).append(pk)
    if progress:
        progress(f"citizens: {int(counts.sum())} reports")
    token_cache = [encrypt_text(text) for text in _ACCOUNTS]
    reports: list[CitizenReport] = []
    at_risk = AtRisk.values
    reasons = CloseReason.values
    for district, count in zip(districts, counts, strict=True):
        for _ in range(int(count)):
            submitted = now - dt.timedelta(seconds=float(rng.uniform(0, 365 * 86400)))
            delay = dt.timedelta(hours=float(rng.lognormal(np.log(9), 1.0)))
            triaged_at = submitted + delay if submitted + delay < now else None
            report = CitizenReport(
                receipt_digest=receipt_digest(receipt_new()),
                submitted_at=submitted,
                language=str(rng.choice(["kk", "ru", "en"], p=[0.45, 0.5, 0.05])),
                district=district,
                happening_now=bool(rng.random() < 0.12),
                occurred_on=(submitted - dt.timedelta(days=int(rng.integers(0, 10)))).date(),
                at_risk=str(rng.choice(at_risk, p=[0.3, 0.4, 0.04, 0.18, 0.05, 0.03])),
                reporter=str(rng.choice(Reporter.values, p=[0.35, 0.25, 0.3, 0.1])),
                children_involved=bool(rng.random() < 0.35),
                account_token=token_cache[int(rng.integers(len(token_cache)))],
                source=SOURCE,
            )
            if triaged_at is not None:
                report.triaged_at = triaged_at
                roll = rng.random()
                candidates = incidents.get(district.pk, [])
                if roll < 0.33 and candidates:
                    report.status = ReportStatus.LINKED
                    report.linked_incident_id = int(rng.choice(candidates))
                elif roll < 0.75:
                    report.status = ReportStatus.REFERRED
                    options = by_region_service.get(district.parent_id or 0) or by_region_service[0]
                    report.referred_to = options[int(rng.integers(len(options)))]
                else:
                    report.status = ReportStatus.CLOSED
                    report.close_reason = str(rng.choice(reasons, p=[0.3, 0.2, 0.3, 0.1, 0.1]))
            reports.append(report)
    with transaction.atomic():
        CitizenReport.objects.bulk_create(reports, batch_size=2000)
        volunteers, activities = _volunteers(rng, regions, now)
    return {
        "citizen_reports": len(reports),
        "help_services": len(services_made),
        "volunteers": volunteers,
        "prevention_activities": activities,
    }


# (kk, ru, en): the directory is written in the three languages, ``name`` as entered in English
_HOTLINES = (
    (
        "111",
        (
            "111 — отбасы, әйелдер және балалар құқықтарын қорғау мәселелері жөніндегі "
            "байланыс орталығы",
            "111 — контакт-центр по вопросам семьи, женщин и защиты прав детей",
            "111 — family, women and children contact centre",
        ),
        (
            "Тегін мемлекеттік желі, мәтіндік чат та бар.",
            "Бесплатная государственная линия, есть также текстовый чат.",
            "Free state line, also text chat.",
        ),
    ),
    (
        "150",
        (
            "150 — балалар мен жастарға арналған сенім телефоны",
            "150 — телефон доверия для детей и молодёжи",
            "150 — helpline for children and young people",
        ),
        ("", "", ""),
    ),
)
_REGIONAL = (
    (
        ServiceKind.CRISIS_CENTRE,
        ("Дағдарыс орталығы", "Кризисный центр", "Crisis centre"),
        "24/7",
        "kk, ru",
    ),
    (
        ServiceKind.SHELTER,
        (
            "Әйелдер мен балаларға арналған баспана",
            "Убежище для женщин и детей",
            "Shelter for women and children",
        ),
        "24/7",
        "kk, ru",
    ),
    (
        ServiceKind.FAMILY_SUPPORT,
        ("Отбасын қолдау орталығы", "Центр поддержки семьи", "Family support centre"),
        phrases.WEEKDAYS,
        "kk, ru",
    ),
    (
        ServiceKind.LEGAL_AID,
        ("Заң көмегі бюросы", "Бюро юридической помощи", "Legal aid office"),
        phrases.WEEKDAYS,
        "kk, ru, en",
    ),
    (
        ServiceKind.PSYCHOLOGIST,
        ("Психологиялық көмек", "Психологическая помощь", "Psychological help"),
        phrases.WEEKDAYS_AND_SATURDAY,
        "kk, ru",
    ),
)


def _named(
    names: tuple[str, str, str], about: tuple[str, str, str] = ("", "", "")
) -> dict[str, str]:
    """A directory entry's texts in the three languages (``name`` as entered: English)."""
    kk, ru, en = names
    return {
        "name": en,
        "name_kk": kk,
        "name_ru": ru,
        "name_en": en,
        "description": about[2],
        "description_kk": about[0],
        "description_ru": about[1],
        "description_en": about[2],
    }


def _directory(regions: list[Territory], phones: np.random.Generator) -> list[HelpService]:
    """The national hotlines and each region's services, with plausible varied numbers."""
    rows = [
        HelpService(
            kind=ServiceKind.HOTLINE,
            phone=phone,
            hours="24/7",
            languages="kk, ru",
            source=SOURCE,
            **_named(names, about),
        )
        for phone, names, about in _HOTLINES
    ]
    for region in regions:
        for kind, (kk, ru, en), hours, languages in _REGIONAL:
            names = (
                f"{kk} — {region.name_kk}",
                f"{ru} — {region.name_ru}",
                f"{en} — {region.name_en}",
            )
            rows.append(
                HelpService(
                    kind=kind,
                    region=region,
                    phone=mobile_number(phones),
                    hours=hours,
                    languages=languages,
                    source=SOURCE,
                    **_named(names),
                )
            )
    return HelpService.objects.bulk_create(rows)


def _volunteers(
    rng: np.random.Generator, regions: list[Territory], now: dt.datetime
) -> tuple[int, int]:
    made: list[Volunteer] = []
    for region in regions:
        for index in range(int(rng.integers(2, 7))):
            kind = VolunteerKind.COUNCIL if index == 0 else VolunteerKind.VOLUNTEER
            status = str(rng.choice(VettingStatus.values, p=[0.25, 0.65, 0.1]))
            made.append(
                Volunteer(
                    kind=kind,
                    name=f"Council of {region.name_en}" if index == 0 else f"Volunteer {index}",
                    region=region,
                    contact_token=encrypt_text(f"+7 700 {index:03d} 00 00"),
                    submitted_at=now - dt.timedelta(days=int(rng.integers(10, 300))),
                    status=status,
                    decided_at=None if status == VettingStatus.PENDING else now,
                    decision_note="" if status != VettingStatus.REFUSED else phrases.NO_REFERENCE,
                    source=SOURCE,
                )
            )
    Volunteer.objects.bulk_create(made)
    activities = [
        PreventionActivity(
            kind=str(rng.choice(ActivityKind.values)),
            title=phrases.ACTIVITIES[index % len(phrases.ACTIVITIES)],
            region=region,
            held_on=(now - dt.timedelta(days=int(rng.integers(1, 365)))).date(),
            participants=int(rng.integers(8, 120)),
            source=SOURCE,
        )
        for region in regions
        for index in range(int(rng.integers(1, 5)))
    ]
    PreventionActivity.objects.bulk_create(activities)
    return len(made), len(activities)


def clear() -> None:
    with transaction.atomic():
        CitizenReport.objects.filter(source=SOURCE).delete()
        PreventionActivity.objects.filter(source=SOURCE).delete()
        Volunteer.objects.filter(source=SOURCE).delete()
        # Real reports may point at synthetic rows; the registry's clear deletes by raw SQL,
        # which would not apply the SET_NULL of these links.
        CitizenReport.objects.filter(referred_to__source=SOURCE).update(referred_to=None)
        CitizenReport.objects.filter(linked_incident__source=SOURCE).update(linked_incident=None)
        CitizenReport.objects.filter(linked_person__source=SOURCE).update(linked_person=None)
        HelpService.objects.filter(source=SOURCE).delete()
