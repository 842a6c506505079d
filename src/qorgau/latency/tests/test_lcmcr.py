"""The latent-class model against R's LCMCR (the published Kosovo example) and against truth.

``data/lcmcr_kosovo.md`` records the oracle: R's own sampler, run on this machine. The sampler
is random and mixes slowly on Kosovo, in R as here, so the comparison allows for the spread
R's own seeds show.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from qorgau.latency import lcmcr, mse
from qorgau.latency.publication import publication_failures

pytestmark = pytest.mark.one_backend

DATA = Path(__file__).parent / "data"
R_MEDIAN, R_LOW, R_HIGH = 10_410, 8_880, 13_680


def kosovo() -> mse.CaptureTable:
    with (DATA / "lcmcr_kosovo.csv").open(encoding="utf-8") as handle:
        counts = {
            tuple(int(c) for c in row["pattern"]): int(row["count"])
            for row in csv.DictReader(handle)
        }
    return mse.CaptureTable.from_counts(["EXH", "ABA", "OSCE", "HRW"], counts)


def test_kosovo_reproduces_r_lcmcr():
    table = kosovo()
    assert table.observed == 4_400
    # Long chains, as the oracle's: Kosovo mixes slowly (data/lcmcr_kosovo.md).
    (posterior,) = mse.posteriors([table], seed=5, chains=2, burn_in=10_000, samples=3_000, thin=10)
    assert posterior is not None
    assert posterior.median == pytest.approx(R_MEDIAN, rel=0.05)
    assert posterior.ci_low == pytest.approx(R_LOW, rel=0.1)
    assert posterior.ci_high == pytest.approx(R_HIGH, rel=0.1)
    assert posterior.rhat < 1.1
    assert posterior.classes_used > 1  # the data are heterogeneous: one class is not enough


def test_homogeneous_lists_cover_the_truth():
    """Independent, homogeneous lists: the latent-class posterior covers the true size."""
    rng = np.random.default_rng(2016)
    truth, rates = 1_500, np.array([0.25, 0.2, 0.15, 0.2, 0.1])
    cells = lcmcr.patterns(5)
    tables = []
    for _ in range(6):
        seen = rng.random((truth, 5)) < rates
        seen = seen[seen.any(axis=1)].astype(int)
        index = {tuple(c): i for i, c in enumerate(cells)}
        counts = np.zeros(len(cells), dtype=int)
        for row in seen:
            counts[index[tuple(row)]] += 1
        tables.append(counts)
    found = lcmcr.estimate_many(np.stack(tables), seed=1, burn_in=2_000, samples=1_000)
    covered = [p.ci_low <= truth <= p.ci_high for p in found]
    assert sum(covered) >= 5
    assert all(p.converged for p in found)
    assert np.median([p.median / truth for p in found]) == pytest.approx(1.0, abs=0.08)


def test_a_short_run_on_slowly_mixing_data_is_caught():
    """Kosovo needs long chains; the default length does not mix there, and the publication
    checks read the sampler's diagnostics rather than trusting its quantiles."""
    table = kosovo()
    found = mse.estimate(table, selection=mse.LATENT_CLASS, seed=3, spread=False)
    assert found.method == mse.LATENT_CLASS and found.interval.startswith("Bayesian")
    assert found.observed < found.ci_low < found.estimate < found.ci_high
    sampler = found.intervals[mse.LATENT_CLASS]
    assert {"rhat", "effective", "converged"} <= set(sampler)
    if not sampler["converged"]:
        assert any("converge" in r for r in publication_failures(found, 2_000))


def test_diagnostics_tell_a_stuck_chain_from_a_mixed_one():
    rng = np.random.default_rng(0)
    mixed = rng.normal(size=(3, 1_000))
    stuck = mixed + np.array([[0.0], [3.0], [6.0]])
    assert lcmcr.split_rhat(mixed) < 1.01 and lcmcr.effective_size(mixed) > 2_000
    assert lcmcr.split_rhat(stuck) > 1.5
    walk = np.cumsum(rng.normal(size=(3, 1_000)), axis=1)
    assert lcmcr.effective_size(walk) < 100
    assert not lcmcr.converged(lcmcr.split_rhat(stuck), 5_000)


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="pattern"):
        lcmcr.estimate_many(np.ones((1, 6), dtype=int))
    with pytest.raises(ValueError, match="somebody"):
        lcmcr.estimate_many(np.zeros((1, 7), dtype=int))
    lonely = mse.CaptureTable.from_counts(
        ["a", "b", "c"], {(1, 0, 0): 5, (0, 1, 0): 4, (0, 0, 1): 3}
    )
    with pytest.raises(mse.EstimationRefused):
        mse.estimate(lonely, selection=mse.LATENT_CLASS)


def test_the_number_missed_is_truncated_as_lcmcr_does():
    """A chain whose lists almost never capture anybody (p0 ≈ 1) would draw an astronomic
    number missed; as in LCMCR it is capped at 20 × n."""
    counts = np.array([[40, 35, 30, 1, 0, 0, 0]])
    sampler = lcmcr._Sampler(
        counts,
        lcmcr.patterns(3),
        classes=4,
        rng=np.random.default_rng(0),
        alpha_shape=lcmcr.ALPHA_SHAPE,
        alpha_rate=lcmcr.ALPHA_RATE,
    )
    sampler.capture[:] = 1e-9
    sampler._draw_missing()
    assert 0 < sampler.n0[0] <= lcmcr.MAX_MISSED_RATIO * 106
