"""Estimation runs: capture histories in, stored results out, monitoring fed.

``estimation_run`` estimates every region × year the linkage run's capture histories cover,
stores one result per method (multiple-systems; survey-based when a reporting rate is given),
keeps the run's progress current for the page and the console, and then recomputes the
monitoring indicators that read the estimates (``reporting_ratio``, ``estimated_victims_rate``).

Every run stored here is published: its source is always the linked registers. Estimates from
the synthetic ground truth reuse :func:`table_of` and :mod:`qorgau.latency.mse` from
``qorgau.synth.evaluation`` and are stored there, never as a run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import close_old_connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import User
from qorgau.latency import mse
from qorgau.latency.lcmcr import Posterior
from qorgau.latency.models import (
    EstimationResult,
    EstimationRun,
    FigureStatus,
    Method,
    RunSource,
    RunStatus,
)
from qorgau.latency.mse_strata import (
    STRATIFIED,
    STRATIFIED_MH,
    WITHIN_GROUPS,
    StratifiedTable,
    stratified_estimate,
)
from qorgau.latency.publication import check_text, publication_checks, unpublished_figure
from qorgau.latency.sources import NoCaptureHistories, linkage_histories
from qorgau.latency.survey import SurveyRate, survey_estimate
from qorgau.linkage.selectors import CaptureHistories

if TYPE_CHECKING:
    from qorgau.accounts.typing import Viewer


Progress = Callable[[int, int, str], None]
ESTIMATED_MEASURE = "estimated_true_victims"
# What a run over the linked registers may use: a log-linear selection rule, the latent-class
# model, or the log-linear model within groups of sex and age band, summed.
RUN_METHODS = (*mse.METHODS, STRATIFIED, STRATIFIED_MH)
# The method a run uses unless told otherwise: chosen by its measured bias and coverage on
# populations with a known truth (`qorgau latency evaluate`, docs/latency.md).
DEFAULT_RUN_METHOD = STRATIFIED_MH
NATIONAL = "national"


def table_of(history: CaptureHistories) -> tuple[mse.CaptureTable, list[str]]:
    """The capture table over the lists that saw anybody, and the names of those left out.

    A register with nobody on it in a region and year (no crisis centre there yet) carries no
    information and would make every model non-identifiable; it is dropped, as SparseMSE's
    ``removenoninformativelists`` does.
    """
    totals = [0] * len(history.lists)
    for pattern, count in history.counts.items():
        for i, flag in enumerate(pattern):
            totals[i] += count * flag
    keep = [i for i, total in enumerate(totals) if total > 0]
    dropped = [history.lists[i] for i, total in enumerate(totals) if total == 0]
    counts: dict[tuple[int, ...], int] = {}
    for pattern, count in history.counts.items():
        key = tuple(pattern[i] for i in keep)
        if any(key):
            counts[key] = counts.get(key, 0) + count
    lists = [history.lists[i] for i in keep]
    if len(lists) < 2:
        raise mse.EstimationRefused(
            _("Fewer than two registers saw anybody in this region and year."),
            code="too_few_lists",
        )
    return mse.CaptureTable.from_counts(lists, counts), dropped


def estimation_start(
    *,
    user: Viewer = None,
    years: Sequence[int] | None = None,
    selection: str = DEFAULT_RUN_METHOD,
    bootstrap: int = 0,
    seed: int = 0,
) -> EstimationRun:
    """Create the run; the caller executes it (``estimation_execute``) now or in background."""
    if selection not in RUN_METHODS:
        raise ValueError(f"unknown selection {selection!r}")
    return EstimationRun.objects.create(
        started_by=user if isinstance(user, User) else None,
        source=RunSource.LINKAGE,
        selection=selection,
        bootstrap=bootstrap,
        seed=seed,
        first_year=min(years) if years else None,
        last_year=max(years) if years else None,
    )


def estimation_run(
    *,
    user: User | None = None,
    years: Sequence[int] | None = None,
    selection: str = DEFAULT_RUN_METHOD,
    bootstrap: int = 0,
    seed: int = 0,
    survey: Mapping[str, SurveyRate] | None = None,
    histories: Sequence[CaptureHistories] | None = None,
    progress: Progress | None = None,
    feed_monitoring: bool = True,
) -> EstimationRun:
    """Estimate every region × year and store the results (see the module docstring).

    ``survey`` maps a region's KATO code (or ``"national"`` for every region) to the
    reporting rate of a victimisation survey; ``histories`` stands in for the linkage run's
    tables (tests). A run without linkage data ends ``failed`` with the reason as its message.
    """
    run = estimation_start(
        user=user, years=years, selection=selection, bootstrap=bootstrap, seed=seed
    )
    return estimation_execute(
        run,
        years=years,
        survey=survey,
        histories=histories,
        progress=progress,
        feed_monitoring=feed_monitoring,
    )


def estimation_execute(
    run: EstimationRun,
    *,
    years: Sequence[int] | None = None,
    survey: Mapping[str, SurveyRate] | None = None,
    histories: Sequence[CaptureHistories] | None = None,
    progress: Progress | None = None,
    feed_monitoring: bool = True,
) -> EstimationRun:
    """Estimate ``run``'s regions and years. Warnings and interval labels are stored in
    English, whoever started the run (a page's thread has no language and fell back to
    Kazakh): they are msgids, translated when shown (:meth:`EstimationResult.shown_warnings`)."""
    with translation.override("en"):
        return _execute(run, years, survey, histories, progress, feed_monitoring)


def _execute(
    run: EstimationRun,
    years: Sequence[int] | None,
    survey: Mapping[str, SurveyRate] | None,
    histories: Sequence[CaptureHistories] | None,
    progress: Progress | None,
    feed_monitoring: bool,
) -> EstimationRun:
    try:
        items = list(histories) if histories is not None else linkage_histories(years)
    except NoCaptureHistories as exc:
        run.status, run.message, run.finished_at = RunStatus.FAILED, str(exc.reason), timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        return run
    run.total = len(items)
    if items and run.first_year is None:
        run.first_year = min(h.year for h in items)
        run.last_year = max(h.year for h in items)
    run.save(update_fields=["total", "first_year", "last_year"])
    drawn = _latent_posteriors(run, items, progress)
    for number, history in enumerate(items, start=1):
        results = _estimate_one(run, history, number, survey or {}, drawn[number - 1])
        with transaction.atomic():
            EstimationResult.objects.bulk_create(results)
            run.done = number
            run.save(update_fields=["done"])
        if progress:
            progress(number, len(items), f"{history.region_code} {history.year}")
    run.status, run.finished_at = RunStatus.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at"])
    if feed_monitoring:
        monitoring_feed()
    return run


def _latent_posteriors(
    run: EstimationRun, items: Sequence[CaptureHistories], progress: Progress | None
) -> list[Posterior | None]:
    """For a latent-class run, every table's posterior drawn in one batch (the sampler runs
    all tables side by side); ``None`` for a table the model cannot take."""
    if run.selection != mse.LATENT_CLASS:
        return [None] * len(items)
    if progress:
        progress(0, len(items), "latent-class sampler")
    tables: list[mse.CaptureTable | None] = []
    for history in items:
        try:
            table, _dropped = table_of(history)
        except mse.EstimationRefused:
            table = None
        usable = table is not None and len(table.lists) > 2 and table.on_several_lists() > 0
        tables.append(table if usable else None)
    return mse.posteriors(tables, seed=run.seed)


def monitoring_feed() -> int:
    """Recompute the monitoring indicators that read the estimates; the number stored."""
    from qorgau.monitoring.engine import indicators_compute, indicators_fed_by
    from qorgau.monitoring.release_store import public_release_warm

    codes = indicators_fed_by(ESTIMATED_MEASURE)
    if not codes:
        return 0
    written = indicators_compute(only=codes).values_written
    public_release_warm()
    return written


def _estimate_one(
    run: EstimationRun,
    history: CaptureHistories,
    number: int,
    survey: Mapping[str, SurveyRate],
    posterior: Posterior | None = None,
) -> list[EstimationResult]:
    registered = {name: 0 for name in history.lists}
    for pattern, count in history.counts.items():
        for name, flag in zip(history.lists, pattern, strict=True):
            registered[name] += count * flag
    police = registered.get("police", 0)
    observed = sum(count for pattern, count in history.counts.items() if any(pattern))
    base = dict(
        run=run,
        region_code=history.region_code,
        year=history.year,
        registered=registered,
        police=police,
        observed=observed,
    )
    results = [_mse_result(run, history, number, base, posterior)]
    rate = survey.get(history.region_code) or survey.get(NATIONAL)
    if rate is not None:
        results.append(_survey_result(rate, police, base))
    return results


def _ratio(police: int, estimate: float, low: float, high: float) -> dict[str, float | None]:
    if not police or not estimate:
        return {"ratio": None, "ratio_low": None, "ratio_high": None}
    return {
        "ratio": police / estimate,
        "ratio_low": police / high if high else None,
        "ratio_high": min(1.0, police / low) if low else None,
    }


def _mse_result(
    run: EstimationRun,
    history: CaptureHistories,
    number: int,
    base: dict[str, Any],
    posterior: Posterior | None,
) -> EstimationResult:
    try:
        table, dropped = table_of(history)
        if run.selection in WITHIN_GROUPS and history.strata:
            within = WITHIN_GROUPS[run.selection]
            found = stratified_estimate(_stratified(history, dropped), selection=within)
            # the rules' spread on the pooled table, beside the groups' sum: model choice
            # stays visible (and checked) whatever the method
            found.spread = mse.selection_spread(table)
        elif run.selection in WITHIN_GROUPS:
            # histories without sex and age (an older linkage run): one group, as the groups
            # are merged when too small to estimate apart
            found = mse.estimate(table, selection=WITHIN_GROUPS[run.selection], seed=run.seed)
            found.warnings.append(
                str(_("The histories are not split by sex and age: estimated as one group."))
            )
        else:
            found = mse.estimate(
                table,
                selection=run.selection,
                replicates=run.bootstrap,
                seed=run.seed + number,
                posterior=posterior,
            )
    except mse.EstimationRefused as exc:
        return EstimationResult(
            **base,
            method=Method.MSE,
            selection=run.selection,
            refusal=str(exc.reason),
            status=FigureStatus.LOWER_BOUND,
        )
    warnings = list(found.warnings)
    if dropped:
        warnings.append(
            str(
                _("Registers with nobody on them were left out: %(lists)s.")
                % {"lists": ", ".join(dropped)}
            )
        )
    described = dict(
        **base,
        method=Method.MSE,
        selection=run.selection,
        model_terms=found.model,
        chao=found.chao,
        spread=found.spread,
        warnings=warnings,
    )
    failed = publication_checks(found, table.on_several_lists(), base["police"])
    if failed:
        return EstimationResult(
            **described,
            status=FigureStatus.LOWER_BOUND,
            refusal=" ".join(check_text(check) for check in failed),
            unpublished={**unpublished_figure(found), "checks": failed},
        )
    return EstimationResult(
        **described,
        estimate=found.estimate,
        ci_low=found.ci_low,
        ci_high=found.ci_high,
        interval=found.interval,
        **_ratio(base["police"], found.estimate, found.ci_low, found.ci_high),
    )


def _stratified(history: CaptureHistories, dropped: list[str]) -> StratifiedTable:
    """The region-year's people by (sex, age band) over the registers that saw anybody."""
    if not history.strata:
        raise mse.EstimationRefused(
            _("These capture histories are not split by sex and age: no stratified estimate."),
            code="no_strata",
        )
    keep = [i for i, name in enumerate(history.lists) if name not in dropped]
    return StratifiedTable.from_groups(history.lists, history.strata, keep)


def _survey_result(rate: SurveyRate, police: int, base: dict[str, Any]) -> EstimationResult:
    try:
        found = survey_estimate(police, rate)
    except mse.EstimationRefused as exc:
        return EstimationResult(
            **base, method=Method.SURVEY, refusal=str(exc.reason), status=FigureStatus.LOWER_BOUND
        )
    return EstimationResult(
        **base,
        method=Method.SURVEY,
        estimate=found.estimate,
        ci_low=found.ci_low,
        ci_high=found.ci_high,
        interval=found.interval,
        warnings=[rate.source] if rate.source else [],
        **_ratio(police, found.estimate, found.ci_low, found.ci_high),
    )


def run_in_background(run: EstimationRun, **options: Any) -> None:
    """Execute a run started from a page in a thread, so the page can show its progress."""

    def work() -> None:
        try:
            estimation_execute(EstimationRun.objects.get(pk=run.pk), **options)
        except Exception as exc:  # the page must learn that the run died, and why
            EstimationRun.objects.filter(pk=run.pk).update(
                status=RunStatus.FAILED, message=repr(exc), finished_at=timezone.now()
            )
            raise
        finally:
            close_old_connections()

    threading.Thread(target=work, daemon=True).start()
