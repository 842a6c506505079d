from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand

from qorgau.lib.crypto import generate_field_key


class Command(BaseCommand):
    help = (
        "Print fresh production secrets in .env format: secret key, field encryption key, "
        "pseudonym, audit and disclosure keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"QORGAU_SECRET_KEY={secrets.token_urlsafe(64)}")
        self.stdout.write(f"QORGAU_FIELD_ENCRYPTION_KEYS={generate_field_key()}")
        self.stdout.write(f"QORGAU_PSEUDONYM_KEY={secrets.token_urlsafe(48)}")
        self.stdout.write(f"QORGAU_AUDIT_KEY={secrets.token_urlsafe(48)}")
        self.stdout.write(f"QORGAU_DISCLOSURE_KEY={secrets.token_urlsafe(48)}")
