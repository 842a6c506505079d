from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qorgau.operations.rotation import (
    RotationError,
    keys_rotate_encryption,
    keys_rotate_pseudonyms,
)


class Command(BaseCommand):
    help = (
        "--encryption: re-encrypt every encrypted field under the newest key of "
        "QORGAU_FIELD_ENCRYPTION_KEYS (batched, resumable). --pseudonyms --new-key-file F: chain "
        "a new key over every stored pseudonym, then append it to QORGAU_PSEUDONYM_REKEY_KEYS. "
        "See docs/operations.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--encryption", action="store_true")
        what.add_argument("--pseudonyms", action="store_true")
        parser.add_argument("--new-key-file", type=Path, help="file holding the new pseudonym key")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(line: str) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(line)

        try:
            if options["encryption"]:
                self._encryption(options, progress)
            else:
                self._pseudonyms(options, progress)
        except RotationError as exc:
            raise CommandError(str(exc)) from exc

    def _encryption(self, options: dict[str, Any], progress: Any) -> None:
        report = keys_rotate_encryption(batch_size=options["batch_size"], progress=progress)
        self.stdout.write(
            f"{report.checked} encrypted values checked, {report.rotated} re-encrypted "
            "under the newest key."
        )
        if report.failures:
            raise CommandError(
                f"{len(report.failures)} values open with no configured key, e.g. "
                + "; ".join(report.failures[:5])
            )
        self.stdout.write("Every value is under the newest key: older keys can be dropped.")

    def _pseudonyms(self, options: dict[str, Any], progress: Any) -> None:
        path = options["new_key_file"]
        if path is None:
            raise CommandError("--pseudonyms needs --new-key-file FILE.")
        try:
            key = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CommandError(f"{path} cannot be read: {exc}") from exc
        report = keys_rotate_pseudonyms(
            new_key=key, batch_size=options["batch_size"], progress=progress
        )
        if report.already_applied:
            self.stdout.write(
                f"Key {report.fingerprint} was already applied: nothing to do. Make sure it is "
                "the last entry of QORGAU_PSEUDONYM_REKEY_KEYS."
            )
            return
        rows = ", ".join(f"{name}: {count}" for name, count in report.rows.items())
        self.stdout.write(
            f"Pseudonyms re-keyed with key {report.fingerprint} ({rows}).\n"
            "NOW append the key to QORGAU_PSEUDONYM_REKEY_KEYS (or its _FILE) and restart the "
            "application before it writes again."
        )
