from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.rating.compute import compute_index, denominate
from qorgau.rating.methods import MethodError, method_parse
from qorgau.rating.models import Level, RatingRun
from qorgau.rating.services import method_current, method_store, rating_compare, rating_run
from qorgau.rating.uncertainty import monte_carlo
from qorgau.territory.models import Territory


class Command(BaseCommand):
    help = (
        "Rating of akimats. `run --year 2024 --level region|district [--region KATO] "
        "[--method FILE] [--draws N] [--seed N]` runs a method on the stored indicator values "
        "(a new method file is stored as a new version first); `compare RUN_A RUN_B` prints the "
        "rank correlation and the largest movers; `compute --indicators FILE.csv --method "
        "METHOD.yaml --out OUT.csv` computes an index for any table (column `unit`, then one "
        "column per indicator code, optional `<code>_low`/`<code>_high` for intervals)."
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
        compare = sub.add_parser("compare")
        compare.add_argument("run_a", type=int)
        compare.add_argument("run_b", type=int)
        compute = sub.add_parser("compute")
        compute.add_argument("--indicators", required=True)
        compute.add_argument("--method", required=True)
        compute.add_argument("--out", required=True)
        compute.add_argument("--draws", type=int)
        compute.add_argument("--seed", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            {"run": self._run, "compare": self._compare, "compute": self._compute}[
                options["operation"]
            ](options)
        except MethodError as exc:
            raise CommandError(f"method file, {exc}") from exc

    def _progress(self, done: int, total: int, stage: str) -> None:
        width = 30
        filled = width * done // max(total, 1)
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {stage:<14}", ending=""
        )

    def _run(self, options: dict[str, Any]) -> None:
        region = None
        if options["level"] == "district":
            if not options["region"]:
                raise CommandError("--level district needs --region KATO")
            try:
                region = Territory.objects.regions().by_code(options["region"])
            except Territory.DoesNotExist as exc:
                raise CommandError(f"no region with KATO code {options['region']}") from exc
        method = method_current()
        if options["method"]:
            text = Path(options["method"]).read_text(encoding="utf-8")
            parsed = method_parse(text)
            from qorgau.rating.models import RatingMethod

            same = RatingMethod.objects.filter(
                name=parsed.method.name, version=parsed.method.version
            ).first()
            if same is not None and same.sha256 == parsed.sha256:
                method = same
            else:
                method = method_store(text=text)
                self.stderr.write(f"Stored method {method} (new version).")
        try:
            run = rating_run(
                year=options["year"],
                level=Level(options["level"]),
                region=region,
                method=method,
                draws=options["draws"],
                seed=options["seed"],
                progress=self._progress,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        top = run.results.select_related("territory").order_by("rank")[:5]
        self.stdout.write(
            f"Run #{run.pk}: {run.method_name}-v{run.method_version} on {run.year}, "
            f"{run.results.count()} territories, {run.draws} draws (seed {run.seed}); "
            f"data {run.data_sha256[:12]}."
        )
        for result in top:
            self.stdout.write(
                f"  {result.rank:>3}. {result.territory.name:<30} {result.score:6.1f}  "
                f"rank {result.rank_low}–{result.rank_high}"
            )

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

    def _compute(self, options: dict[str, Any]) -> None:
        method = method_parse(Path(options["method"]).read_text(encoding="utf-8")).method
        with open(options["indicators"], newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        columns = set(rows[0]) if rows else set()
        if "unit" not in columns:
            raise CommandError("the indicators file needs a column `unit`")
        needed = [*method.codes, *[i.denominator for i in method.indicators if i.denominator]]
        if method.imputation_group:
            needed.append(method.imputation_group)
        missing = [c for c in needed if c not in columns]
        if missing:
            raise CommandError(f"the indicators file lacks columns {missing}")

        def numbers(column: str, fallback: str | None = None) -> np.ndarray[Any, Any]:
            name = column if column in columns else fallback or column
            return np.array([_number(row[name]) for row in rows], dtype=np.float64)

        data = np.column_stack([numbers(c) for c in method.codes])
        for j, indicator in enumerate(method.indicators):
            if indicator.denominator:  # COINr Denominate: e.g. divide by population or GDP
                data[:, j] = denominate(data[:, j], numbers(indicator.denominator))
        groups = [row[method.imputation_group] for row in rows] if method.imputation_group else None
        units = [row["unit"] for row in rows]
        result = compute_index(units, data, method, unit_groups=groups)
        kept = [method.codes.index(c) for c in result.method.codes]
        low = np.column_stack([numbers(f"{c}_low", c) for c in result.method.codes])
        high = np.column_stack([numbers(f"{c}_high", c) for c in result.method.codes])
        for n, j in enumerate(kept):  # intervals are on the indicator's own scale
            indicator = method.indicators[j]
            if indicator.denominator:
                people = numbers(indicator.denominator)
                low[:, n], high[:, n] = (
                    denominate(low[:, n], people),
                    denominate(high[:, n], people),
                )
        spread = monte_carlo(result, low, high, draws=options["draws"], seed=options["seed"])
        with open(options["out"], "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            groups_out = [g.code for g in result.method.groups]
            writer.writerow(["unit", "score", "rank", "rank_low", "rank_high", *groups_out])
            for i, unit in enumerate(result.units):
                writer.writerow(
                    [
                        unit,
                        _fmt(result.score[i]),
                        int(result.rank[i]),
                        int(spread.rank_low[i]),
                        int(spread.rank_high[i]),
                        *[_fmt(result.groups[g][i]) for g in groups_out],
                    ]
                )
        self.stderr.write(f"{len(result.units)} units written to {options['out']}")


def _number(text: str | None) -> float:
    """A cell of the table: empty, NA or not a number is missing (and will be imputed)."""
    try:
        return float(text) if text not in (None, "", "NA") else float("nan")
    except ValueError:
        return float("nan")


def _fmt(value: float) -> str:
    return "" if np.isnan(value) else repr(float(value))
