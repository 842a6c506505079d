"""Synthetic yearly returns of social services and forensic medicine (:class:`SocialReturn`).

For every district of the synthetic country and every year of the latest synthetic run, two
bodies report, as they would in a real deployment:

* **social services** (source ``synth: social services``): families in a difficult life
  situation identified — about 20 per 10,000 population a year, higher where the synthetic
  truth has more violence and by a region effect — and the share of them supported (a region
  effect between 45% and 85%, rising a little each year), children in families at social risk
  (about two per identified family) and the family support centres serving the district. The
  centres follow the national roll-out (about 30 before the 2024 law, 68 in October 2023, 131 in
  2025: ``kz-domain.md`` §3.4): larger districts first, a district once served stays served;
* **forensic medicine** (source ``synth: forensic medicine``): deaths from domestic violence —
  every death of the synthetic police register in that district and year, plus a tenth more that
  the police recorded otherwise — with women and girls (about 88%) and children (about 17.5%:
  the forensic study of 2019–22, ``kz-domain.md`` §3.3).

Counts of people scale with the run's ``scale`` like every synthetic register; centres and
population do not (they are institutions and the census, not cases). Deterministic by seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count

from qorgau.registry.models import Incident, RegisterRecord, SocialReturn
from qorgau.territory.models import Territory
from qorgau.territory.services import territory_scope_ids

SOCIAL = "synth: social services"
FORENSIC = "synth: forensic medicine"
FAMILIES_PER_10K = 20.0
CHILDREN_PER_FAMILY = 2.1
SUPPORTED = (0.45, 0.85)
SUPPORTED_GAIN = 0.03  # a year
DEATHS_EXTRA = 0.1  # deaths the police recorded as something else, as a share of the expected
FEMALE, CHILDREN = 0.88, 0.175
CENTRES = {2020: 20, 2021: 25, 2022: 30, 2023: 68, 2024: 100, 2025: 131}
CITY = 500_000  # a district this large has one more centre per CITY people
STREAM = 7300  # the seed's own stream, apart from the registers'


@dataclass
class _Country:
    """What every year's returns are drawn from: the districts and their regions' effects."""

    frame: Any
    region: np.ndarray  # each district's region index
    social: np.ndarray  # per region: multiplier of families identified
    supported: np.ndarray  # per region: share supported in the first year
    rollout: np.ndarray  # per district: its place in the centres' roll-out (0 first)


def synthesise(*, seed: int, progress: Callable[[str], Any] | None = None) -> dict[str, int]:
    """Write the returns of the latest synthetic run; the rows written."""
    from qorgau.synth.models import SynthRun

    run = SynthRun.objects.order_by("-pk").first()
    if run is None:
        return {}
    country = _country(seed)
    violence = _violence(run)
    deaths = _police_deaths(country.frame)
    rows: list[SocialReturn] = []
    for year in range(run.first_year, run.last_year + 1):
        rng = np.random.default_rng([seed, STREAM, year])
        rows += _year(rng, country, year, run, violence.get(year, {}), deaths)
        if progress:
            progress(f"registry: social and forensic returns {year}")
    SocialReturn.objects.bulk_create(rows, batch_size=1000)
    return {"social_returns": len(rows)}


def clear() -> None:
    SocialReturn.objects.filter(source__in=(SOCIAL, FORENSIC)).delete()


def _country(seed: int) -> _Country:
    from qorgau.synth.services import district_frame

    frame = district_frame()
    codes = sorted(set(frame.region_codes))
    region = np.asarray([codes.index(c) for c in frame.region_codes])
    rng = np.random.default_rng([seed, STREAM])
    social = np.exp(rng.normal(0.0, 0.25, size=len(codes)))
    supported = rng.uniform(*SUPPORTED, size=len(codes))
    # larger districts get a centre first; the noise lets a small one come early now and then
    order = np.argsort(-np.log(np.maximum(frame.population, 1)) + rng.normal(0, 1.0, len(region)))
    rollout = np.empty(len(region))
    rollout[order] = np.arange(len(region)) / max(1, len(region))
    return _Country(frame, region, social, supported, rollout)


def _violence(run: Any) -> dict[int, dict[str, float]]:
    """Each region's true victims per person relative to the country's, by year (1 = as the
    country), from the synthetic truth."""
    out: dict[int, dict[str, float]] = {}
    counts = list(run.truth.values_list("year", "region_code", "true_victims", "population"))
    for year in {c[0] for c in counts}:
        rows = [c for c in counts if c[0] == year and c[3]]
        total = sum(c[2] for c in rows) / max(1, sum(c[3] for c in rows))
        if total > 0:
            out[year] = {c[1]: (c[2] / c[3]) / total for c in rows}
    return out


def _police_deaths(frame: Any) -> dict[tuple[int, int], int]:
    """Deaths of the synthetic police register by (district index in ``frame``, year)."""
    index = {int(pk): d for d, pk in enumerate(frame.pk_before)}
    index.update({int(pk): d for d, pk in enumerate(frame.pk_after)})
    found = (
        Incident.objects.filter(source="synth", injury="death")
        .values("district_id", "occurred_at__year")
        .annotate(n=Count("pk"))
    )
    out: dict[tuple[int, int], int] = {}
    for row in found:
        d = index.get(row["district_id"])
        if d is not None:
            key = (d, row["occurred_at__year"])
            out[key] = out.get(key, 0) + row["n"]
    return out


def _year(
    rng: np.random.Generator,
    country: _Country,
    year: int,
    run: Any,
    violence: dict[str, float],
    police_deaths: dict[tuple[int, int], int],
) -> list[SocialReturn]:
    """The two returns of every district for ``year``."""
    from qorgau.synth import calibration as cal

    frame = country.frame
    level = np.asarray([violence.get(code, 1.0) for code in frame.region_codes])
    people = frame.population * run.scale
    families = FAMILIES_PER_10K * people / 1e4 * level * country.social[country.region]
    identified = rng.poisson(families)
    share = np.clip(country.supported + SUPPORTED_GAIN * (year - run.first_year), 0.05, 0.95)
    supported = rng.binomial(identified, share[country.region])
    children = rng.poisson(CHILDREN_PER_FAMILY * families)
    served = country.rollout < _centres(year) / max(1, len(frame.codes))
    centres = np.where(served, 1 + frame.population // CITY, 0)
    expected = cal.HOMICIDES_PER_YEAR * people / max(1.0, frame.population.sum()) * level
    extra = rng.poisson(DEATHS_EXTRA * expected)
    deaths = np.asarray([police_deaths.get((d, year), 0) for d in range(len(frame.codes))]) + extra
    female, young = rng.binomial(deaths, FEMALE), rng.binomial(deaths, CHILDREN)
    pks = frame.pk_before if year < 2022 else frame.pk_after  # the version at the year's end
    rows = []
    for d, pk in enumerate(pks):
        rows.append(
            SocialReturn(
                district_id=int(pk), year=year, source=SOCIAL,
                families_identified=int(identified[d]), families_supported=int(supported[d]),
                children_at_risk=int(children[d]), support_centres=int(centres[d]),
            )
        )  # fmt: skip
        rows.append(
            SocialReturn(
                district_id=int(pk), year=year, source=FORENSIC, deaths=int(deaths[d]),
                deaths_female=int(female[d]), deaths_children=int(young[d]),
            )
        )  # fmt: skip
    return rows


def _centres(year: int) -> int:
    """Family support centres in the country in ``year`` (the nearest year known)."""
    known = min(CENTRES, key=lambda y: abs(y - year))
    return CENTRES[known]


def demo_adopt(organisation: Any, *, register: str, territory: Territory) -> int:
    """The synthetic records of ``register`` seen in ``territory`` that no organisation
    supplied become ``organisation``'s: a demo crisis centre or polyclinic keeps its own
    register in the synthetic country. Safe to re-run; rows changed."""
    records = RegisterRecord.objects.filter(
        source="synth",
        register=register,
        organisation__isnull=True,
        district_id__in=territory_scope_ids(territory),
    )
    return int(records.update(organisation=organisation))
