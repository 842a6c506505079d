"""Multiple-systems estimation (capture–recapture over several lists): pure functions.

Numbers in, numbers out: no Django models, no database. ``methods.md`` §1 is the reference.
This module is the public face; the work is done in:

* ``mse_table``: the capture table and :class:`EstimationRefused`;
* ``mse_bounds``: two lists (Lincoln–Petersen, Chapman with Seber's variance) and Chao's
  lower bound (Chao 1987; the log-linear Mth version of Rivest & Baillargeon 2007);
* ``mse_models`` / ``mse_glm``: Poisson log-linear models over all ``2^k − 1`` observable
  patterns, pairs that share nobody fixed at −∞, the existence and identifiability checks;
* ``mse_select``: ``stepwise`` (CSV 2021), ``aic``/``bic`` (exhaustive up to five lists),
  ``independence``, and the checks that refuse a table;
* ``mse_profile``: the default interval, the multinomial profile likelihood of N for the
  chosen model (Rcapture ``closedpCI.t``); ``wald`` keeps ``n + exp(α̂0 ± z·se)``;
* ``mse_bootstrap``: BCa bootstrap repeating the selection, the observed count held fixed —
  the only interval here that carries model uncertainty.

A data set the method cannot support raises :class:`EstimationRefused` with a translatable
reason instead of returning a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from qorgau.latency.lcmcr import Posterior
from qorgau.latency.mse_bootstrap import bootstrap, bootstrap_label
from qorgau.latency.mse_bounds import (
    TwoListEstimate,
    chao_closed_form,
    chao_lower_bound,
    chao_of,
    two_list,
)
from qorgau.latency.mse_heterogeneity import HETEROGENEITY
from qorgau.latency.mse_latent import LATENT_CLASS, latent_estimate, posteriors
from qorgau.latency.mse_models import Fit, check_model, design, fit_model, fit_terms
from qorgau.latency.mse_profile import fit_profile_interval, profile_label
from qorgau.latency.mse_select import (
    P_THRESHOLD,
    SELECTIONS,
    check_overlaps,
    select,
    select_by_criterion,
    select_exhaustive,
    select_forward,
    select_stepwise,
    sparse_overlap_warning,
)
from qorgau.latency.mse_table import Z95, CaptureTable, EstimationRefused, Pair, all_pairs

__all__ = [
    "HETEROGENEITY",
    "INTERVALS",
    "LATENT_CLASS",
    "METHODS",
    "MAX_LOG_SE",
    "P_THRESHOLD",
    "SELECTIONS",
    "Z95",
    "CaptureTable",
    "Estimate",
    "EstimationRefused",
    "Fit",
    "Pair",
    "TwoListEstimate",
    "all_pairs",
    "bootstrap",
    "chao_closed_form",
    "chao_lower_bound",
    "chao_of",
    "check_model",
    "design",
    "estimate",
    "fit_model",
    "fit_terms",
    "interval_of",
    "posteriors",
    "select",
    "select_by_criterion",
    "select_exhaustive",
    "select_forward",
    "select_stepwise",
    "selection_spread",
    "two_list",
]

INTERVALS = ("profile", "wald")
# What a run may choose: a log-linear model by one of the selection rules, the Mth models of
# heterogeneous capture (:mod:`qorgau.latency.mse_heterogeneity`), or the latent-class model
# (:mod:`qorgau.latency.lcmcr`).
METHODS = (*SELECTIONS, HETEROGENEITY, LATENT_CLASS)
# Interval labels are stored in English and translated when shown (they are msgids).
# xgettext:no-python-format
WALD_LABEL = gettext_noop("log-normal 95% on the dark figure")
# xgettext:no-python-format
CHAPMAN_LABEL = gettext_noop("log-normal 95% on the dark figure (Chapman, Seber variance)")
# Above this standard error of log(dark figure) the interval spans orders of magnitude and
# the number says nothing; the data are refused rather than published.
MAX_LOG_SE = 3.0
# An estimate this close to Chao's bound is on it, not below (the two fits agree to ~1e-9).
CHAO_TOLERANCE = 1e-6


@dataclass
class Estimate:
    """What an estimation returns: the number, its interval and what it rests on."""

    method: str
    selection: str
    lists: tuple[str, ...]
    observed: int
    estimate: float
    ci_low: float
    ci_high: float
    interval: str
    model: list[str]
    registered: dict[str, int]
    chao: float | None = None
    lincoln_petersen: float | None = None
    bootstrap: dict[str, Any] | None = None
    spread: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    exclusive: list[str] = field(default_factory=list)  # pairs fixed at −∞ (no overlap)
    intervals: dict[str, Any] = field(default_factory=dict)  # every interval computed

    @property
    def dark(self) -> float:
        return self.estimate - self.observed

    def as_dict(self) -> dict[str, Any]:
        return {
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "interval": self.interval,
            "intervals": dict(self.intervals),
            "observed": self.observed,
            "dark_figure": self.dark,
            "method": self.method,
            "selection": self.selection,
            "model": list(self.model),
            "exclusive_pairs": list(self.exclusive),
            "lists": list(self.lists),
            "registered": dict(self.registered),
            "chao_lower_bound": self.chao,
            "lincoln_petersen": self.lincoln_petersen,
            "bootstrap": self.bootstrap,
            "spread": self.spread,
            "warnings": list(self.warnings),
        }


def interval_of(table: CaptureTable, fit: Fit, kind: str = "profile") -> dict[str, Any]:
    """The 95% interval of a fitted model: ``profile`` (default) or ``wald``, with its label."""
    if kind not in INTERVALS:
        raise ValueError(f"unknown interval {kind!r}; one of {', '.join(INTERVALS)}")
    if kind == "wald":
        low, high = fit.interval()
        return {"ci_low": low, "ci_high": high, "label": WALD_LABEL}
    profile = fit_profile_interval(table, fit)
    return {
        "ci_low": profile.low,
        "ci_high": profile.high,
        "label": profile_label(),
        "multinomial_estimate": profile.mle,
    }


def estimate(
    table: CaptureTable,
    *,
    selection: str = "stepwise",
    replicates: int = 0,
    seed: int = 0,
    spread: bool = True,
    interval: str = "profile",
    posterior: Posterior | None = None,
) -> Estimate:
    """Estimate the total (observed + dark figure) with the interval the options call for.

    ``interval`` is the kind for the chosen model (``profile`` or ``wald``); ``replicates``
    above 0 replaces it by the bootstrap BCa interval, which repeats the selection.
    ``selection="latent_class"`` uses the latent-class model, from ``posterior`` when the
    caller drew it already (a batch of tables, :func:`posteriors`).
    """
    if selection not in METHODS:
        raise ValueError(f"unknown selection {selection!r}; one of {', '.join(METHODS)}")
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}; one of {', '.join(INTERVALS)}")
    registered = table.list_totals()
    if len(table.lists) == 2:
        return _estimate_two(table, registered)
    if selection == LATENT_CLASS:
        return _estimate_latent(table, registered, posterior, seed, spread, interval)
    fit = select(table, selection)
    result = _from_fit(fit, table, selection, registered, interval)
    if replicates > 0:
        _apply_bootstrap(result, table, fit, replicates, seed)
    else:
        result.warnings.append(
            str(_("The interval is conditional on the chosen model: it ignores model choice."))
        )
    _warn_below_chao(result)
    if spread:
        result.spread = selection_spread(table, chosen=selection, chosen_fit=fit, interval=interval)
    return result


def _estimate_latent(
    table: CaptureTable,
    registered: dict[str, int],
    posterior: Posterior | None,
    seed: int,
    spread: bool,
    interval: str,
) -> Estimate:
    check_overlaps(table)
    if table.on_several_lists() == 0:
        raise EstimationRefused(
            _("Nobody was seen on more than one list: the lists say nothing of who they missed."),
            code="no_overlap",
        )
    if posterior is None:
        (posterior,) = posteriors([table], seed=seed)
        assert posterior is not None
    result = Estimate(
        **latent_estimate(table, posterior), registered=registered, chao=chao_of(table)
    )
    sparse = sparse_overlap_warning(table)
    if sparse:
        result.warnings.append(sparse)
    _warn_below_chao(result)
    if spread:
        result.spread = selection_spread(table, interval=interval)
    return result


def _apply_bootstrap(
    result: Estimate, table: CaptureTable, fit: Fit, replicates: int, seed: int
) -> None:
    boot = bootstrap(table, fit, result.selection, replicates, seed)
    result.bootstrap = boot
    result.ci_low, result.ci_high = boot["ci_low"], boot["ci_high"]
    result.interval = bootstrap_label(boot)
    result.intervals["bootstrap"] = {
        "ci_low": boot["ci_low"],
        "ci_high": boot["ci_high"],
        "label": result.interval,
    }
    if boot["refused"] > replicates / 10:
        result.warnings.append(
            str(
                _("%(n)s of %(b)s bootstrap replicates could not be estimated.")
                % {"n": boot["refused"], "b": replicates}
            )
        )


def _from_fit(
    fit: Fit, table: CaptureTable, selection: str, registered: dict[str, int], interval: str
) -> Estimate:
    if fit.log_dark_se > MAX_LOG_SE:
        raise EstimationRefused(
            _("The estimate is too uncertain to publish: the interval spans orders of magnitude."),
            code="too_uncertain",
        )
    chosen = interval_of(table, fit, interval)
    result = Estimate(
        method="loglinear",
        selection=selection,
        lists=table.lists,
        observed=fit.observed,
        estimate=fit.estimate,
        ci_low=chosen["ci_low"],
        ci_high=chosen["ci_high"],
        interval=chosen["label"],
        model=fit_terms(table, fit),
        registered=registered,
        chao=chao_of(table),
        exclusive=[table.pair_name(p) for p in fit.empty],
        intervals={interval: chosen},
    )
    if interval != "wald":
        result.intervals["wald"] = interval_of(table, fit, "wald")
    if fit.empty:
        result.warnings.append(
            str(
                _("Lists that share nobody were modelled as mutually exclusive: %(pairs)s.")
                % {"pairs": ", ".join(table.pair_name(p) for p in fit.empty)}
            )
        )
    sparse = sparse_overlap_warning(table)
    if sparse:
        result.warnings.append(sparse)
    return result


def _warn_below_chao(result: Estimate) -> None:
    """Flag an estimate below Chao's lower bound: capture that varies between people can
    only raise the truth above the bound, so the model then understates the dark figure."""
    bound = result.chao
    if bound is None or result.estimate >= bound * (1 - CHAO_TOLERANCE):
        return
    values = {"bound": f"{bound:.0f}"}
    if bound > result.ci_high:
        message = _(
            "Chao's lower bound (%(bound)s) is above the whole interval: the model does not "
            "capture how the lists depend on each other, and the estimate is likely too low."
        )
    else:
        message = _(
            "The estimate is below Chao's lower bound (%(bound)s): if some people are more "
            "likely than others to reach every list, the true number is at least that bound."
        )
    result.warnings.append(str(message % values))


def _estimate_two(table: CaptureTable, registered: dict[str, int]) -> Estimate:
    n1, n2 = registered.values()
    two = two_list(n1, n2, table.overlap((0, 1)))
    check_overlaps(table)
    result = Estimate(
        method="chapman",
        selection="independence",
        lists=table.lists,
        observed=table.observed,
        estimate=two.chapman,
        ci_low=two.ci_low,
        ci_high=two.ci_high,
        interval=CHAPMAN_LABEL,
        model=[],
        registered=registered,
        chao=chao_of(table),
        lincoln_petersen=two.lincoln_petersen,
    )
    result.warnings.append(
        str(_("Two lists: independence between them is assumed and cannot be checked."))
    )
    sparse = sparse_overlap_warning(table)
    if sparse:
        result.warnings.append(sparse)
    return result


def selection_spread(
    table: CaptureTable,
    *,
    chosen: str = "",
    chosen_fit: Fit | None = None,
    interval: str = "profile",
) -> dict[str, Any]:
    """Every selection rule's estimate beside each other (model choice often dominates)."""
    rules: dict[str, Any] = {}
    for rule in SELECTIONS:
        try:
            fit = chosen_fit if rule == chosen and chosen_fit else select(table, rule)
            bounds = interval_of(table, fit, interval)
            rules[rule] = {
                "estimate": fit.estimate,
                "ci_low": bounds["ci_low"],
                "ci_high": bounds["ci_high"],
                "model": fit_terms(table, fit),
            }
        except EstimationRefused as exc:
            rules[rule] = {"refused": str(exc.reason)}
    values = [r["estimate"] for r in rules.values() if "estimate" in r]
    return {
        "rules": rules,
        "min": min(values) if values else None,
        "max": max(values) if values else None,
    }
