"""Survey-based estimation of the hidden share: registered ÷ survey reporting rate.

``methods.md`` §2: N̂ = R / p̂, where R is the registered number of victims and p̂ the share
of victims who told the police in a victimisation survey. The interval is formed on the log
scale (the ratio is skewed; a symmetric interval would cross zero for small p̂):

    exp( log N̂ ± z · sqrt( Var(p̂)/p̂² + Var(R)/R² ) ),  Var(p̂) = deff · p̂(1 − p̂) / n_victims

Registrations are treated as a census (Var(R) = 0) unless ``registered_poisson`` is set. When
the survey has few victims or p̂ is small, the delta method breaks down and the interval comes
from a Beta posterior of p (Beta(x + ½, n − x + ½), Jeffreys) by Monte Carlo instead.

Pure functions; the units must match (victims in a year, not incidents) — that is the
caller's duty, and the reason every result states its method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _

from qorgau.latency.mse import Z95, EstimationRefused

# Below these the delta method is unreliable (methods.md §2).
MIN_VICTIMS_FOR_DELTA = 100
MIN_RATE_FOR_DELTA = 0.05


@dataclass(frozen=True)
class SurveyRate:
    """A survey's share of victims who reported to the police."""

    rate: float
    victims: int  # survey respondents who were victims (the rate's denominator)
    design_effect: float = 1.0
    source: str = ""


@dataclass(frozen=True)
class SurveyEstimate:
    estimate: float
    ci_low: float
    ci_high: float
    interval: str
    registered: int
    rate: float


def survey_estimate(
    registered: int,
    survey: SurveyRate,
    *,
    registered_poisson: bool = False,
    seed: int = 0,
    draws: int = 20_000,
) -> SurveyEstimate:
    """The true number implied by ``registered`` and the survey's reporting rate."""
    if not 0 < survey.rate < 1:
        raise EstimationRefused(
            _("The survey reporting rate must lie strictly between 0 and 1."), code="bad_rate"
        )
    if survey.victims <= 0:
        raise EstimationRefused(
            _("The survey reports no victims to estimate the rate from."), code="no_survey"
        )
    if registered <= 0:
        raise EstimationRefused(
            _("Nobody was registered, so there is nothing to scale up."), code="empty"
        )
    point = registered / survey.rate
    effective_n = survey.victims / survey.design_effect
    if survey.victims >= MIN_VICTIMS_FOR_DELTA and survey.rate >= MIN_RATE_FOR_DELTA:
        var_rate = survey.rate * (1 - survey.rate) / effective_n
        var_log = var_rate / survey.rate**2 + (1 / registered if registered_poisson else 0.0)
        half = Z95 * math.sqrt(var_log)
        return SurveyEstimate(
            point,
            point * math.exp(-half),
            point * math.exp(half),
            "log-scale delta method 95%",
            registered,
            survey.rate,
        )
    rng = np.random.default_rng(seed)
    x = survey.rate * effective_n
    rates = rng.beta(x + 0.5, effective_n - x + 0.5, size=draws)
    counts = rng.poisson(registered, size=draws) if registered_poisson else registered
    totals = counts / rates
    return SurveyEstimate(
        point,
        float(np.quantile(totals, 0.025)),
        float(np.quantile(totals, 0.975)),
        "Beta posterior (Jeffreys) Monte Carlo 95%",
        registered,
        survey.rate,
    )
