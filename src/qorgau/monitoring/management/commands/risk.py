"""``qorgau risk accuracy``: the accuracy page's figures on the command line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from qorgau.monitoring.risk_accuracy import AccuracyReport, WindowReport, risk_accuracy
from qorgau.monitoring.risk_outcomes import OUTCOMES, WINDOWS
from qorgau.monitoring.risk_proposal import ProposalComparison, proposal_compare
from qorgau.monitoring.risk_statistics import Auc
from qorgau.registry.risk import InstrumentError, instrument_read


def _auc(auc: Auc | None) -> str:
    return "—" if auc is None else f"{auc.value:.3f} [{auc.low:.3f}, {auc.high:.3f}]"


def _window_lines(window: WindowReport, outcome: str) -> Iterator[str]:
    yield (
        f"\n{window.months} months: {window.assessed} assessments with a complete window, "
        f"{window.censored} censored"
    )
    for row in window.outcomes:
        yield (
            f"  {row.outcome:16} events {row.events:6}  share {row.share:6.1%}  AUC {_auc(row.auc)}"
        )
    if not window.levels:
        return
    yield f"  {outcome} by level (observed share, 95% Wilson interval):"
    for level in window.levels:
        yield (
            f"    {level.level:9} {level.events:5}/{level.assessed:<6} {level.share:6.1%} "
            f"[{level.low:.1%}, {level.high:.1%}]"
        )
    yield f"  rises with level: {'yes' if window.rises else 'no' if window.rises is False else '—'}"
    for title, rows in window.breakdowns.items():
        yield f"  AUC by {title.lower()}:"
        for group in rows:
            yield f"    {group.label:30} {group.events:5}/{group.assessed:<6} {_auc(group.auc)}"
    yield "  items (own AUC; odds ratio):"
    for item in window.items:
        odds = "—" if item.odds is None else f"{item.odds.ratio:.2f}"
        yield f"    {item.code:22} {_auc(item.auc)}  OR {odds}"
    for drift in window.drifts:
        yield (
            f"  DRIFT {drift.version}: AUC {_auc(drift.latest)} in {drift.year} outside "
            f"the earlier interval {_auc(drift.earlier)}"
        )


def proposal_lines(report: ProposalComparison) -> Iterator[str]:
    proposed = report.proposed
    yield (
        f"Proposal {proposed.code} version {proposed.version} against the scores given; "
        f"{report.months}-month window, outcome {report.outcome}: {report.assessed} assessments "
        f"({report.events} with the outcome), {report.censored} censored"
    )
    if report.never_asked:
        yield f"  never asked in past assessments (counted as no): {', '.join(report.never_asked)}"
    if report.auc is None:
        yield "  too few assessments with and without the outcome to compare"
        return
    auc = report.auc
    yield f"  AUC given   {_auc(auc.first)}"
    yield f"  AUC proposed {_auc(auc.second)}"
    yield (
        f"  difference {auc.difference:+.3f} [{auc.low:+.3f}, {auc.high:+.3f}], "
        f"p = {auc.p_value:.3f}; level changed for {report.changed_level}"
    )
    for level in report.levels:
        yield (
            f"    {level.level:9} {level.events:5}/{level.assessed:<6} {level.share:6.1%} "
            f"[{level.low:.1%}, {level.high:.1%}]"
        )


def report_lines(report: AccuracyReport) -> Iterator[str]:
    as_of = report.as_of.isoformat() if report.as_of else "—"
    yield f"Risk assessments: {report.total}; data up to {as_of}; outcome: {report.outcome}"
    for window in report.windows:
        yield from _window_lines(window, report.outcome)


class Command(BaseCommand):
    help = (
        "Risk instrument. `accuracy` reports how well the scores predicted the outcomes that "
        "followed each assessment within 3, 6 and 12 months (AUC with DeLong's interval, the "
        "observed share by level, by version, year, sex and region, each item, drift); "
        "assessments whose window is not complete by the data's end are censored. `propose FILE` "
        "scores every past assessment again with a proposed version and compares the two."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        accuracy = sub.add_parser("accuracy")
        accuracy.add_argument("--window", type=int, choices=WINDOWS, help="months (default all)")
        accuracy.add_argument("--outcome", choices=(*OUTCOMES, "any"), default="revictimisation")
        accuracy.add_argument("--as-of", type=dt.date.fromisoformat, help="the data's end")
        propose = sub.add_parser("propose")
        propose.add_argument("file", help="the proposed version (YAML, as registry/data/...)")
        propose.add_argument("--window", type=int, choices=WINDOWS, default=12)
        propose.add_argument("--outcome", choices=(*OUTCOMES, "any"), default="revictimisation")
        propose.add_argument("--as-of", type=dt.date.fromisoformat, help="the data's end")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("en"):
            if options["operation"] == "propose":
                self._propose(options)
            else:
                self._accuracy(options)

    def _propose(self, options: dict[str, Any]) -> None:
        try:
            with open(options["file"], encoding="utf-8") as handle:
                proposed = instrument_read(handle.read())
        except (OSError, UnicodeDecodeError, InstrumentError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        report = proposal_compare(
            proposed, months=options["window"], outcome=options["outcome"], as_of=options["as_of"]
        )
        for line in proposal_lines(report):
            self.stdout.write(line)

    def _accuracy(self, options: dict[str, Any]) -> None:
        windows = (options["window"],) if options["window"] else WINDOWS
        try:
            report = risk_accuracy(
                options["outcome"], windows, options["as_of"], progress=self._progress
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in report_lines(report):
            self.stdout.write(line)

    def _progress(self, message: str) -> None:
        self.stderr.write(message)
