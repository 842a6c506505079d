"""Synthetic monthly aggregate reports on top of the synthetic registers (``source="synth"``).

For the last 24 complete months of the latest synthetic run, every body that reports totals
sends its month, with figures drawn from the same simulated country as the registry:

* a crisis centre in every region (the agency the coordinating bodies also use): its clients
  are the region's synthetic crisis-centre records of the month (``RegisterRecord``; women,
  children and men by the record's sex and age), about 0.4 shelter beds per 10,000 women, an
  average stay of ten days, a third referred by the police;
* a family support centre in every region: the families seen by social services;
* every district's health facilities (the health records, a third reported to the police),
  its 111 calls (the 111 records, half passed on) and its schools (the children of incidents
  where children were present, a share of them reported and helped).

The workflow is realistic too: most months are accepted, about one in ten was submitted after
the due day, a few are still drafts or waiting for the region, and a few of the latest month
are missing, so the alerts page lists them as overdue.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import transaction

from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.monitoring.aggregates import forms_load
from qorgau.monitoring.models import AggregateFigure, AggregateReport, ReportStatus
from qorgau.registry.models import Incident, RegisterRecord
from qorgau.synth.agency_names import regional_names
from qorgau.territory.models import Level, Territory, TerritoryPopulation

SOURCE = "synth"
MONTHS = 24
BEDS_PER_10K_WOMEN = 0.4
STAY_DAYS = 10
CENTRES = {
    "crisis_centre": (OrganisationKind.CRISIS_CENTRE, "Crisis centre"),
    "family_support_centre": (OrganisationKind.FAMILY_SUPPORT_CENTRE, "Family support centre"),
}

SYNTHESISED = frozenset(
    {"crisis_centre", "family_support_centre", "health_facility", "contact_centre_111", "schools"}
)  # the forms _figures knows how to fill
Month = tuple[int, int]  # year, month
Reporter = tuple[int, int | None]  # territory, organisation


def _months(last_day: dt.date) -> list[Month]:
    """The complete months up to ``last_day``, the latest ``MONTHS`` of them."""
    year, month = last_day.year, last_day.month
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    if following - dt.timedelta(days=1) > last_day:  # the last month is not over yet
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    months = []
    for _ in range(MONTHS):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(months)


def _register_counts(
    first: dt.date, region_of: dict[int, int]
) -> dict[tuple[str, int, Month], Counter[str]]:
    """Synthetic register records from ``first`` on, counted as women, children and men by
    (register, territory, month), the territory being the district and also its region."""
    found: dict[tuple[str, int, Month], Counter[str]] = {}
    rows = RegisterRecord.objects.filter(source=SOURCE, seen_on__gte=first).values_list(
        "register", "district_id", "seen_on", "sex", "birth_year"
    )
    for register, district, seen, sex, born in rows.iterator(chunk_size=5000):
        group = "children" if born and seen.year - born < 18 else ("men" if sex == "M" else "women")
        for territory in (district, region_of.get(district)):
            if territory is not None:
                key = (register, territory, (seen.year, seen.month))
                found.setdefault(key, Counter())[group] += 1
    return found


def _children_present(first: dt.date, zone: ZoneInfo) -> Counter[tuple[int, Month]]:
    moments = Incident.objects.filter(
        source=SOURCE,
        children_present=True,
        occurred_at__gte=dt.datetime(first.year, first.month, 1, tzinfo=zone),
    ).values_list("district_id", "occurred_at")
    counted: Counter[tuple[int, Month]] = Counter()
    for district, moment in moments.iterator(chunk_size=5000):
        local = moment.astimezone(zone)
        counted[district, (local.year, local.month)] += 1
    return counted


def _state(
    rng: np.random.Generator, month: Month, latest: bool, due_day: int, zone: ZoneInfo
) -> dict[str, Any] | None:
    """Status and time stamps of one report; ``None`` when it was never entered."""
    year, number = month
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    roll = rng.random()
    if latest and roll < 0.05:
        return None
    if latest and roll < 0.08:
        return {"status": ReportStatus.DRAFT}
    late = rng.random() < 0.1
    day = int(rng.integers(due_day + 1, 26)) if late else int(rng.integers(1, due_day + 1))
    submitted = dt.datetime(following.year, following.month, day, 11, tzinfo=zone)
    if latest and roll < 0.2:
        return {"status": ReportStatus.SUBMITTED, "submitted_at": submitted}
    approved = submitted + dt.timedelta(days=int(rng.integers(1, 6)))
    accepted = approved + dt.timedelta(days=int(rng.integers(1, 10)))
    return {
        "status": ReportStatus.ACCEPTED,
        "submitted_at": submitted,
        "approved_at": approved,
        "accepted_at": accepted,
    }


def _figures(
    rng: np.random.Generator,
    form: str,
    seen: Counter[str],
    beds: int,
    month: Month,
    children: int,
) -> dict[str, int]:
    total = sum(seen.values())
    if form == "crisis_centre":
        days = (dt.date(month[0] + month[1] // 12, month[1] % 12 + 1, 1) - dt.timedelta(1)).day
        return {
            "clients_total": total,
            "clients_women": seen["women"],
            "clients_children": seen["children"],
            "clients_men": seen["men"],
            "beds": beds,
            "bed_days": min(beds * days, int(rng.poisson(total * STAY_DAYS))),
            "referrals_from_police": int(rng.binomial(total, 1 / 3)),
        }
    if form == "family_support_centre":
        families = total + int(rng.poisson(total * 1.5))
        return {
            "families_served": families,
            "families_violence": total,
            "consultations": int(rng.poisson(families * 2.5)),
            "referred_to_police": int(rng.binomial(total, 0.2)),
            "referred_to_crisis_centre": int(rng.binomial(total, 0.1)),
        }
    if form == "health_facility":
        return {"injuries_treated": total, "reported_to_police": int(rng.binomial(total, 1 / 3))}
    if form == "contact_centre_111":
        return {"calls_violence": total, "passed_to_police": int(rng.binomial(total, 0.5))}
    assert form == "schools", form  # synthesise() passes only SYNTHESISED forms
    identified = int(rng.binomial(children, 0.6))
    return {
        "children_identified": identified,
        "children_reported_to_police": int(rng.binomial(identified, 0.3)),
        "children_psychological_help": int(rng.binomial(identified, 0.7)),
    }


@transaction.atomic
def synthesise(*, seed: int, progress: Callable[[str], Any] | None = None) -> dict[str, int]:
    """Write the monthly reports of the latest synthetic run; return the rows written."""
    from qorgau.synth.models import SynthRun

    clear()
    run = SynthRun.objects.order_by("-pk").first()
    if run is None:
        return {"reports": 0, "figures": 0}
    zone = ZoneInfo(settings.TIME_ZONE)
    months = _months(run.last_day)
    first = dt.date(months[0][0], months[0][1], 1)
    regions = list(Territory.objects.current().filter(level=Level.REGION).order_by("kato_code"))
    districts = list(Territory.objects.current().filter(level=Level.DISTRICT).order_by("kato_code"))
    region_of = {d.pk: d.parent_id for d in districts if d.parent_id}
    registered = _register_counts(first, region_of)
    children = _children_present(first, zone)
    women = dict(
        TerritoryPopulation.objects.filter(
            territory__in=regions, year__lte=months[-1][0], females__isnull=False
        )
        .order_by("territory_id", "year")
        .values_list("territory_id", "females")
    )  # the latest year published for each region
    centres = {
        form: {
            region.pk: Organisation.objects.get_or_create(
                name=f"{label}, {region.name_en}",
                territory=region,
                defaults={"kind": kind, **regional_names(label, region)},
            )[0].pk
            for region in regions
        }
        for form, (kind, label) in CENTRES.items()
    }
    register_of = {
        "crisis_centre": "crisis_centre",
        "family_support_centre": "social",
        "health_facility": "health",
        "contact_centre_111": "line_111",
    }
    rng = np.random.default_rng([seed, 4])
    forms, due_day = forms_load()
    reports: list[AggregateReport] = []
    values: list[dict[str, int]] = []
    for code in forms:
        if code not in SYNTHESISED:  # a form added to the file later has no simulated figures
            continue
        reporters: list[Reporter]
        if code in centres:
            reporters = [(region.pk, centres[code][region.pk]) for region in regions]
        else:
            reporters = [(district.pk, None) for district in districts]
        for territory, organisation in reporters:
            beds = max(2, round((women.get(territory) or 0) / 10_000 * BEDS_PER_10K_WOMEN))
            for month in months:
                state = _state(rng, month, month == months[-1], due_day, zone)
                if state is None:
                    continue
                seen = registered.get((register_of.get(code, ""), territory, month), Counter())
                reports.append(
                    AggregateReport(
                        form=code,
                        period=f"{month[0]}-{month[1]:02d}",
                        territory_id=territory,
                        organisation_id=organisation,
                        source=SOURCE,
                        **state,
                    )
                )
                values.append(
                    _figures(rng, code, seen, beds, month, children.get((territory, month), 0))
                )
        if progress:
            progress(f"monitoring: {code} reports")
    AggregateReport.objects.bulk_create(reports, batch_size=2000)
    stored = AggregateReport.objects.filter(source=SOURCE).values_list(
        "pk", "form", "period", "territory_id", "organisation_id"
    )
    key_of: dict[tuple[str, str, int, int | None], int] = {
        (f, p, t, o): pk for pk, f, p, t, o in stored
    }
    figures = [
        AggregateFigure(
            report_id=key_of[r.form, r.period, r.territory_id, r.organisation_id],
            item=item,
            value=value,
        )
        for r, figures_ in zip(reports, values, strict=True)
        for item, value in figures_.items()
    ]
    AggregateFigure.objects.bulk_create(figures, batch_size=5000)
    return {"reports": len(reports), "figures": len(figures)}


def clear() -> None:
    """Remove the synthetic reports and their figures; the centres stay (other parts use them)."""
    # by the reports' keys: PostgreSQL without statistics ran the join as a subquery per row
    reports = list(AggregateReport.objects.filter(source=SOURCE).values_list("pk", flat=True))
    for offset in range(0, len(reports), 5_000):
        AggregateFigure.objects.filter(report_id__in=reports[offset : offset + 5_000]).delete()
    AggregateReport.objects.filter(source=SOURCE).delete()


def demo_adopt(organisation: Organisation, region: Territory) -> int:
    """The monthly totals of ``region``'s synthetic centre of the organisation's kind become
    the organisation's (a demo crisis centre reports its region's months); rows changed."""
    labels: dict[str, str] = {str(kind): label for kind, label in CENTRES.values()}
    label = labels.get(organisation.kind)
    if label is None:
        return 0
    synthetic = Organisation.objects.filter(name=f"{label}, {region.name_en}", territory=region)
    reports = AggregateReport.objects.filter(source=SOURCE, organisation__in=synthetic)
    # stored where the organisation's own reports are (``aggregates.report_start``)
    return int(reports.update(organisation=organisation, territory=organisation.territory))
