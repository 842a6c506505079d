"""Start-up refusal of unsafe production configuration.

Run from the end of ``settings.py`` so that every entry point (``qorgau``, gunicorn, a
worker) stops before serving a single request with a missing or development secret.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_LENGTH = 50
MIN_KEY_LENGTH = 32


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """Every reason the given settings are unsafe to run in production, as readable lines."""
    problems: list[str] = []
    secret = config.get("SECRET_KEY", "")
    if not secret or secret == config["DEVELOPMENT_SECRET_KEY"]:
        problems.append("QORGAU_SECRET_KEY is missing or is the development default.")
    elif len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < 5:
        problems.append(
            f"QORGAU_SECRET_KEY must be at least {MIN_SECRET_LENGTH} random characters."
        )
    field_keys = config.get("QORGAU_FIELD_ENCRYPTION_KEYS") or []
    if not field_keys or config["DEVELOPMENT_FIELD_KEY"] in field_keys:
        problems.append("QORGAU_FIELD_ENCRYPTION_KEYS is missing or holds the development key.")
    elif not all(_is_fernet_key(key) for key in field_keys):
        problems.append(
            "QORGAU_FIELD_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes); "
            "make one with `qorgau generate_keys`."
        )
    for name, dev_name in (
        ("QORGAU_PSEUDONYM_KEY", "DEVELOPMENT_PSEUDONYM_KEY"),
        ("QORGAU_AUDIT_KEY", "DEVELOPMENT_AUDIT_KEY"),
        # anyone who knows the key of the public cell-key noise can compute and remove it
        ("QORGAU_DISCLOSURE_KEY", "DEVELOPMENT_DISCLOSURE_KEY"),
    ):
        value = config.get(name, "")
        if not value or value == config[dev_name]:
            problems.append(f"{name} is missing or is the development default.")
        elif len(value) < MIN_KEY_LENGTH:
            problems.append(f"{name} must be at least {MIN_KEY_LENGTH} characters.")
    if config.get("DEBUG"):
        problems.append("QORGAU_DEBUG must be false in production.")
    if not config.get("QORGAU_REQUIRE_2FA"):
        problems.append("QORGAU_REQUIRE_2FA cannot be switched off in production.")
    if config.get("QORGAU_DEMO"):
        problems.append("QORGAU_DEMO cannot be on in production.")
    return problems


def refuse_unsafe_production(config: Mapping[str, Any]) -> None:
    """Stop start-up with every problem at once, so one restart fixes them all.

    Raised while the settings load, before Django (and gettext) is set up: the message is
    English only. ``qorgau.manage.load_settings_or_exit`` prints it without a traceback.
    """
    problems = production_problems(config)
    if problems:
        lines = "\n  - ".join(problems)
        raise ImproperlyConfigured(
            f"Qorgau refuses to start in production (QORGAU_ENV=production):\n  - {lines}\n"
            "Set them in the environment or in the .env file of the project root; "
            "`QORGAU_ENV=development qorgau generate_keys` prints fresh secrets in .env format. "
            "See .env.example and README.md, section Configuration."
        )
