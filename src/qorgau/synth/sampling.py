"""Pure sampling: numbers in, numpy arrays out. Nothing here touches the database.

One *block* is a region and a year. Its true victims are drawn first (the hidden violence),
each with a latent severity ``z`` and help-seeking ``u``; every register, the police
included, captures a victim with a logistic probability in ``z`` and ``u`` (so captures are
heterogeneous and positively dependent), and being seen by health, a crisis centre or the
111 line raises the chance of reaching the police. The victims the police register then get
their incidents, orders, requirements, offences, check-ins and risk assessments.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from qorgau.registry.legal import rule_versions, rules_in_force
from qorgau.synth import calibration as cal

REGISTERS = tuple(cal.REGISTER_CAPTURE)
DAY = np.timedelta64(1, "D")


def expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@lru_cache(maxsize=1)
def _standard_sample() -> tuple[np.ndarray, np.ndarray]:
    """A fixed sample of (severity, help-seeking) used to calibrate the intercepts."""
    rng = np.random.default_rng(20240616)
    return rng.standard_normal(4000), rng.standard_normal(4000)


def _bisect(mean_of: object, target: float) -> float:
    low, high = -15.0, 10.0
    for _step in range(50):
        mid = (low + high) / 2
        if mean_of(mid) < target:  # type: ignore[operator]
            low = mid
        else:
            high = mid
    return (low + high) / 2


@dataclass(frozen=True)
class Capture:
    """Intercepts of the capture model of one region (and crisis-centre availability)."""

    registers: dict[str, float]
    police: float


@lru_cache(maxsize=256)
def capture_intercepts(targets: tuple[tuple[str, float], ...], police_target: float) -> Capture:
    """Intercepts giving each register its target share of true victims, police included.

    The police share is the expectation over every combination of the other registers, since
    they refer victims on.
    """
    z, u = _standard_sample()
    alphas: dict[str, float] = {}
    probs: dict[str, np.ndarray] = {}
    for code, target in targets:
        slope = cal.REGISTER_SEVERITY[code] * z + cal.REGISTER_HELP_SEEKING[code] * u
        if target <= 0:
            alphas[code], probs[code] = -50.0, np.zeros_like(z)
            continue
        alphas[code] = _bisect(lambda a, s=slope: float(expit(a + s).mean()), target)
        probs[code] = expit(alphas[code] + slope)
    base = cal.POLICE_SEVERITY * z + cal.POLICE_HELP_SEEKING * u
    combos = []
    for mask in range(2 ** len(targets)):
        weight = np.ones_like(z)
        shift = 0.0
        for bit, (code, _t) in enumerate(targets):
            seen = bool(mask >> bit & 1)
            weight = weight * (probs[code] if seen else 1 - probs[code])
            shift += cal.POLICE_REFERRAL[code] if seen else 0.0
        combos.append((weight, shift))

    def police_mean(a: float) -> float:
        return float(sum((w * expit(a + base + s)).mean() for w, s in combos))

    return Capture(registers=alphas, police=_bisect(police_mean, police_target))


# --- Regions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """A region of today's map with its districts and its run-level random effects."""

    code: str
    districts: np.ndarray  # indices into the district frame
    weights: np.ndarray  # population shares of the districts within the region
    population: int  # in POPULATION_YEAR
    multiplier: float  # reporting multiplier, 0.6-1.6
    requirement_factor: float
    register_targets: dict[str, float]
    police_target: float


def region_effects(
    rng: np.random.Generator, codes: list[str], populations: np.ndarray
) -> dict[str, tuple[float, float, dict[str, float], float]]:
    """Reporting multiplier, requirement factor, register targets and police capture per region.

    The police capture share is proportional to the reporting multiplier, normalised so that
    the population-weighted national share is ``POLICE_CAPTURE_MEAN``.
    """
    multipliers = rng.uniform(*cal.REPORTING_MULTIPLIER, size=len(codes))
    factors = rng.uniform(*cal.REQUIREMENT_REGION_FACTOR, size=len(codes))
    mean = float((multipliers * populations).sum() / populations.sum())
    police = np.clip(cal.POLICE_CAPTURE_MEAN * multipliers / mean, *cal.POLICE_CAPTURE_RANGE)
    effects = {}
    for i, code in enumerate(codes):
        targets = {
            register: float(
                share
                * np.exp(rng.normal(0, cal.REGISTER_REGION_SD) - cal.REGISTER_REGION_SD**2 / 2)
            )
            for register, share in cal.REGISTER_CAPTURE.items()
        }
        effects[code] = (float(multipliers[i]), float(factors[i]), targets, float(police[i]))
    return effects


# --- Dates -------------------------------------------------------------------------------------


def day_weights(days: np.ndarray) -> np.ndarray:
    """Seasonal weight of each day: a summer peak and spikes on holidays."""
    months = days.astype("datetime64[M]").astype(int) % 12
    weights = np.asarray(cal.MONTH_WEIGHTS)[months]
    month_day = (days - days.astype("datetime64[M]")).astype(int) + 1
    for month, day in cal.HOLIDAYS:
        weights = np.where(
            (months == month - 1) & (month_day == day), weights * cal.HOLIDAY_WEIGHT, weights
        )
    return weights / weights.sum()


def year_days(year: int, last_day: dt.date) -> np.ndarray:
    start = np.datetime64(f"{year}-01-01")
    end = min(np.datetime64(f"{year}-12-31"), np.datetime64(last_day))
    return np.arange(start, end + DAY, DAY)


def choice(rng: np.random.Generator, options: dict[str, float], size: int) -> np.ndarray:
    keys = list(options)
    p = np.asarray([options[k] for k in keys], dtype=float)
    return np.asarray(keys, dtype=object)[rng.choice(len(keys), size=size, p=p / p.sum())]


# --- The block ---------------------------------------------------------------------------------


@dataclass
class Block:
    """Everything sampled for one region and year; arrays are aligned per entity."""

    region: str
    year: int
    population: int
    # true victims
    true_district: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    z: np.ndarray = field(default_factory=lambda: np.empty(0))
    seen: dict[str, np.ndarray] = field(default_factory=dict)  # register → bool per true victim
    seen_on: dict[str, np.ndarray] = field(default_factory=dict)
    police: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    victim_sex: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    victim_birth: np.ndarray = field(default_factory=lambda: np.empty(0, "datetime64[D]"))
    # police victims (indices into the true victims) and their offenders
    pv: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    relationship: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    offender_sex: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    offender_birth: np.ndarray = field(default_factory=lambda: np.empty(0, "datetime64[D]"))
    # incidents (index into pv)
    inc: dict[str, np.ndarray] = field(default_factory=dict)
    orders: dict[str, np.ndarray] = field(default_factory=dict)
    checks: dict[str, np.ndarray] = field(default_factory=dict)
    requirements: dict[str, np.ndarray] = field(default_factory=dict)
    offences: dict[str, np.ndarray] = field(default_factory=dict)
    risks: dict[str, np.ndarray] = field(default_factory=dict)
    # set by the writer: names of every victim seen by any register, and their positions
    people: Any = None
    position: np.ndarray = field(default_factory=lambda: np.empty(0, int))


@dataclass(frozen=True)
class BlockSpec:
    """The inputs of one block, all plain values."""

    region: Region
    year: int
    scale: float
    last_day: dt.date  # the last day an incident may occur
    today: dt.date  # nothing later than this
    share: float  # the region's share of national registered volumes
    forced: tuple[int, ...] = ()  # district indices getting demo cases active today
    crisis_available: bool = True


def sample_block(rng: np.random.Generator, spec: BlockSpec) -> Block:
    """Sample one region-year: true victims, captures, and what the police registered."""
    region = spec.region
    days = year_days(spec.year, spec.last_day)
    fraction = len(days) / (366 if spec.year % 4 == 0 else 365)
    incidents, orders = cal.year_volumes(spec.year)
    expected_incidents = incidents * spec.scale * spec.share * fraction
    expected_victims = expected_incidents / (1 + cal.REPEAT_RATE * 1.15)
    year_population = round(
        region.population
        * cal.national_population(spec.year)
        / cal.national_population(cal.POPULATION_YEAR)
    )
    block = Block(region=region.code, year=spec.year, population=year_population)
    _sample_true_victims(rng, spec, block, expected_victims / region.police_target, days)
    _sample_police_victims(rng, spec, block)
    _sample_incidents(rng, spec, block, days)
    expected_orders = orders * spec.scale * spec.share * fraction
    _sample_outcomes(rng, spec, block, expected_orders, days)
    return block


def _sample_true_victims(
    rng: np.random.Generator, spec: BlockSpec, block: Block, expected: float, days: np.ndarray
) -> None:
    region = spec.region
    n = int(rng.poisson(expected)) + len(spec.forced)
    block.true_district = region.districts[rng.choice(len(region.districts), n, p=region.weights)]
    if spec.forced:
        block.true_district[-len(spec.forced) :] = spec.forced
    z, u = rng.standard_normal(n), rng.standard_normal(n)
    targets = dict(region.register_targets)
    if not spec.crisis_available:
        targets["crisis_centre"] = 0.0
    capture = capture_intercepts(tuple(targets.items()), region.police_target)
    logit = capture.police + cal.POLICE_SEVERITY * z + cal.POLICE_HELP_SEEKING * u
    weights = day_weights(days)
    for code in REGISTERS:
        p = expit(
            capture.registers[code]
            + cal.REGISTER_SEVERITY[code] * z
            + cal.REGISTER_HELP_SEEKING[code] * u
        )
        block.seen[code] = rng.random(n) < p
        block.seen_on[code] = days[rng.choice(len(days), n, p=weights)]
        logit = logit + cal.POLICE_REFERRAL[code] * block.seen[code]
    block.police = rng.random(n) < expit(logit)
    if spec.forced:
        block.police[-len(spec.forced) :] = True
    block.z = z
    _sample_victim_people(rng, spec, block)


def _birth_dates(rng: np.random.Generator, year: int, ages: np.ndarray) -> np.ndarray:
    offsets = rng.integers(0, 365, len(ages))
    return np.datetime64(f"{year}-06-30") - (ages * 365.25).astype(int) * DAY - offsets * DAY


def _sample_victim_people(rng: np.random.Generator, spec: BlockSpec, block: Block) -> None:
    """Profile, sex and birth date of every true victim."""
    n = len(block.z)
    names = [p[0] for p in cal.PROFILES]
    profile = rng.choice(len(names), n, p=np.asarray([p[1] for p in cal.PROFILES]))
    sex = np.empty(n, dtype=object)
    ages = np.empty(n, dtype=int)
    for i, (_name, _share, psex, (low, high)) in enumerate(cal.PROFILES):
        mask = profile == i
        count = int(mask.sum())
        if psex == "X":
            female_share = 0.5 if names[i] == "child" else 0.68
            sex[mask] = np.where(rng.random(count) < female_share, "F", "M")
        else:
            sex[mask] = psex
        if names[i] == "partner_woman":
            ages[mask] = np.clip(rng.normal(34, 9, count).astype(int), low, high)
        else:
            ages[mask] = rng.integers(low, high + 1, count)
    block.victim_sex = sex
    block.victim_birth = _birth_dates(rng, spec.year, ages)
    block.inc["profile_all"] = profile
    block.inc["age_all"] = ages


def _sample_police_victims(rng: np.random.Generator, spec: BlockSpec, block: Block) -> None:
    """The police-registered victims' offenders: relationship, sex and birth date."""
    pv = np.flatnonzero(block.police)
    block.pv = pv
    n = len(pv)
    profile = block.inc.pop("profile_all")[pv]
    ages = block.inc.pop("age_all")[pv]
    names = [p[0] for p in cal.PROFILES]
    relationship = np.empty(n, dtype=object)
    offender_sex = np.where(rng.random(n) < 0.93, "M", "F").astype(object)
    offender_age = np.empty(n, dtype=int)
    for i, name in enumerate(names):
        mask = profile == i
        count = int(mask.sum())
        if not count:
            continue
        age = ages[mask]
        if name == "partner_woman":
            relationship[mask] = choice(rng, cal.PARTNER_RELATIONSHIPS, count)
            offender_sex[mask] = "M"
            offender_age[mask] = age + rng.integers(-2, 9, count)
        elif name == "relative_woman":
            relationship[mask] = choice(rng, cal.RELATIVE_RELATIONSHIPS, count)
            offender_age[mask] = age + rng.integers(-10, 25, count)
        elif name == "child":
            relationship[mask] = "parent"
            offender_age[mask] = age + rng.integers(20, 40, count)
        elif name == "elderly":
            relationship[mask] = "child"
            offender_age[mask] = age - rng.integers(20, 40, count)
        else:
            relationship[mask] = choice(rng, cal.MAN_RELATIONSHIPS, count)
            offender_age[mask] = age + rng.integers(-5, 5, count)
    block.relationship = relationship
    block.offender_sex = offender_sex
    block.offender_birth = _birth_dates(rng, spec.year, np.clip(offender_age, 18, 85))
    block.inc["victim_sex"] = block.victim_sex[pv]


def _sample_incidents(
    rng: np.random.Generator, spec: BlockSpec, block: Block, days: np.ndarray
) -> None:
    """Incidents of each police victim: a first one, then repeats within the year."""
    n = len(block.pv)
    z = block.z[block.pv]
    extra = rng.poisson(cal.REPEAT_RATE * np.exp(0.4 * z - 0.08))
    extra = np.minimum(extra, 5)
    first = days[rng.choice(len(days), n, p=day_weights(days))] if n else days[:0]
    forced = np.zeros(n, dtype=bool)
    if spec.forced:
        k = len(spec.forced)
        forced[-k:] = True
        extra[-k:] = 0
        back = rng.integers(1, 27, k)
        back[:3] = rng.integers(16, 27, min(3, k))  # these will have their checks abandoned
        first[-k:] = np.datetime64(spec.today) - back * DAY
    room = (days[-1] - first).astype(int)
    extra = np.minimum(extra, room)
    owner = np.repeat(np.arange(n), 1 + extra)
    order_in_victim = np.arange(len(owner)) - np.repeat(
        np.cumsum(1 + extra) - (1 + extra), 1 + extra
    )
    later = (rng.random(len(owner)) * room[owner]).astype(int) + 1
    day = first[owner] + np.where(order_in_victim == 0, 0, later) * DAY
    # Sort each victim's incidents by day, keeping the first first.
    sort = np.lexsort((day, owner))
    owner, day = owner[sort], day[sort]
    order_in_victim = np.arange(len(owner)) - np.repeat(
        np.cumsum(1 + extra) - (1 + extra), 1 + extra
    )
    hour = rng.choice(24, len(owner), p=np.asarray(cal.HOUR_WEIGHTS) / sum(cal.HOUR_WEIGHTS))
    seconds = hour * 3600 + rng.integers(0, 3600, len(owner))
    delay = np.where(
        rng.random(len(owner)) < 0.7,
        rng.exponential(3600, len(owner)),
        np.where(
            rng.random(len(owner)) < 0.85,
            rng.uniform(3 * 3600, 3 * 86400, len(owner)),
            rng.uniform(3 * 86400, 30 * 86400, len(owner)),
        ),
    ).astype(int)
    severity = z[owner] + 0.3 * order_in_victim + rng.normal(0, 0.6, len(owner))
    block.inc.update(
        owner=owner,
        day=day,
        seconds=seconds,
        delay=np.where(forced[owner], 600, delay),
        severity=severity,
        forced=forced[owner],
        district=block.true_district[block.pv][owner],
        last=np.r_[owner[1:] != owner[:-1], True] if len(owner) else np.empty(0, bool),
    )


def _sample_outcomes(
    rng: np.random.Generator,
    spec: BlockSpec,
    block: Block,
    expected_orders: float,
    days: np.ndarray,
) -> None:
    """Injury, offences, orders, requirements, check-ins and risk assessments."""
    inc = block.inc
    n = len(inc["owner"])
    severity = inc["severity"]
    injury = np.select(
        [severity > 2.2, severity > 1.4, severity > 0.4], ["grave", "moderate", "light"], "none"
    ).astype(object)
    homicide = _pick_homicides(rng, spec, block, len(days) / 365)
    article = np.full(n, "", dtype=object)
    before = inc["day"] < np.datetime64(cal.CRIMINALISATION)
    for mask, per_year, articles in (
        (before, cal.CRIMINAL_PER_YEAR_BEFORE, cal.CRIMINAL_ARTICLES_BEFORE),
        (~before, cal.CRIMINAL_PER_YEAR_AFTER, cal.CRIMINAL_ARTICLES_AFTER),
    ):
        eligible = mask & ~homicide
        in_period = days < np.datetime64(cal.CRIMINALISATION)
        days_in_period = int(
            in_period.sum() if per_year == cal.CRIMINAL_PER_YEAR_BEFORE else (~in_period).sum()
        )
        expected = (
            (per_year - cal.HOMICIDES_PER_YEAR) * spec.scale * spec.share * days_in_period / 365
        )
        weight = np.exp(severity) * eligible
        if weight.sum() > 0:
            p = np.minimum(1.0, expected * weight / weight.sum())
            chosen = rng.random(n) < p
            article[chosen] = choice(rng, articles, int(chosen.sum()))
    article[homicide] = "99"
    for code, level in cal.ARTICLE_INJURY.items():
        injury[article == code] = level
    injury[homicide] = "death"
    criminal = article != ""
    inc.update(injury=injury, article=article, criminal=criminal, homicide=homicide)
    eligible = ~homicide
    p_order = min(0.97, expected_orders / max(1, int(eligible.sum())))
    has_order = eligible & ((rng.random(n) < p_order) | inc["forced"])
    art73 = ~criminal & (
        rng.random(n) < np.where(has_order, cal.ART73_WITH_ORDER, cal.ART73_WITHOUT_ORDER)
    )
    inc.update(order=has_order, art73=art73)
    _sample_orders(rng, spec, block)
    _sample_requirements(rng, spec, block)
    _sample_offences(rng, spec, block)
    _sample_risks(rng, spec, block)


def _pick_homicides(
    rng: np.random.Generator, spec: BlockSpec, block: Block, fraction: float
) -> np.ndarray:
    inc = block.inc
    n = len(inc["owner"])
    expected = cal.HOMICIDES_PER_YEAR * spec.scale * spec.share * fraction
    candidates = np.flatnonzero(inc["last"] & ~inc["forced"])
    homicide = np.zeros(n, dtype=bool)
    count = min(int(rng.poisson(expected)), len(candidates))
    if count:
        weight = np.exp(1.5 * inc["severity"][candidates])
        picked = rng.choice(candidates, count, replace=False, p=weight / weight.sum())
        homicide[picked] = True
    return homicide


def _clip_today(days: np.ndarray, today: dt.date) -> np.ndarray:
    return np.minimum(days, np.datetime64(today))


def _sample_orders(rng: np.random.Generator, spec: BlockSpec, block: Block) -> None:
    inc = block.inc
    which = np.flatnonzero(inc["order"])
    k = len(which)
    today = np.datetime64(spec.today)
    reported_day = (
        inc["day"][which] + ((inc["seconds"][which] + inc["delay"][which]) // 86400) * DAY
    )
    issued = _clip_today(reported_day + (rng.random(k) < 0.25) * DAY, spec.today)
    forced = inc["forced"][which]
    serve_delay = choice(rng, {"0": 0.7, "1": 0.2, "2": 0.04, "3": 0.03, "4": 0.01, "-": 0.02}, k)
    never = (serve_delay == "-") & ~forced
    served = (
        issued
        + np.where(never | forced, 0, np.where(serve_delay == "-", "0", serve_delay).astype(int))
        * DAY
    )
    unserved = never | (served > today)
    ends = served + 29 * DAY  # the term is 30 days, the day of service being day 1
    revoked = (rng.random(k) < 0.02) & ~unserved & ~forced
    revoked_on = served + rng.integers(2, 21, k) * DAY
    revoked &= revoked_on <= today
    stop = np.where(revoked, revoked_on - DAY, ends)
    stop = np.minimum(stop, today)
    violated = (rng.random(k) < cal.ORDER_VIOLATION_SHARE) & ~unserved & (stop >= served) & ~forced
    span = (stop - served).astype(int) + 1
    violation_on = served + (rng.random(k) * np.maximum(span, 1)).astype(int) * DAY
    arrest = rng.random(k) < cal.VIOLATION_ARREST_SHARE
    pattern = choice(rng, {"diligent": 0.82, "sloppy": 0.13, "abandoned": 0.05}, k)
    if forced.any():
        f = np.flatnonzero(forced)
        pattern[f] = "diligent"
        pattern[f[:3]] = "abandoned"
    block.orders = dict(
        incident=which,
        issued=issued,
        served=served,
        unserved=unserved,
        ends=ends,
        revoked=revoked,
        revoked_on=revoked_on,
        violated=violated,
        violation_on=violation_on,
        arrest=arrest,
    )
    _sample_checks(rng, block, pattern, stop)


def _sample_checks(
    rng: np.random.Generator, block: Block, pattern: np.ndarray, stop: np.ndarray
) -> None:
    """Compliance checks every ≤7 days for most orders; some sloppy, some abandoned."""
    orders = block.orders
    k = len(pattern)
    width = 9
    gaps = np.where(
        (pattern == "sloppy")[:, None],
        rng.integers(6, 13, (k, width)),
        rng.integers(4, 8, (k, width)),
    )
    offsets = np.cumsum(gaps, axis=1)
    days = orders["served"][:, None] + offsets * DAY
    valid = (days <= stop[:, None]) & ~orders["unserved"][:, None]
    valid[:, 1:] &= (pattern != "abandoned")[:, None]
    order_idx, column = np.nonzero(valid)
    checked = days[order_idx, column]
    violation = orders["violation_on"][order_idx]
    # The first check on or after a violation finds the order broken.
    after = orders["violated"][order_idx] & (checked >= violation)
    previous = np.where(
        column > 0, days[order_idx, np.maximum(column - 1, 0)], orders["served"][order_idx]
    )
    compliant = ~(after & (previous < violation))
    last = np.where(
        valid.any(axis=1),
        np.where(valid, days, orders["served"][:, None]).max(axis=1),
        orders["served"],
    )
    orders["next_check_due"] = last + 7 * DAY
    block.checks = dict(order=order_idx, day=checked, compliant=compliant)


def _term_within_the_law(term: np.ndarray, decided: np.ndarray) -> np.ndarray:
    """Terms clipped to the range of the law of each decision day (the registry's table of legal
    rules): the short terms drawn for after June 2024 follow it if it allows them."""
    term = term.copy()
    for rule in rule_versions("requirement.term_months"):
        within = decided >= np.datetime64(rule.valid_from)
        if rule.valid_to is not None:
            within &= decided <= np.datetime64(rule.valid_to)
        term[within] = np.clip(term[within], rule.value["min"], rule.value["max"])
    return term


def _sample_requirements(rng: np.random.Generator, spec: BlockSpec, block: Block) -> None:
    inc, orders = block.inc, block.orders
    k = len(orders["incident"])
    ratio = cal.requirement_ratio(spec.year) * spec.region.requirement_factor
    chosen = np.flatnonzero(rng.random(k) < ratio)
    incident = orders["incident"][chosen]
    decided = inc["day"][incident] + rng.integers(7, 46, len(chosen)) * DAY
    keep = decided <= np.datetime64(spec.today)
    incident, decided = incident[keep], decided[keep]
    m = len(incident)
    new_law = decided >= np.datetime64(cal.CRIMINALISATION)
    term = _term_within_the_law(
        np.where(
            new_law & (rng.random(m) < 0.15),
            rng.integers(1, 3, m),
            rng.choice([3, 4, 6, 9, 12], m, p=[0.3, 0.1, 0.35, 0.1, 0.15]),
        ),
        decided,
    )
    conditions = []
    reports = np.zeros(m, dtype=int)
    draws = rng.random((m, 5))
    for i in range(m):
        chosen_conditions = ["no_contact"]
        if draws[i, 0] < 0.45:
            chosen_conditions.append("no_alcohol_drugs")
        if draws[i, 1] < 0.15:
            chosen_conditions.append("no_weapons")
        if draws[i, 2] < 0.35:
            chosen_conditions.append("report_to_police")
            reports[i] = 1 + int(draws[i, 4] * 4)
        if new_law[i] and draws[i, 3] < 0.4:
            chosen_conditions.append("attend_psychocorrection")
        if new_law[i] and draws[i, 4] < 0.12:
            chosen_conditions.append("no_cohabitation")
        conditions.append(sorted(chosen_conditions))
    violated = rng.random(m) < 0.04
    block.requirements = dict(
        incident=incident,
        decided=decided,
        term=term,
        conditions=np.asarray(conditions + [[]], dtype=object)[:-1],
        reports=reports,
        violated=violated,
        violation_share=rng.random(m),
        violation_condition=rng.random(m),
    )


def _decided(
    rng: np.random.Generator, committed: np.ndarray, low: int, high: int, today: dt.date
) -> tuple[np.ndarray, np.ndarray]:
    decided = committed + rng.integers(low, high, len(committed)) * DAY
    return decided, np.asarray(decided <= np.datetime64(today))


def _sample_offences(rng: np.random.Generator, spec: BlockSpec, block: Block) -> None:
    """Art. 73 and criminal offences of incidents, and art. 461 for violated orders."""
    inc, orders = block.inc, block.orders
    admin = np.flatnonzero(inc["art73"])
    crim = np.flatnonzero(inc["criminal"])
    violations = np.flatnonzero(orders["violated"])
    parts = []
    committed = inc["day"][admin]
    decided, done = _decided(rng, committed, 3, 61, spec.today)
    outcome = choice(
        rng,
        {"fine": 0.55, "warning": 0.08, "detention": 0.17, "community_service": 0.05,
         "dismissed": 0.10, "reconciliation": 0.05},
        len(admin),
    )  # fmt: skip
    outcome[(outcome == "community_service") & (decided < np.datetime64("2025-09-01"))] = "fine"
    parts.append(
        (
            admin,
            "administrative",
            np.full(len(admin), "73", object),
            committed,
            decided,
            done,
            outcome,
        )
    )
    committed = inc["day"][crim]
    decided, done = _decided(rng, committed, 30, 241, spec.today)
    outcome = choice(rng, {"conviction": 0.6, "reconciliation": 0.2, "dismissed": 0.2}, len(crim))
    outcome[(inc["article"][crim] == "99") & (outcome == "reconciliation")] = "conviction"
    parts.append((crim, "criminal", inc["article"][crim], committed, decided, done, outcome))
    committed = orders["violation_on"][violations]
    decided, done = _decided(rng, committed, 1, 11, spec.today)
    warn = (rng.random(len(violations)) < 0.15) & (committed < np.datetime64(cal.NO_WARNING_FROM))
    outcome = np.where(
        orders["arrest"][violations], "detention", np.where(warn, "warning", "fine")
    ).astype(object)
    parts.append(
        (
            orders["incident"][violations],
            "administrative",
            np.full(len(violations), "461", object),
            committed,
            decided,
            done,
            outcome,
        )
    )
    keys = ("incident", "kind", "article", "committed", "decided", "done", "outcome")
    block.offences = {
        key: np.concatenate(
            [
                np.full(len(p[0]), p[1], object) if key == "kind" else p[keys.index(key)]
                for p in parts
            ]
        )
        for key in keys
    }
    block.offences["violation_sanction"] = outcome
    _reconcile_within_the_law(block)


def _reconcile_within_the_law(block: Block) -> None:
    """A reconciliation the law of its decision day forbids (a second one for the same
    offender, registry.lawcheck) becomes the penalty instead: a fine or a conviction."""
    f = block.offences
    owner = block.inc["owner"][f["incident"]]
    candidates = np.flatnonzero(f["done"] & (f["outcome"] == "reconciliation"))
    reconciled: dict[int, int] = {}
    for i in candidates[np.argsort(f["decided"][candidates], kind="stable")]:
        day = f["decided"][i].astype("datetime64[D]").astype(dt.date)
        before = reconciled.get(int(owner[i]), 0)
        if any(
            f["kind"][i] in rule.value["kinds"] and before >= rule.value["max"]
            for rule in rules_in_force("offence.reconciliation_limit", day)
        ):
            f["outcome"][i] = "fine" if f["kind"][i] == "administrative" else "conviction"
        else:
            reconciled[int(owner[i])] = before + 1


def _sample_risks(rng: np.random.Generator, spec: BlockSpec, block: Block) -> None:
    inc = block.inc
    n = len(inc["owner"])
    p = np.where(inc["order"], 0.6, 0.25) * ~inc["homicide"]
    chosen = np.flatnonzero(rng.random(n) < p)
    answers = rng.random((len(chosen), len(RISK_ITEMS))) < expit(
        np.asarray(RISK_BASE)[None, :] + 0.8 * inc["severity"][chosen][:, None]
    )
    block.risks = dict(
        incident=chosen,
        answers=answers,
        delay=rng.integers(1800, 86400, len(chosen)),
        raised=rng.random(len(chosen)) < 0.08,
    )


RISK_ITEMS = (
    "strangulation", "threat_to_kill", "weapon", "escalation", "separation", "pregnancy",
    "stalking", "children_threatened", "prior_violations", "sexual_violence", "victim_fear",
    "prior_violence", "substance_abuse", "controlling", "suicide_threat", "isolation",
)  # fmt: skip
RISK_BASE = (
    -2.5, -1.8, -3.0, -1.0, -1.2, -2.5, -1.5, -2.0, -2.5, -3.0, -0.8, 0.0, -0.3, -0.8, -2.5, -1.5,
)  # fmt: skip
