"""``qorgau rating``: run the rating of akimats, compare two runs, or compute any index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from qorgau.rating.compute import IndexResult, compute_index
from qorgau.rating.csv_tables import TableError, number_text, read_indicator_table, write_scores
from qorgau.rating.methods import MethodError, method_parse
from qorgau.rating.models import Level, RatingMethod, RatingRun
from qorgau.rating.services import (
    method_current,
    method_load,
    method_store,
    rating_compare,
    rating_run,
)
from qorgau.rating.uncertainty import UncertaintyResult, monte_carlo
from qorgau.territory.models import Territory

ESTIMATE_HELD_TEXT = _lazy(
    "No linkage run has capture histories for this year, so the hidden-violence estimate was "
    "held fixed: hiding lowered the reporting ratio by the share of victims hidden."
)
EXIT_UNREADABLE = 2  # as `qorgau import`: the input cannot be used; nothing was written


class Command(BaseCommand):
    help = (
        "Rating of akimats. `run --year 2024 --level region|district [--region KATO] "
        "[--method FILE] [--draws N] [--seed N] [--out FILE.csv]` runs a method on the stored "
        "indicator values (a new method file is stored as a new version first); `--out` writes "
        "unit (KATO code), score, rank, rank_low, rank_high and one column per group. "
        "`compare RUN_A RUN_B` prints the rank correlation and the largest movers; `compute "
        "--indicators FILE.csv --method METHOD.yaml --out OUT.csv` computes an index for any "
        "table (column `unit`, then one column per indicator code, optional `<code>_low`/"
        "`<code>_high` for intervals; an empty cell or NA is missing). A cell that is not a "
        "number is an error naming its row and column: exit code 2, nothing written. "
        "`stress --year Y [--level region] [--regions KATO …] [--shares 0.3,0.5,0.7,0.9] "
        "[--modes random,careful] [--draws N] [--seed S] [--version N]` hides that share of "
        "each region's registered incidents in a copy of the inputs and reports each region's "
        "score and rank change (stored and shown on the method page)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        run = sub.add_parser("run")
        run.add_argument("--year", type=int, required=True)
        run.add_argument("--level", choices=["region", "district"], default="region")
        run.add_argument("--region", help="KATO code of the region (district level)")
        run.add_argument("--method", help="a method file (stored as a new version if new)")
        run.add_argument("--draws", type=int)
        run.add_argument("--seed", type=int)
        run.add_argument("--out", help="write the scores to this CSV file")
        compare = sub.add_parser("compare")
        compare.add_argument("run_a", type=int)
        compare.add_argument("run_b", type=int)
        compute = sub.add_parser("compute")
        compute.add_argument("--indicators", required=True)
        compute.add_argument("--method", required=True)
        compute.add_argument("--out", required=True)
        compute.add_argument("--draws", type=int)
        compute.add_argument("--seed", type=int)
        stress = sub.add_parser("stress")
        stress.add_argument("--year", type=int, required=True)
        stress.add_argument("--level", choices=["region"], default="region")
        stress.add_argument("--regions", nargs="+", help="KATO codes (all rated regions if none)")
        stress.add_argument("--shares", default="0.3,0.5,0.7,0.9")
        stress.add_argument("--modes", default="random,careful")
        stress.add_argument("--draws", type=int, default=20)
        stress.add_argument("--seed", type=int, default=20240101)
        stress.add_argument("--version", type=int, help="a stored version of the default method")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            {
                "run": self._run,
                "compare": self._compare,
                "compute": self._compute,
                "stress": self._stress,
            }[options["operation"]](options)
        except MethodError as exc:
            raise CommandError(f"method file, {exc}") from exc

    def _progress(self, done: int, total: int, stage: str) -> None:
        width = 30
        filled = width * done // max(total, 1)
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {stage:<14}", ending=""
        )

    # --- run ---------------------------------------------------------------------------------

    def _run(self, options: dict[str, Any]) -> None:
        region = self._region(options)
        try:
            run = rating_run(
                year=options["year"],
                level=Level(options["level"]),
                region=region,
                method=self._method(options["method"]),
                draws=options["draws"],
                seed=options["seed"],
                progress=self._progress,
            )
        except MethodError:
            raise
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        self._print_run(run)
        if options["out"]:
            self._write_run(run, options["out"])

    def _region(self, options: dict[str, Any]) -> Territory | None:
        if options["level"] != "district":
            return None
        if not options["region"]:
            raise CommandError("--level district needs --region KATO")
        try:
            return Territory.objects.regions().by_code(options["region"])
        except Territory.DoesNotExist as exc:
            raise CommandError(f"no region with KATO code {options['region']}") from exc

    def _method(self, path: str | None) -> RatingMethod:
        """The newest method, or the one in ``path`` (stored as a new version if it is new)."""
        if not path:
            return method_current()
        text = Path(path).read_text(encoding="utf-8")
        parsed = method_parse(text)
        same = RatingMethod.objects.filter(
            name=parsed.method.name, version=parsed.method.version
        ).first()
        if same is not None and same.sha256 == parsed.sha256:
            return same
        method = method_store(text=text)
        self.stderr.write(f"Stored method {method} (new version).")
        return method

    # --- stress ------------------------------------------------------------------------------

    def _stress(self, options: dict[str, Any]) -> None:
        from qorgau.rating.stress_inputs import ESTIMATE_HELD, rating_stress

        stored = method_current()
        if options["version"]:
            stored = RatingMethod.objects.filter(
                name=stored.name, version=options["version"]
            ).first() or self._no_version(options["version"])
        try:
            shares = [float(x) for x in options["shares"].split(",") if x.strip()]
            stress = rating_stress(
                year=options["year"],
                stored=stored,
                level=options["level"],
                units=options["regions"],
                shares=shares,
                modes=[m.strip() for m in options["modes"].split(",") if m.strip()],
                draws=options["draws"],
                seed=options["seed"],
                progress=lambda done, total: self._progress(done, total, "stress"),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        result = stress.results
        self.stdout.write(
            "unit       share mode     score  rank  mean change  max change  >0.5 pt  mean rank"
        )
        for r in result["rows"]:
            self.stdout.write(
                f"{r['unit']:<10} {r['share']:>5.2f} {r['mode']:<8} {r['score']:>6.1f} "
                f"{r['rank']:>5} {r['mean_change']:>12.2f} {r['max_change']:>11.2f} "
                f"{r['rewarded_draws']:>4}/{r['draws']:<3} {r['mean_rank']:>9.1f}"
            )
        if ESTIMATE_HELD in result["notes"]:
            self.stdout.write(str(ESTIMATE_HELD_TEXT))
        verdict = _("hiding did not pay") if stress.passes else _("hiding paid")
        self.stdout.write(
            _(
                "%(method)s: %(verdict)s. Expected score raised in %(raised)d scenarios; "
                "%(share).1f%% of draws gained more than half a point (at most 5%% allowed). "
                "Stored as stress test #%(pk)d."
            )
            % {
                "method": result["method"],
                "verdict": verdict,
                "raised": len(result["raised_expected"]),
                "share": 100 * result["rewarded_share"],
                "pk": stress.pk,
            }
        )

    def _no_version(self, version: int) -> RatingMethod:
        raise CommandError(
            _("No stored version %(version)s of the default method.") % {"version": version}
        )

    def _print_run(self, run: RatingRun) -> None:
        self.stdout.write(
            f"Run #{run.pk}: {run.method_name}-v{run.method_version} on {run.year}, "
            f"{run.results.count()} territories, {run.draws} draws (seed {run.seed}); "
            f"data {run.data_sha256[:12]}."
        )
        for result in run.results.select_related("territory").order_by("rank")[:5]:
            score = "—" if result.score is None else f"{result.score:6.1f}"
            self.stdout.write(
                f"  {result.rank:>3}. {result.territory.name:<30} {score:>6}  "
                f"rank {result.rank_low}–{result.rank_high}"
            )
        self._notes(run.summary.get("constant") or {}, int(run.summary.get("imputed_cells", 0)))

    def _notes(self, constant: dict[str, float], filled: int) -> None:
        """Say what the scores do not show: indicators without weight, values filled in."""
        if constant:
            shown = ", ".join(f"{code} ({value:g})" for code, value in constant.items())
            self.stdout.write(
                _("The same for every unit, so it carries no weight: %(indicators)s.")
                % {"indicators": shown}
            )
        if filled:
            self.stdout.write(
                ngettext(
                    "%(count)s missing value was counted as the worst value observed for its "
                    "indicator (the scorecard says why it was missing).",
                    "%(count)s missing values were counted as the worst value observed for their "
                    "indicator (the scorecards say why they were missing).",
                    filled,
                )
                % {"count": filled}
            )

    def _write_run(self, run: RatingRun, path: str) -> None:
        groups = [g.code for g in method_load(run.method).method.groups]
        rows = [
            [
                result.territory.kato_code,
                number_text(result.score),
                result.rank,
                result.rank_low,
                result.rank_high,
                *[number_text(result.groups.get(g)) for g in groups],
            ]
            for result in run.results.select_related("territory").order_by(
                "rank", "territory__kato_code"
            )
        ]
        write_scores(path, groups, rows)
        self.stderr.write(f"{len(rows)} territories written to {path}")

    # --- compare -----------------------------------------------------------------------------

    def _compare(self, options: dict[str, Any]) -> None:
        try:
            a = RatingRun.objects.get(pk=options["run_a"])
            b = RatingRun.objects.get(pk=options["run_b"])
        except RatingRun.DoesNotExist as exc:
            raise CommandError("no such run") from exc
        comparison = rating_compare(a, b)
        rho = "—" if comparison.spearman is None else f"{comparison.spearman:.3f}"
        tau = "—" if comparison.kendall is None else f"{comparison.kendall:.3f}"
        self.stdout.write(
            f"{comparison.common} territories in both; Spearman {rho}, Kendall {tau}."
        )
        for m in comparison.movers:
            note = "" if not m["overlap"] else " (within the rank intervals)"
            self.stdout.write(
                f"  {m['territory'].name:<30} {m['rank_a']:>3} → {m['rank_b']:>3}{note}"
            )

    # --- compute -----------------------------------------------------------------------------

    def _compute(self, options: dict[str, Any]) -> None:
        """Everything is read and computed before the output file is opened."""
        method = method_parse(Path(options["method"]).read_text(encoding="utf-8")).method
        path = options["indicators"]
        try:
            table = read_indicator_table(path, method)
        except TableError as exc:
            raise CommandError(str(exc), returncode=EXIT_UNREADABLE) from exc
        except (OSError, UnicodeDecodeError) as exc:
            message = _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}
            raise CommandError(message, returncode=EXIT_UNREADABLE) from exc
        try:
            result = compute_index(table.units, table.value, method, unit_groups=table.groups)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=EXIT_UNREADABLE) from exc
        kept = [method.codes.index(c) for c in result.method.codes]
        spread = monte_carlo(
            result,
            table.low[:, kept],
            table.high[:, kept],
            draws=options["draws"],
            seed=options["seed"],
        )
        groups = [g.code for g in method.groups]
        write_scores(options["out"], groups, _score_rows(result, spread, groups))
        self._notes(result.constant, int(result.imputed.sum()))
        self.stderr.write(f"{len(result.units)} units written to {options['out']}")


def _score_rows(
    result: IndexResult, spread: UncertaintyResult, groups: list[str]
) -> list[list[object]]:
    """One row per unit in the input's order; a group left out (no data) is an empty cell."""
    return [
        [
            unit,
            number_text(result.score[i]),
            int(result.rank[i]),
            int(spread.rank_low[i]),
            int(spread.rank_high[i]),
            *[number_text(result.groups[g][i]) if g in result.groups else "" for g in groups],
        ]
        for i, unit in enumerate(result.units)
    ]
