from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from qorgau.accounts.demo import DEMO_PASSWORD, demo_accounts_create
from qorgau.synth.demo import demo_world_create


class Command(BaseCommand):
    help = (
        "Create or reset one demo account per role (password printed) with demo organisations, "
        "set up through the setup services, and hand them the synthetic country's work of "
        "their region (run after `qorgau synth`). Refused in production."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            self.stderr.write("Demo accounts are never created in production.")
            raise SystemExit(2)
        users = demo_accounts_create()
        world = demo_world_create(users)
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD})\n")
        self.stdout.write(f"  {'user name':<20} {'role':<40} scope")
        for user in users:
            scope = user.organisation or user.territory
            self.stdout.write(f"  {user.username:<20} {user.get_role_display():<40} {scope}")
        handed = ", ".join(f"{name} {count}" for name, count in world.items())
        self.stdout.write(f"\n  Demo organisations set up and given work: {handed}")
        if not settings.QORGAU_REQUIRE_2FA:
            self.stdout.write(
                self.style.WARNING(
                    "\n  !! Two-factor sign-in is SWITCHED OFF (QORGAU_REQUIRE_2FA=false)"
                    " for this demo."
                    "\n  !! Never run like this with real personal data.\n"
                )
            )
