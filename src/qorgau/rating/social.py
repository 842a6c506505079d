"""Social disadvantage and deaths, read from the yearly returns of social services and forensic
medicine (:class:`~qorgau.registry.models.SocialReturn`).

The study asks that akimats be judged on social disadvantage as well as on violence, and
deaths are the outcome a register of the police cannot make smaller: a body goes to forensic
medicine and into the civil registry whatever the police wrote. Each return is one body's
figures for one district and year, so a rated territory's value is built from its districts:

* a figure is known for a territory only when **every district it had that year** (the
  versions in force on 31 December) has a return giving it; otherwise it is missing, and the
  rating counts it as the worst value observed. A territory cannot improve by leaving its worst
  district out of the returns;
* when two bodies report the same figure for a district and year (a forensic bureau and the
  civil registry both counting deaths), the larger is read, never the sum: they count the same
  people. The two family figures are taken from one return (the one with more families
  identified), so that a share never mixes two bodies' counts;
* rates are per the territory's population (the nearest year's), with the Poisson interval of
  the count; the share supported has the Wilson interval; family-support-centre coverage is
  the share of the population living in districts served by at least one centre.

Nothing here reads the police register, so hiding incidents from the police cannot move these
values (the stress test keeps them as read). Read only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from qorgau.rating.normalisation import Array

SUPPORTED_SHARE = "difficult_families_supported_share"
CHILDREN_AT_RISK = "children_at_social_risk_per_10k"
CENTRE_COVERAGE = "family_support_centre_coverage"
DEATHS = "domestic_violence_deaths_per_100k"
CODES = (SUPPORTED_SHARE, CHILDREN_AT_RISK, CENTRE_COVERAGE, DEATHS)
PER_CHILDREN = 10_000.0
PER_DEATHS = 100_000.0
SINGLE = ("children_at_risk", "support_centres", "deaths")  # figures read one at a time


@dataclass
class ReturnCounts:
    """Per rated unit (one entry each): the sums of its districts' figures (NaN: unknown)."""

    population: Array
    identified: Array
    supported: Array
    children: Array
    served_share: Array  # 0–1 of the population in districts with a family support centre
    deaths: Array


@dataclass
class _District:
    """One district's figures for the year, after choosing among the bodies that reported."""

    pair: tuple[int, int] | None = None  # (identified, supported) from one return
    single: dict[str, int] | None = None

    def take(self, row: dict[str, Any]) -> None:
        identified, supported = row["families_identified"], row["families_supported"]
        both = identified is not None and supported is not None
        if both and (self.pair is None or identified > self.pair[0]):
            self.pair = (identified, supported)
        single = self.single if self.single is not None else {}
        for name in SINGLE:
            if row[name] is not None:
                single[name] = max(single.get(name, 0), row[name])
        self.single = single


def _districts(units: list[Any], year: int) -> list[dict[str, int]]:
    """For each unit, the KATO codes of its districts in force at the end of ``year`` → pk."""
    from qorgau.territory.models import Territory
    from qorgau.territory.services import territory_scope_ids

    day = dt.date(year, 12, 31)
    in_force = list(Territory.objects.districts().valid_on(day).values_list("pk", "kato_code"))
    out = []
    for unit in units:
        scope = territory_scope_ids(unit)
        out.append({code: pk for pk, code in in_force if pk in scope})
    return out


def _figures(year: int) -> dict[str, _District]:
    """Every district's figures for ``year`` by KATO code (all bodies, chosen as above)."""
    from qorgau.registry.models import SocialReturn

    found: dict[str, _District] = defaultdict(_District)
    rows = SocialReturn.objects.filter(year=year).values(
        "district__kato_code", "families_identified", "families_supported", *SINGLE
    )
    for row in rows:
        found[row["district__kato_code"]].take(row)
    return found


def _nearest_population(ids: list[int], year: int) -> dict[int, float]:
    from qorgau.monitoring.population import population_nearest

    return population_nearest(ids, year)


def returns_read(units: list[Any], year: int) -> ReturnCounts:
    """The returns of ``year`` summed over each unit's districts (read only)."""
    districts = _districts(units, year)
    figures = _figures(year)
    pks = [u.pk for u in units] + [pk for d in districts for pk in d.values()]
    population = _nearest_population(pks, year)
    n = len(units)
    counts = ReturnCounts(*(np.full(n, np.nan) for _ in range(6)))
    for i, unit in enumerate(units):
        counts.population[i] = population.get(unit.pk, np.nan)
        mine = [figures.get(code) for code in districts[i]]
        if not mine or any(d is None for d in mine):
            continue  # a district without any return: every figure unknown
        known = [d for d in mine if d is not None]
        pairs = [d.pair for d in known]
        if all(p is not None for p in pairs):
            counts.identified[i] = sum(p[0] for p in pairs if p is not None)
            counts.supported[i] = sum(p[1] for p in pairs if p is not None)
        counts.children[i] = _sum(known, "children_at_risk")
        counts.deaths[i] = _sum(known, "deaths")
        counts.served_share[i] = _served(known, list(districts[i].values()), population)
    return counts


def _sum(known: list[_District], name: str) -> float:
    values = [(d.single or {}).get(name) for d in known]
    return float("nan") if any(v is None for v in values) else float(sum(v or 0 for v in values))


def _served(known: list[_District], pks: list[int], population: dict[int, float]) -> float:
    """Share of the population living in districts served by a centre (a district without a
    population figure weighs as the mean of the others)."""
    centres = [(d.single or {}).get("support_centres") for d in known]
    if any(c is None for c in centres):
        return float("nan")
    people = np.array([population.get(pk, np.nan) for pk in pks])
    if np.all(np.isnan(people)):
        people = np.ones(len(pks))
    people = np.where(np.isnan(people), np.nanmean(people), people)
    served = np.array([(c or 0) > 0 for c in centres])
    return float(people[served].sum() / people.sum()) if people.sum() > 0 else float("nan")


def social_values(counts: ReturnCounts) -> dict[str, Array]:
    """The four indicators, one array per code (NaN = unknown)."""
    with np.errstate(all="ignore"):
        people = counts.population
        return {
            SUPPORTED_SHARE: np.where(
                counts.identified > 0, 100.0 * counts.supported / counts.identified, np.nan
            ),
            CHILDREN_AT_RISK: PER_CHILDREN * counts.children / people,
            CENTRE_COVERAGE: 100.0 * counts.served_share,
            DEATHS: PER_DEATHS * counts.deaths / people,
        }


def social_intervals(code: str, counts: ReturnCounts, value: Array) -> tuple[Array, Array]:
    """95% intervals: Poisson on the counts of the rates, Wilson on the share supported, none
    (the value) for the coverage, which is a census of centres, not a sample."""
    from qorgau.monitoring.intervals import poisson_interval, wilson_interval

    low, high = value.copy(), value.copy()
    for i in range(len(value)):
        if np.isnan(value[i]):
            continue
        if code == SUPPORTED_SHARE:
            lo, hi = wilson_interval(float(counts.supported[i]), float(counts.identified[i]))
            low[i], high[i] = 100.0 * lo, 100.0 * hi
        elif code in (CHILDREN_AT_RISK, DEATHS):
            per, n = (
                (PER_CHILDREN, counts.children[i])
                if code == CHILDREN_AT_RISK
                else (PER_DEATHS, counts.deaths[i])
            )
            lo, hi = poisson_interval(float(n))
            low[i], high[i] = per * lo / counts.population[i], per * hi / counts.population[i]
    return low, high


def social_fill(table: Any, year: int, wanted: list[str]) -> None:
    """Fill the columns ``wanted`` (some of :data:`CODES`) of a rating table for ``year``."""
    counts = returns_read(table.units, year)
    values = social_values(counts)
    for code in wanted:
        j = table.codes.index(code)
        table.value[:, j] = values[code]
        table.low[:, j], table.high[:, j] = social_intervals(code, counts, values[code])
