"""Whether a model's estimate may be published as an estimate, or only as a lower bound.

A published figure is a promise. Capture–recapture has failure modes the data can show, and
when one shows, the honest figure is the number certainly there — the victims seen by at
least one register — with the reason, not a model's guess carrying a confident interval:

* **few people on two registers at once** (fewer than ten): the estimate rests on a handful
  of overlaps and moves by multiples when one of them changes;
* **Chao's lower bound above the whole interval**: heterogeneous capture can only raise the
  truth above that bound, so a model whose interval lies below it has not captured how the
  lists depend on each other;
* **model choice decides the number**: the credible selection rules (stepwise, AIC, BIC)
  disagree by more than a factor of :data:`MAX_SPREAD`;
* **a Bayesian sampler that did not converge** (R-hat, effective sample size; see
  :mod:`qorgau.latency.lcmcr`);
* **an estimate the independent sources contradict**: surveys and official statements put the
  share of victims who reach the police at 8–30% (UNFPA 1999: 8% of women victims went to the
  police; Minister of Internal Affairs 2020: "2 of 10"; the national study: 70–90% never do;
  England and Wales CSEW 2023: 18.9%). An estimate by which more than
  :data:`MAX_REPORTING_RATIO` of the victims are on the police register is far more likely to
  be a model that took positively dependent registers for independent ones (the known
  direction of the bias: Hook & Regal 2000) than a region where most victims report —
  ``methods.md`` §2: survey and MSE "cross-validate each other". The limit is a setting
  (``QORGAU_MAX_REPORTING_PERCENT``) for a country whose surveys say otherwise.

What no check can show is heterogeneity that never reaches any register (people whom no list
is ever likely to see): the capture histories carry no trace of them (Link 2003), so every
method, the latent-class one included, reads them as absent. ``docs/latency.md`` says so
beside every published figure; this module only withholds what the data themselves impeach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

from qorgau.latency.mse_select import WARN_OVERLAPS_BELOW

# Selection rules whose estimates may differ by at most this factor (max ÷ min).
MAX_SPREAD = 2.0
# The most of a region's victims the police register may plausibly hold: above the 30% that
# no source exceeds, with room for a region that reports more than the country.
MAX_REPORTING_RATIO = 0.35


def max_reporting_ratio() -> float:
    percent = getattr(settings, "QORGAU_MAX_REPORTING_PERCENT", None)
    return MAX_REPORTING_RATIO if percent is None else percent / 100


# Why a figure is a lower bound, by code; stored as code and parameters with the result and
# worded in the reader's language when shown.
CHECKS: dict[str, _StrPromise] = {
    "police_share": _(
        "By this estimate %(share)s of the victims reached the police; surveys and "
        "official figures put that share at 8–30%% (at most %(limit)s allowed). The "
        "registers most likely see the same victims, and the dark figure is larger "
        "than the model finds."
    ),
    "few_overlaps": _(
        "Only %(overlaps)s people were seen by more than one register: too few to "
        "estimate how many no register saw."
    ),
    "below_chao": _(
        "Chao's lower bound (%(bound)s) lies above the whole interval: the model does "
        "not capture how the registers depend on each other."
    ),
    "spread": _(
        "The selection rules disagree by more than a factor of two (%(low)s to "
        "%(high)s): the number depends on the choice of model, not on the data."
    ),
    "not_converged": _(
        "The latent-class sampler did not converge (R-hat %(rhat)s, %(effective)s effective draws)."
    ),
}


def check_text(check: dict[str, Any]) -> str:
    """One failed check worded in the active language."""
    return str(CHECKS[check["code"]] % check.get("params", {}))


def publication_checks(
    found: Any, overlaps: int, police: int | None = None
) -> list[dict[str, Any]]:
    """The checks ``found`` (an :class:`qorgau.latency.mse.Estimate`) fails, as codes with
    their parameters; empty when it may be published as an estimate. ``overlaps`` is the
    number of people seen on more than one register; ``police`` the victims on the police
    register (for the check against the independent sources)."""
    failed: list[dict[str, Any]] = []
    limit = max_reporting_ratio()
    if police and found.estimate and police / found.estimate > limit:
        share = f"{police / found.estimate:.0%}"
        failed.append({"code": "police_share", "params": {"share": share, "limit": f"{limit:.0%}"}})
    if overlaps < WARN_OVERLAPS_BELOW:
        failed.append({"code": "few_overlaps", "params": {"overlaps": overlaps}})
    if found.chao is not None and found.ci_high is not None and found.chao > found.ci_high:
        failed.append({"code": "below_chao", "params": {"bound": f"{found.chao:.0f}"}})
    spread = found.spread or {}
    low, high = spread.get("min"), spread.get("max")
    if low and high and high / low > MAX_SPREAD:
        failed.append({"code": "spread", "params": {"low": f"{low:.0f}", "high": f"{high:.0f}"}})
    sampler = (found.intervals or {}).get("latent_class") or {}
    if sampler and not sampler.get("converged", True):
        rhat = f"{sampler.get('rhat', 0):.2f}"
        params = {"rhat": rhat, "effective": sampler.get("effective")}
        failed.append({"code": "not_converged", "params": params})
    return failed


def publication_failures(found: Any, overlaps: int, police: int | None = None) -> list[str]:
    """:func:`publication_checks` worded in the active language."""
    return [check_text(check) for check in publication_checks(found, overlaps, police)]


def unpublished_figure(found: Any) -> dict[str, Any]:
    """The model's figure kept beside a lower bound, for the analyst who wants to see it."""
    return {
        "estimate": found.estimate,
        "ci_low": found.ci_low,
        "ci_high": found.ci_high,
        "interval": found.interval,
    }
