"""Synthetic budget data on top of the synthetic registry (``source="synth"``).

For every region and year of the latest synthetic run: allocations of each sub-programme
sized to the region's population from the public figure (about 1.4 bn tenge of local budgets
for crisis centres around 2022, growing about 10% a year), a third of them revised; monthly
execution at 85–100% of the revised allocation with some regions under-executing and a
December rush; outputs consistent with the crisis-centre volumes of the synthetic registers
(the synthetic crisis-centre records, ``RegisterRecord``, scaled back to the country).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import ExtractYear

from qorgau.budget.models import Allocation, AllocationRevision, Execution, Source, SubProgramme
from qorgau.budget.selectors import population_of
from qorgau.lib import phrases
from qorgau.registry.models import Register, RegisterRecord
from qorgau.territory.models import Territory

CRISIS_2022 = 1.4e9  # tenge, local budgets, ≈2022 (kz-domain §3.4)
GROWTH = 1.10
# Other sub-programmes as a share of crisis-centre money, and the first year they are funded.
SHARES = {
    "crisis_centres": (1.0, 0),
    "psychocorrection": (0.25, 2023),  # grant pilot 2023, rollout 2024
    "prevention": (0.15, 0),
    "hotlines": (0.20, 0),
    "training": (0.05, 0),
    "family_support": (0.60, 2023),  # family support centres grew 33 → 131 after 2024
}
# Tenge per unit of output, for sub-programmes whose volume is not in the registers.
UNIT_PRICES = {
    "psychocorrection": 150_000,  # per person enrolled
    "prevention": 2_000,  # per person reached
    "hotlines": 3_000,  # per contact
    "training": 60_000,  # per specialist trained
    "family_support": 40_000,  # per family member served
}
MONTH_WEIGHTS = np.asarray([0.7, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.8])


def _money(value: float) -> Decimal:
    return Decimal(str(round(value / 1000) * 1000))


def _crisis_volumes(run_scale: float) -> Counter[tuple[str, int]]:
    """Crisis-centre clients by today's region and year, scaled back to the country, from the
    synthetic register records (a district keeps its KATO code across the 2022 reform; its
    current version names today's region)."""
    from qorgau.synth.writer import SOURCE

    today = dict(
        Territory.objects.current().districts().values_list("kato_code", "parent__kato_code")
    )
    counts = (
        RegisterRecord.objects.filter(register=Register.CRISIS_CENTRE, source=SOURCE)
        .annotate(year=ExtractYear("seen_on"))
        .values("district__kato_code", "district__parent__kato_code", "year")
        .annotate(n=Count("id"))
        .values_list("district__kato_code", "district__parent__kato_code", "year", "n")
    )
    seen: Counter[tuple[str, int]] = Counter()
    for district, parent, year, n in counts:
        seen[today.get(district) or parent or "", year] += n
    return Counter({key: round(n / run_scale) for key, n in seen.items()})


def _regions(year: int, last_day: dt.date) -> list[Territory]:
    day = min(dt.date(year, 12, 31), last_day)
    return list(Territory.objects.regions().valid_on(day).order_by("kato_code"))


@transaction.atomic
def synthesise(*, seed: int, progress: Callable[[str], Any] | None = None) -> dict[str, int]:
    """Build the budget of the latest synthetic run; return the rows written."""
    from qorgau.synth.models import SynthRun

    run = SynthRun.objects.order_by("-pk").first()
    if run is None:
        return {"allocations": 0, "revisions": 0, "executions": 0}
    clear()
    subs = {s.code: s for s in SubProgramme.objects.filter(code__in=SHARES)}
    volumes = _crisis_volumes(run.scale)
    allocations: list[Allocation] = []
    revisions: list[AllocationRevision] = []
    executions: list[Execution] = []
    for year in range(run.first_year, run.last_year + 1):
        regions = _regions(year, run.last_day)
        populations = population_of([r.pk for r in regions], year)
        country = sum(populations.values()) or 1
        months = 12 if dt.date(year, 12, 31) <= run.last_day else run.last_day.month - 1
        for index, region in enumerate(regions):
            rng = np.random.default_rng([seed, year, index, 7])
            base = CRISIS_2022 * GROWTH ** (year - 2022) * populations.get(region.pk, 0) / country
            under = rng.random() < 0.15  # some regions spend well below their allocation
            for code, (share, since) in SHARES.items():
                served = volumes.get((region.kato_code, year), 0)
                if year < since or code not in subs or (code == "crisis_centres" and not served):
                    continue
                approved = _money(base * share * rng.lognormal(0, 0.2))
                revised = approved
                allocation = Allocation(
                    sub_programme=subs[code],
                    region=region,
                    year=year,
                    approved=approved,
                    revised=approved,
                    source=Source.SYNTH,
                )
                revisions.append(
                    AllocationRevision(
                        allocation=allocation, number=1, approved=approved, revised=approved
                    )
                )
                if rng.random() < 0.3:
                    revised = _money(float(approved) * rng.uniform(0.9, 1.15))
                    allocation.revised = revised
                    revisions.append(
                        AllocationRevision(
                            allocation=allocation,
                            number=2,
                            approved=approved,
                            revised=revised,
                            reason=phrases.BUDGET_CLARIFIED,
                        )
                    )
                allocations.append(allocation)
                rate = rng.uniform(0.6, 0.85) if under else rng.uniform(0.85, 1.0)
                executions += _months(rng, allocation, rate, months, code, served)
        if progress:
            progress(f"budget {year}: {len(regions)} regions")
    Allocation.objects.bulk_create(allocations)
    for revision in revisions:
        revision.allocation_id = revision.allocation.pk
    AllocationRevision.objects.bulk_create(revisions)
    Execution.objects.bulk_create(executions, batch_size=2000)
    return {
        "allocations": len(allocations),
        "revisions": len(revisions),
        "executions": len(executions),
    }


def _months(
    rng: np.random.Generator,
    allocation: Allocation,
    rate: float,
    months: int,
    code: str,
    served_year: int,
) -> list[Execution]:
    """Monthly execution of ``rate`` × the revised allocation, and the outputs it bought."""
    if months == 0:
        return []
    weights = MONTH_WEIGHTS * rng.uniform(0.85, 1.15, 12)
    shares = weights / weights.sum()
    total = float(allocation.revised) * rate
    rows = []
    for month in range(1, months + 1):
        executed = Decimal(str(round(total * shares[month - 1], 2)))
        wages = (executed * Decimal("0.55")).quantize(Decimal("0.01"))
        goods = (executed * Decimal("0.25")).quantize(Decimal("0.01"))
        outputs = _outputs(rng, code, float(executed), served_year * shares[month - 1])
        rows.append(
            Execution(
                sub_programme=allocation.sub_programme,
                region=allocation.region,
                year=allocation.year,
                month=month,
                executed=executed,
                wages=wages,
                goods_services=goods,
                social_order=executed - wages - goods,
                source=Source.SYNTH,
                **outputs,
            )
        )
    return rows


def _outputs(rng: np.random.Generator, code: str, executed: float, served: float) -> dict[str, int]:
    if code == "crisis_centres":
        people = int(round(served))
        return {"people_served": people, "bed_nights": int(people * rng.uniform(12, 30))}
    people = int(executed / UNIT_PRICES[code] * rng.uniform(0.8, 1.2))
    if code == "psychocorrection":
        return {
            "people_served": people,
            "sessions": people * 8,
            "completed": int(people * rng.uniform(0.5, 0.75) / 3),
        }
    if code == "training":
        return {"trainings": people, "sessions": max(1, people // 20) if people else 0}
    if code in ("prevention", "family_support"):
        factor = 1 / 25 if code == "prevention" else 4
        return {"people_served": people, "sessions": int(people * factor)}
    return {"people_served": people}


@transaction.atomic
def clear() -> None:
    """Remove the synthetic budget (revisions go with their allocations)."""
    Execution.objects.filter(source=Source.SYNTH).delete()
    Allocation.objects.filter(source=Source.SYNTH).delete()
