"""Move the API tokens of ``rest_framework.authtoken`` (keys in plain) to hashed ``ApiToken``s.

Each existing key is kept as its SHA-256 digest only, then the plain row is deleted, so no
key is left in the database (backups taken before this migration still hold them: rotate
or destroy those). Existing tokens are marked as issued *without* the second factor: nobody
can tell whether they were, so each works on only for accounts that owe no second factor
(national analysts, finance officers without an authenticator); everyone else issues a new
token with a one-time code (profile page, or ``POST /api/v1/auth/token/``). Every migrated
token expires ``QORGAU_API_TOKEN_DAYS`` from the migration, like a new one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def hash_tokens(apps: Any, schema_editor: Any) -> None:
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    expires = now + dt.timedelta(days=settings.QORGAU_API_TOKEN_DAYS)
    for token in Token.objects.all():
        ApiToken.objects.update_or_create(
            user_id=token.user_id,
            defaults={
                "digest": hashlib.sha256(token.key.encode()).hexdigest(),
                "created_at": token.created,
                "expires_at": expires,
                "last_used_at": now,
                "second_factor": False,
            },
        )
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_api_token"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    # Irreversible on purpose: the plain keys are gone.
    operations = [migrations.RunPython(hash_tokens, migrations.RunPython.noop)]
