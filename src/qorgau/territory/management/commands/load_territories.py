from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qorgau.territory.services import territories_load


class Command(BaseCommand):
    help = (
        "Create or update the regions and districts of Kazakhstan, their population and the "
        "2022 reform successions from the project's data files. Safe to re-run."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = territories_load()
        self.stdout.write(
            f"{summary.territories} territories, {summary.population_rows} population figures, "
            f"{summary.successions} successions loaded."
        )
