"""The block's true victims (the hidden violence) and the ones the police register."""

from __future__ import annotations

import numpy as np

from qorgau.synth import calibration as cal
from qorgau.synth.sampling.capture import DAY, REGISTERS, capture_intercepts, expit
from qorgau.synth.sampling.region import choice, day_weights
from qorgau.synth.sampling.spec import Block, BlockSpec


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
