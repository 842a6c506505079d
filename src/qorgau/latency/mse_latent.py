"""The latent-class estimate (:mod:`qorgau.latency.lcmcr`) in the shape of every other one.

The sampler runs many tables at once, so a run over every region and year draws all their
posteriors in one batch per set of lists (:func:`posteriors`) and then turns each into an
:class:`~qorgau.latency.mse.Estimate` (:func:`latent_estimate`), with the sampler's
convergence recorded where the publication checks read it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.utils.translation import gettext_noop

from qorgau.latency import lcmcr
from qorgau.latency.mse_table import CaptureTable

LATENT_CLASS = "latent_class"
# xgettext:no-python-format
LATENT_LABEL = gettext_noop("Bayesian 95% credible interval (latent classes, Manrique-Vallier)")


def posteriors(
    tables: Sequence[CaptureTable | None], *, seed: int = 0, **options: Any
) -> list[lcmcr.Posterior | None]:
    """The posterior of every table (``None`` stays ``None``), batched by the lists they have."""
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, table in enumerate(tables):
        if table is not None:
            groups[table.lists].append(i)
    found: list[lcmcr.Posterior | None] = [None] * len(tables)
    for number, members in enumerate(groups.values()):
        first = tables[members[0]]
        assert first is not None
        counts = np.stack([tables[i].counts for i in members])  # type: ignore[union-attr]
        draws = lcmcr.estimate_many(counts, cells=first.patterns, seed=seed + number, **options)
        for i, posterior in zip(members, draws, strict=True):
            found[i] = posterior
    return found


def latent_estimate(table: CaptureTable, posterior: lcmcr.Posterior) -> dict[str, Any]:
    """The fields of an ``Estimate`` from one table's posterior."""
    sampler = {
        "ci_low": posterior.ci_low,
        "ci_high": posterior.ci_high,
        "label": LATENT_LABEL,
        "mean": posterior.mean,
        "rhat": posterior.rhat,
        "effective": round(posterior.effective),
        "classes_in_use": round(posterior.classes_used, 1),
        "converged": posterior.converged,
    }
    return {
        "method": LATENT_CLASS,
        "selection": LATENT_CLASS,
        "lists": table.lists,
        "observed": table.observed,
        "estimate": posterior.median,
        "ci_low": posterior.ci_low,
        "ci_high": posterior.ci_high,
        "interval": LATENT_LABEL,
        "model": [],
        "intervals": {LATENT_CLASS: sampler},
    }
