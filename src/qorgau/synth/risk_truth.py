"""EVALUATION ONLY: how well the risk instrument truly predicts outcomes in the generator.

The accuracy page (``monitoring.risk_accuracy``) estimates, from what the registry holds, the
AUC of the instrument's score and the share of assessments followed by an outcome at each
level. On a synthetic country those figures have a *known* value: the one the generating
process itself implies. This module finds it by Monte Carlo, without the database, the writer,
the outcome matching or the statistics the page uses: it draws the country's blocks again with
the generator's own sampler (``sample_block``, the same regions and calibration, fresh random
streams), reads each assessment's later events straight from the sampled arrays (the victim's
later incidents, and the other registers' sightings of her that carry a correct IIN, as the
registry links them), and measures the AUC with SciPy's Mann–Whitney U.

Breach of an order or requirement is left out: violations are drawn independently of severity,
so the generator has no designed signal for it to recover. Nothing here is stored or shown on
any page; the known values go to the evaluation test and the ``synth risk-truth`` command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from qorgau.registry.risk import Instrument, instrument_load, risk_score
from qorgau.synth.identities import REGISTER_STYLE
from qorgau.synth.sampling import sample_block
from qorgau.synth.sampling.capture import REGISTERS
from qorgau.synth.sampling.justice import RISK_ITEMS
from qorgau.synth.sampling.spec import Block
from qorgau.synth.services import block_specs, district_frame, regions_make

OUTCOMES = ("revictimisation", "serious_harm")
RAISED = {"low": "medium", "medium": "high", "high": "critical", "critical": "critical"}
_SECOND = np.timedelta64(1, "s")
# The share of a register's records that carry the victim's correct IIN (identities.py:
# ``with_iin`` × (1 − ``iin_error``)): only those reach her through her IIN pseudonym.
_LINKED = {code: style[6] * (1 - style[7]) for code, style in REGISTER_STYLE.items()}


@dataclass(frozen=True)
class KnownAccuracy:
    """The generator's value for one window and outcome, with its Monte Carlo error."""

    months: int
    outcome: str
    assessed: int
    auc: float
    auc_error: float  # standard error over the replications
    level_share: dict[str, float]  # level → share followed by the outcome
    level_assessed: dict[str, int]  # level → assessments behind that share (all replications)


def known_accuracy(
    *,
    first_year: int,
    last_year: int,
    seed: int,
    scale: float,
    end: dt.date,
    today: dt.date | None = None,
    replications: int = 4,
    windows: tuple[int, ...] = (3, 6, 12),
    progress: Callable[[str], None] = lambda line: None,
) -> list[KnownAccuracy]:
    """The known AUC and level shares of the country ``seed`` (its regions and calibration)
    for data ending on ``end``, from ``replications`` fresh draws of all its blocks."""
    draws = []
    for replication in range(replications):
        draws.append(
            assessments_replayed(
                first_year=first_year,
                last_year=last_year,
                seed=seed,
                scale=scale,
                end=end,
                today=today,
                replication=replication,
            )
        )
        progress(f"replication {replication + 1}/{replications}: {len(draws[-1])} assessments")
    return [_known(draws, months, outcome, end) for months in windows for outcome in OUTCOMES]


def assessments_replayed(
    *,
    first_year: int,
    last_year: int,
    seed: int,
    scale: float,
    end: dt.date,
    today: dt.date | None = None,
    replication: int | None,
) -> pd.DataFrame:
    """Every assessment of one draw of the country, with its first later events.

    ``replication=None`` replays the country's own random streams (those ``synth_run`` used,
    given the day it ran as ``today``): the assessments come out exactly as stored, which is
    how the replay is checked against the registry. A number draws a fresh, independent copy.
    """
    frame = district_frame()
    regions = regions_make(frame, seed)
    instrument = instrument_load()
    today = today or end + dt.timedelta(days=1)
    parts = []
    for year in range(first_year, last_year + 1):
        specs = block_specs(frame, regions, year=year, scale=scale, last_day=end, today=today)
        for index, spec in enumerate(specs):
            streams = [seed, year, index + 1]
            if replication is not None:
                streams += [7919, replication]
            rng = np.random.default_rng(streams)
            parts.append(_assessments(rng, sample_block(rng, spec), instrument))
    return pd.concat(parts, ignore_index=True)


def _known(draws: list[pd.DataFrame], months: int, outcome: str, end: dt.date) -> KnownAccuracy:
    kept = [_window(d, months, end) for d in draws]
    aucs = [_auc(k["score"].to_numpy(), k[outcome].to_numpy()) for k in kept]
    pooled = pd.concat(kept, ignore_index=True)
    shares = pooled.groupby("level")[outcome].agg(["mean", "size"])
    return KnownAccuracy(
        months=months,
        outcome=outcome,
        assessed=len(pooled),
        auc=_auc(pooled["score"].to_numpy(), pooled[outcome].to_numpy()),
        auc_error=float(np.std(aucs, ddof=1) / np.sqrt(len(aucs))) if len(aucs) > 1 else 0.0,
        level_share={level: float(shares.at[level, "mean"]) for level in shares.index},
        level_assessed={level: int(shares.at[level, "size"]) for level in shares.index},
    )


def _window(frame: pd.DataFrame, months: int, end: dt.date) -> pd.DataFrame:
    """Assessments whose window of ``months`` has ended by ``end``, with a yes/no outcome."""
    last_day = frame["assessed"].dt.normalize() + pd.DateOffset(months=months)
    kept = frame[last_day <= pd.Timestamp(end)].copy()
    stop = last_day[kept.index] + pd.Timedelta(days=1)
    for outcome in OUTCOMES:
        kept[outcome] = kept[f"first_{outcome}"].notna() & (kept[f"first_{outcome}"] < stop)
    return kept


def _auc(score: np.ndarray, outcome: np.ndarray) -> float:
    cases, controls = score[outcome], score[~outcome]
    statistic = mannwhitneyu(cases, controls, alternative="two-sided").statistic
    return float(statistic / (len(cases) * len(controls)))


def _assessments(rng: np.random.Generator, block: Block, instrument: Instrument) -> pd.DataFrame:
    """One row per assessment of ``block``: score, level, moment and first later events."""
    inc, risks = block.inc, block.risks
    which = risks["incident"]
    moment = inc["day"].astype("datetime64[s]") + inc["seconds"] * _SECOND
    assessed = moment[which] + (inc["delay"][which] + risks["delay"]) * _SECOND
    scores = _scores(instrument, risks["answers"])
    level = np.asarray([level for _score, level in scores], dtype=object)
    level = np.where(risks["raised"], [RAISED[x] for x in level], level)
    frame = pd.DataFrame(
        {
            "row": np.arange(len(which)),
            "owner": inc["owner"][which],
            "incident": which,
            "assessed": assessed,
            "score": [float(score) for score, _level in scores],
            "level": level,
        }
    )
    events = _events(rng, block, moment)
    joined = frame.merge(events, on="owner")
    joined = joined[(joined["event_incident"] != joined["incident"])]
    joined = joined[joined["moment"] > joined["assessed"]]
    for outcome, mask in (
        ("revictimisation", np.ones(len(joined), dtype=bool)),
        ("serious_harm", joined["serious"].to_numpy()),
    ):
        first = joined[mask].groupby("row")["moment"].min()
        frame[f"first_{outcome}"] = frame["row"].map(first)
    return frame


def _events(rng: np.random.Generator, block: Block, moment: np.ndarray) -> pd.DataFrame:
    """Every later event that can follow an assessment of a police victim (``owner``): her
    incidents (serious when grave or fatal) and the other registers' records of her that
    carry her correct IIN (serious when the register writes a grave harm, severity z > 2)."""
    inc = block.inc
    serious = np.isin(inc["injury"], ["grave", "death"])
    parts = [
        pd.DataFrame(
            {
                "owner": inc["owner"],
                "event_incident": np.arange(len(moment)),
                "moment": moment,
                "serious": serious,
            }
        )
    ]
    owners = np.arange(len(block.pv))
    true_victim = block.pv
    for register in REGISTERS:
        seen = block.seen[register][true_victim] & (rng.random(len(owners)) < _LINKED[register])
        parts.append(
            pd.DataFrame(
                {
                    "owner": owners[seen],
                    "event_incident": -1,
                    "moment": block.seen_on[register][true_victim][seen].astype("datetime64[s]"),
                    "serious": block.z[true_victim][seen] > 2.0,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


_SCORED: dict[tuple[object, ...], tuple[Decimal, str]] = {}


def _scores(instrument: Instrument, answers: np.ndarray) -> list[tuple[Decimal, str]]:
    """The instrument's score and level of each row of yes/no answers (cached by pattern)."""
    out = []
    for row in answers:
        yes = tuple(bool(x) for x in row)
        key = (instrument.code, instrument.version, *yes)
        found = _SCORED.get(key)
        if found is None:
            result = risk_score(
                instrument, {code: 1 for code, yes in zip(RISK_ITEMS, yes, strict=True) if yes}
            )
            found = _SCORED[key] = (result.score, str(result.level))
        out.append(found)
    return out
