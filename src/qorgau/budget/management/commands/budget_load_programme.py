"""Load (or update) the budget programme structure from data/programme.yaml."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qorgau.budget.programme import programme_load


class Command(BaseCommand):
    help = (
        "Create or update the budget programme and its sub-programmes (with their budget "
        "classification codes) from src/qorgau/budget/data/programme.yaml, matched by code. "
        "Sub-programmes no longer in the file are made inactive, never deleted."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = programme_load()
        self.stdout.write(f"{count} programme rows loaded.")
