"""Workflows of the rating: storing method versions, running a method on stored indicator
values, comparing two runs. The maths is in :mod:`compute` and :mod:`uncertainty`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from qorgau.monitoring.catalogue import catalogue_load
from qorgau.monitoring.models import IndicatorValue
from qorgau.rating.compute import IndexResult, compute_index, effective_weights
from qorgau.rating.gaps import Reason, missing_reasons
from qorgau.rating.methods import (
    DEFAULT_METHOD,
    MethodError,
    MethodFile,
    builtin_files,
    check_gaps_never_reward,
    content_hash,
    method_parse,
)
from qorgau.rating.models import (
    Level,
    RatingIndicatorResult,
    RatingMethod,
    RatingResult,
    RatingRun,
    RunStatus,
)
from qorgau.rating.normalisation import Array
from qorgau.rating.sources import SOURCE_INDICATORS, source_fill
from qorgau.rating.uncertainty import UncertaintyResult, improvements, monte_carlo
from qorgau.territory.models import Level as TerritoryLevel
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User

Progress = Callable[[int, int, str], None]


# --- methods ---------------------------------------------------------------------------------


def method_sync_builtin() -> None:
    """Make sure every method file shipped with Qorgau is stored (idempotent, never overwrites)."""
    for name, version, path in builtin_files():
        text = path.read_text(encoding="utf-8")
        RatingMethod.objects.get_or_create(
            name=name,
            version=version,
            defaults={"content": text, "sha256": content_hash(text), "builtin": True},
        )


def method_current(name: str = DEFAULT_METHOD) -> RatingMethod:
    method_sync_builtin()
    found = RatingMethod.objects.filter(name=name).order_by("-version").first()
    if found is None:
        raise MethodError("name", f"no method called {name!r}")
    return found


def method_load(stored: RatingMethod) -> MethodFile:
    return method_parse(stored.content, catalogue=catalogue_load())


@transaction.atomic
def method_store(*, text: str, actor: User | None = None, note: str = "") -> RatingMethod:
    """Validate a method file and store it as a new version; an existing version is refused."""
    parsed = method_parse(text, catalogue=catalogue_load())
    check_gaps_never_reward(parsed.method)
    method_sync_builtin()
    name, version = parsed.method.name, parsed.method.version
    newest = RatingMethod.objects.filter(name=name).aggregate(v=Max("version"))["v"] or 0
    if version <= newest:
        raise MethodError(
            "version",
            f"version {version} of {name!r} exists or is older; a new version must be "
            f"{newest + 1} (versions are never overwritten)",
        )
    return RatingMethod.objects.create(
        name=name,
        version=version,
        content=text,
        sha256=parsed.sha256,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


# --- reading the indicator values ------------------------------------------------------------


@dataclass
class Table:
    units: list[Territory]
    codes: list[str]
    value: Array
    low: Array
    high: Array

    def column(self, code: str) -> Array:
        return self.value[:, self.codes.index(code)]


def rating_units(year: int, level: str, region: Territory | None) -> list[Territory]:
    """Regions valid at the end of the year, or the districts of ``region``."""
    day = dt.date(year, 12, 31)
    units = Territory.objects.valid_on(day)
    if level == Level.DISTRICT:
        if region is None:
            raise ValueError("a district rating needs its region")
        units = units.filter(parent=region, level=TerritoryLevel.DISTRICT)
    else:
        units = units.filter(level=TerritoryLevel.REGION)
    return list(units.order_by("kato_code"))


def values_table(codes: list[str], year: int, units: list[Territory]) -> Table:
    index = {t.pk: n for n, t in enumerate(units)}
    shape = (len(units), len(codes))
    value, low, high = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    rows = IndicatorValue.objects.filter(
        indicator__in=codes, period=str(year), breakdown="", territory_id__in=list(index)
    ).values_list("indicator", "territory_id", "value", "low", "high")
    for code, territory, v, lo, hi in rows:
        i, j = index[territory], codes.index(code)
        value[i, j] = np.nan if v is None else v
        low[i, j] = v if lo is None else lo
        high[i, j] = v if hi is None else hi
    return Table(units=units, codes=codes, value=value, low=low, high=high)


REGISTERED = "incidents_rate"


def zero_fill_registry_rates(table: Table, year: int) -> None:
    """Monitoring stores no value for an empty cell: a territory with registry figures for the
    year but no row for a registry rate on the population had no such event (0, with the
    Poisson interval of a zero count), rather than an unknown value to impute."""
    from qorgau.monitoring.intervals import poisson_interval
    from qorgau.monitoring.measures import POPULATION_MEASURES
    from qorgau.monitoring.population import population_nearest

    catalogue = catalogue_load()
    ids = [t.pk for t in table.units]
    registered = set(
        IndicatorValue.objects.filter(
            indicator=REGISTERED, period=str(year), breakdown="", territory_id__in=ids
        ).values_list("territory_id", flat=True)
    )
    population = population_nearest(ids, year)
    _, upper = poisson_interval(0)
    for j, code in enumerate(table.codes):
        if code in SOURCE_INDICATORS:
            continue  # read from the registers by the rating itself (sources.py)
        indicator = catalogue.get(code)
        on_population = indicator.denominator.measure in POPULATION_MEASURES
        if not on_population or indicator.source != "registry":
            continue
        for i, unit in enumerate(table.units):
            if unit.pk in registered and np.isnan(table.value[i, j]):
                table.value[i, j] = table.low[i, j] = 0.0
                people = population.get(unit.pk)
                table.high[i, j] = upper * indicator.multiplier / people if people else 0.0


def data_hash(tables: list[Table]) -> str:
    """A fingerprint of exactly the figures a run read (same figures → same hash)."""
    digest = hashlib.sha256()
    for table in tables:
        for i, unit in enumerate(table.units):
            for j, code in enumerate(table.codes):
                cells = (table.value[i, j], table.low[i, j], table.high[i, j])
                text = ",".join("" if np.isnan(c) else repr(round(float(c), 12)) for c in cells)
                digest.update(f"{unit.kato_code}|{code}|{text}\n".encode())
    return digest.hexdigest()


# --- running ---------------------------------------------------------------------------------


def rating_run(
    *,
    year: int,
    level: str = Level.REGION,
    region: Territory | None = None,
    method: RatingMethod | None = None,
    draws: int | None = None,
    seed: int | None = None,
    actor: User | None = None,
    progress: Progress | None = None,
) -> RatingRun:
    """Run a method on the stored indicator values of ``year``; the run is kept for good.

    A method under which a missing value could raise a rank is refused before anything is
    stored (:func:`check_gaps_never_reward`); its old runs stay as they were.
    """
    stored = method or method_current()
    parsed = method_load(stored).method
    check_gaps_never_reward(parsed)
    uncertainty = parsed.uncertainty
    run = RatingRun.objects.create(
        method=stored,
        method_name=stored.name,
        method_version=stored.version,
        method_sha256=stored.sha256,
        year=year,
        level=level,
        region=region if level == Level.DISTRICT else None,
        draws=uncertainty.draws if draws is None else draws,
        seed=uncertainty.seed if seed is None else seed,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        _execute(run, parsed, progress)
    except Exception as exc:
        run.status = RunStatus.FAILED
        run.error = str(exc)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    return run


def _execute(run: RatingRun, method: Any, progress: Progress | None) -> None:
    def report(done: int, total: int, stage: str) -> None:
        percent = int(100 * done / max(total, 1))
        if percent != run.progress:
            run.progress = percent
            RatingRun.objects.filter(pk=run.pk).update(progress=percent)
        if progress:
            progress(done, total, stage)

    units = rating_units(run.year, run.level, run.region)
    flag_codes = sorted({c for f in method.flags for c in [f["registered"], *f["hard"]]})
    codes = method.codes
    current = values_table(codes, run.year, units)
    zero_fill_registry_rates(current, run.year)
    # A unit with no figure at all is not rated (and said so), rather than scored on nothing.
    rated = [i for i in range(len(units)) if not np.all(np.isnan(current.value[i]))]
    current = _subset(current, rated)
    concealment = source_fill(current, run.year)
    previous = values_table(codes, run.year - 1, current.units)
    zero_fill_registry_rates(previous, run.year - 1)
    source_fill(previous, run.year - 1)
    flags_now = values_table(flag_codes, run.year, current.units)
    flags_before = values_table(flag_codes, run.year - 1, current.units)
    run.data_sha256 = data_hash([current, previous, flags_now, flags_before])
    summary: dict[str, Any] = {
        "not_rated": [t.kato_code for n, t in enumerate(units) if n not in rated],
        "units": len(current.units),
    }
    if len(current.units) < 2:
        raise ValueError("fewer than two territories have indicator values for this year")
    result = compute_index([t.kato_code for t in current.units], current.value, method)
    kept = [codes.index(c) for c in result.method.codes]
    low, high = current.low[:, kept], current.high[:, kept]
    report(0, max(run.draws, 1), "monte carlo")
    spread = monte_carlo(
        result,
        low,
        high,
        draws=run.draws,
        seed=run.seed,
        progress=lambda done, total: report(done, total, "monte carlo"),
    )
    gain, rank_if = improvements(result)
    before = _previous(previous, method)
    flags = _flags(method.flags, flags_now, flags_before)
    if concealment is not None:
        summary["concealment"] = _concealment(current.units, concealment, flags)
    reasons = missing_reasons(current.units, current.codes, current.value, run.year)
    summary.update(_summary(result, spread))
    with transaction.atomic():
        _store(run, result, spread, current, previous, before, gain, rank_if, flags, reasons)
        run.summary = summary
        run.status = RunStatus.DONE
        run.progress = 100
        run.finished_at = timezone.now()
        run.save()
    report(1, 1, "done")


def _subset(table: Table, rows: list[int]) -> Table:
    return Table(
        units=[table.units[i] for i in rows],
        codes=table.codes,
        value=table.value[rows],
        low=table.low[rows],
        high=table.high[rows],
    )


def _previous(previous: Table, method: Any) -> IndexResult | None:
    if np.sum(~np.all(np.isnan(previous.value), axis=1)) < 2:
        return None
    try:
        return compute_index([t.kato_code for t in previous.units], previous.value, method)
    except ValueError:
        return None


def _flags(specs: tuple[dict[str, Any], ...], now: Table, before: Table) -> list[list[str]]:
    """Units where registered violence fell sharply while the hard outcomes did not fall."""
    out: list[list[str]] = [[] for _ in now.units]
    for spec in specs:
        fall = float(spec.get("fall", 0.2))
        registered = _relative_change(
            now.column(spec["registered"]), before.column(spec["registered"])
        )
        hard = [_relative_change(now.column(c), before.column(c)) for c in spec["hard"]]
        for i in range(len(now.units)):
            values = [h[i] for h in hard if not np.isnan(h[i])]
            if registered[i] <= -fall and values and all(v > -fall for v in values):
                out[i].append(str(spec["code"]))
    return out


def _concealment(units: list[Territory], found: Any, flags: list[list[str]]) -> dict[str, Any]:
    """Flag the units whose police registrations fell behind the independent registers, and
    keep the evidence of every unit for the league table (KATO code → evidence)."""
    from qorgau.rating.concealment import FLAG

    for i, flagged in enumerate(found.flagged):
        if flagged:
            flags[i].append(FLAG)
    return {
        unit.kato_code: dict(found.evidence[i], flagged=found.flagged[i])
        for i, unit in enumerate(units)
        if found.evidence[i]
    }


def _relative_change(now: Array, before: Array) -> Array:
    with np.errstate(all="ignore"):
        change = np.where(before > 0, (now - before) / before, np.where(now > before, np.inf, 0.0))
    return np.where(np.isnan(now) | np.isnan(before), np.nan, change)


def _summary(result: IndexResult, spread: UncertaintyResult) -> dict[str, Any]:
    return {
        "dropped": result.dropped,
        "indicators": result.method.codes,
        "weights": {k: round(v, 6) for k, v in result.weights.items()},
        "shares": {
            k: round(v, 6) for k, v in effective_weights(result.method, result.weights).items()
        },
        "treatments": {
            code: {
                "kind": t.kind,
                "points": t.points,
                "skew": _num(t.skew),
                "kurtosis": _num(t.kurtosis),
            }
            for code, t in zip(result.method.codes, result.treatments, strict=True)
        },
        "imputation": result.method.imputation,
        "imputed_cells": int(result.imputed.sum()),
        "constant": {k: round(v, 6) for k, v in result.constant.items()},
        "factors": list(spread.factors),
        "sensitivity": {k: round(v, 4) for k, v in spread.sensitivity.items()},
        "pairwise": None
        if spread.pairwise is None
        else [[round(float(p), 4) for p in row] for row in spread.pairwise],
        "pairwise_units": result.units,
    }


def _num(value: float) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 6)


def _store(
    run: RatingRun,
    result: IndexResult,
    spread: UncertaintyResult,
    current: Table,
    previous: Table,
    before: IndexResult | None,
    gain: Array,
    rank_if: Array,
    flags: list[list[str]],
    reasons: dict[tuple[int, str], Reason],
) -> None:
    threshold = result.method.uncertainty.real_difference
    ranks = result.rank
    previous_ranks = before.rank if before is not None else None
    for i, unit in enumerate(current.units):
        row = RatingResult.objects.create(
            run=run,
            territory=unit,
            score=_num(result.score[i]),
            rank=int(ranks[i]),
            score_low=_num(spread.score_low[i]),
            score_high=_num(spread.score_high[i]),
            rank_median=_num(spread.rank_median[i]),
            rank_low=int(spread.rank_low[i]),
            rank_high=int(spread.rank_high[i]),
            above_next=_num(spread.above_next[i]),
            real_difference=bool(spread.above_next[i] >= threshold),
            groups={g.code: _num(result.groups[g.code][i]) for g in result.method.groups},
            flags=flags[i],
            imputed=int(result.imputed[i].sum()),
            previous_score=_num(before.score[i]) if before is not None else None,
            previous_rank=int(previous_ranks[i]) if previous_ranks is not None else None,
        )
        cells = _scored_cells(row, i, result, current, previous, gain, rank_if)
        cells += _constant_cells(row, i, result, current, previous)
        for cell in cells:
            cell.missing, cell.missing_detail = reasons.get((i, cell.indicator), ("", ""))
        RatingIndicatorResult.objects.bulk_create(cells)


def _scored_cells(
    row: RatingResult,
    i: int,
    result: IndexResult,
    current: Table,
    previous: Table,
    gain: Array,
    rank_if: Array,
) -> list[RatingIndicatorResult]:
    """The explanation of one territory's score: one row per indicator that carries weight."""
    shares = effective_weights(result.method, result.weights)
    return [
        RatingIndicatorResult(
            result=row,
            indicator=code,
            value=_num(result.raw[i, j]),
            low=_num(current.low[i, current.codes.index(code)]),
            high=_num(current.high[i, current.codes.index(code)]),
            normalised=_num(result.normalised[i, j]),
            contribution=_num(result.contributions[i, j]),
            weight=round(shares[code], 6),
            imputed=bool(result.imputed[i, j]),
            previous_value=previous_value(previous, i, code, row.run.year),
            gain=_num(gain[i, j]),
            rank_if_improved=None if np.isnan(rank_if[i, j]) else int(rank_if[i, j]),
        )
        for j, code in enumerate(result.method.codes)
    ]


def previous_value(previous: Table, i: int, code: str, year: int) -> float | None:
    """Last year's value beside this year's, unless a break in the series (a change of the
    law, ``monitoring.breaks``) lies between the two years or within one of them: the figures
    on either side count different things, and the change would be the law's, not the
    territory's."""
    from qorgau.monitoring.breaks import breaks_of, comparable

    if not comparable(str(year - 1), str(year), breaks_of(code)):
        return None
    return _num(previous.value[i, previous.codes.index(code)])


def _constant_cells(
    row: RatingResult, i: int, result: IndexResult, current: Table, previous: Table
) -> list[RatingIndicatorResult]:
    """Indicators the same in every territory: shown with their value and no weight."""
    cells = []
    for code in result.constant:
        j = current.codes.index(code)
        cells.append(
            RatingIndicatorResult(
                result=row,
                indicator=code,
                value=_num(current.value[i, j]),
                low=_num(current.low[i, j]),
                high=_num(current.high[i, j]),
                contribution=0.0,
                weight=0.0,
                imputed=bool(np.isnan(current.value[i, j])),
                constant=True,
                previous_value=previous_value(previous, i, code, row.run.year),
            )
        )
    return cells


# --- comparing -------------------------------------------------------------------------------


@dataclass
class Comparison:
    a: RatingRun
    b: RatingRun
    common: int
    spearman: float | None
    kendall: float | None
    movers: list[dict[str, Any]]


def rating_compare(a: RatingRun, b: RatingRun, *, top: int = 10) -> Comparison:
    """Rank correlation of two runs over their common territories, and the largest movers."""
    from scipy.stats import kendalltau, spearmanr

    ranks_a = {r.territory_id: r for r in a.results.select_related("territory")}
    ranks_b = {r.territory_id: r for r in b.results.select_related("territory")}
    common = sorted(set(ranks_a) & set(ranks_b))
    rho = tau = None
    if len(common) >= 3:
        x = [ranks_a[t].rank for t in common]
        y = [ranks_b[t].rank for t in common]
        rho = float(spearmanr(x, y).statistic)
        tau = float(kendalltau(x, y).statistic)
    movers: list[dict[str, Any]] = sorted(
        (
            {
                "territory": ranks_a[t].territory,
                "rank_a": ranks_a[t].rank,
                "rank_b": ranks_b[t].rank,
                "move": ranks_a[t].rank - ranks_b[t].rank,
                "overlap": _overlap(ranks_a[t], ranks_b[t]),
            }
            for t in common
        ),
        key=lambda m: (-abs(m["move"]), m["rank_b"]),
    )
    return Comparison(a, b, len(common), _clean(rho), _clean(tau), movers[:top])


def _overlap(a: RatingResult, b: RatingResult) -> bool:
    if None in (a.rank_low, a.rank_high, b.rank_low, b.rank_high):
        return False
    return not (a.rank_high < b.rank_low or b.rank_high < a.rank_low)  # type: ignore[operator]


def _clean(value: float | None) -> float | None:
    return None if value is None or np.isnan(value) else value


def run_as_json(run: RatingRun) -> str:
    """The results of a run as canonical JSON (used to prove two runs are identical)."""
    rows = []
    for result in run.results.select_related("territory").prefetch_related("indicators"):
        rows.append(
            {
                "territory": result.territory.kato_code,
                "score": result.score,
                "rank": result.rank,
                "interval": [result.rank_low, result.rank_median, result.rank_high],
                "scores": [result.score_low, result.score_high],
                "above_next": result.above_next,
                "groups": result.groups,
                "indicators": [
                    [i.indicator, i.value, i.normalised, i.contribution, i.imputed, i.gain]
                    for i in result.indicators.all()
                ],
            }
        )
    return json.dumps(rows, sort_keys=True)
