from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from qorgau.accounts.demo import DEMO_PASSWORD, demo_accounts_create


class Command(BaseCommand):
    help = (
        "Create or reset one demo account per role (password printed) with demo organisations. "
        "Refused in production."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            self.stderr.write("Demo accounts are never created in production.")
            raise SystemExit(2)
        users = demo_accounts_create()
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD})\n")
        self.stdout.write(f"  {'user name':<20} {'role':<40} scope")
        for user in users:
            scope = user.organisation or user.territory
            self.stdout.write(f"  {user.username:<20} {user.get_role_display():<40} {scope}")
        if not settings.QORGAU_REQUIRE_2FA:
            self.stdout.write(
                self.style.WARNING(
                    "\n  !! Two-factor sign-in is SWITCHED OFF (QORGAU_REQUIRE_2FA=false)"
                    " for this demo."
                    "\n  !! Never run like this with real personal data.\n"
                )
            )
