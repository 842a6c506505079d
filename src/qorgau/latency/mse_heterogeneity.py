"""Log-linear models of heterogeneous capture: Rcapture's Mth models (Rivest & Baillargeon).

When some people are more likely than others to reach *every* list (a woman who seeks help
reaches the police, the hospital and the crisis centre alike), the lists are positively
dependent and a model of independent lists misses the people least likely to be seen. The
Mth models add to the lists' main effects one term in the number of lists a person is on,
``k``, whose shape comes from a distribution of the individual propensity (Rivest &
Baillargeon 2007, Rcapture ``closedp``):

* **Darroch**: ``k²/2`` — a normal propensity on the logit scale (Darroch et al. 1993);
* **Poisson2**: ``2^k − 1`` — a propensity with a Poisson-like right tail;
* **Gamma3.5**: ``−log(1 + k/3.5)`` — a gamma propensity (Rivest & Lévesque 2001).

As in Rcapture (``neg = TRUE``), a heterogeneity parameter estimated below zero means no
heterogeneity the model can describe: it is set to zero, i.e. the model of independent lists
(Mt). The ``heterogeneity`` selection fits the three and Mt and keeps the lowest BIC, as
Rcapture's documentation chooses among them; the interval is the profile likelihood of the
chosen model, held fixed (:mod:`qorgau.latency.mse_profile`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from django.utils.translation import gettext_lazy as _

from qorgau.latency.mse_glm import fit_poisson
from qorgau.latency.mse_models import Fit, fit_model
from qorgau.latency.mse_table import CaptureTable, EstimationRefused

HETEROGENEITY = "heterogeneity"
FORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "Darroch": lambda k: k**2 / 2.0,
    "Poisson2": lambda k: 2.0**k - 1.0,
    "Gamma3.5": lambda k: -np.log1p(k / 3.5),
}


def fit_heterogeneous(table: CaptureTable, form: str) -> Fit:
    """The Mth model of ``form`` (its parameter set to zero, i.e. Mt, when estimated < 0)."""
    shape = FORMS[form]
    independent = fit_model(table, (), check=False)
    lists_seen = table.patterns.sum(axis=1).astype(float)
    column = shape(lists_seen)
    matrix = np.column_stack([independent.matrix, column])
    counts = table.counts.astype(float)
    if np.linalg.matrix_rank(matrix) < matrix.shape[1]:
        raise EstimationRefused(
            _("The model cannot be identified from these data (too few overlaps between lists)."),
            code="not_identifiable",
        )
    start = np.append(independent.params, 0.0)
    try:
        result = fit_poisson(matrix, counts, start=start)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        raise EstimationRefused(_("The model did not converge."), code="not_converged") from exc
    tau = float(result.params[-1])
    if tau <= 0:  # every shape is convex in k: only a positive parameter is heterogeneity
        return independent
    se = math.sqrt(max(float(result.covariance[0, 0]), 0.0))
    if not result.converged or not math.isfinite(se) or not math.isfinite(result.params[0]):
        raise EstimationRefused(_("The model did not converge."), code="not_converged")
    n_params = matrix.shape[1]
    observed = table.observed
    return Fit(
        terms=(),
        empty=(),
        observed=observed,
        dark=math.exp(float(result.params[0])),
        log_dark_se=se,
        aic=-2 * result.loglik + 2 * n_params,
        bic=-2 * result.loglik + n_params * math.log(max(observed, 1)),
        deviance=result.deviance,
        cells=np.arange(len(counts)),
        fitted=result.fitted,
        matrix=matrix,
        params=result.params,
        heterogeneity=form,
    )


def select_heterogeneity(table: CaptureTable) -> Fit:
    """The lowest BIC among Mt and the Mth models that fit."""
    candidates = [fit_model(table, (), check=False)]
    for form in FORMS:
        try:
            candidates.append(fit_heterogeneous(table, form))
        except EstimationRefused:
            continue
    return min(candidates, key=lambda fit: fit.bic)
