"""One block sampled end to end: the parts in the order each needs the one before, and the
outcomes the police and the courts decided on the registered incidents.
"""

from __future__ import annotations

import numpy as np

from qorgau.synth import calibration as cal
from qorgau.synth.sampling.incidents import _pick_homicides, _sample_incidents
from qorgau.synth.sampling.justice import (
    _sample_offences,
    _sample_orders,
    _sample_requirements,
    _sample_risks,
)
from qorgau.synth.sampling.region import choice, year_days
from qorgau.synth.sampling.spec import Block, BlockSpec
from qorgau.synth.sampling.victims import _sample_police_victims, _sample_true_victims


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
