"""Shared test fixtures: personas by role, as in DESIGN.md §2.

The territories are loaded by the data migration, so every test database has the real
regions and districts of Kazakhstan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from qorgau.accounts.models import Organisation, OrganisationKind, User
from qorgau.accounts.roles import Role
from qorgau.territory.models import Territory

PASSWORD = "correct-horse-battery-staple"
SEMEY = "101000000"  # Semey city administration, Abai Region
KURCHATOV = "101800000"  # Kurchatov, Abai Region
ABAI = "100000000"
MEDEU = "751710000"  # Medeu district, Almaty city
ALMATY_CITY = "750000000"
COUNTRY = "000000000"


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    """Create a user of ``role`` scoped to a KATO code or an organisation."""

    counter = iter(range(1, 10_000))

    def make(
        role: str,
        code: str | None = None,
        *,
        organisation: Organisation | None = None,
        username: str | None = None,
        **fields: Any,
    ) -> User:
        user = User(
            username=username or f"{role}-{next(counter)}",
            role=role,
            territory=Territory.objects.by_code(code) if code else None,
            organisation=organisation,
            **fields,
        )
        user.full_clean(exclude=["password"])
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


@pytest.fixture
def make_organisation(db: Any) -> Callable[..., Organisation]:
    def make(name: str, code: str, kind: str = OrganisationKind.CRISIS_CENTRE) -> Organisation:
        return Organisation.objects.create(
            name=name, kind=kind, territory=Territory.objects.by_code(code)
        )

    return make


@pytest.fixture
def signed_in(settings: Any) -> Callable[[User], Client]:
    """A browser session for ``user`` that has passed every sign-in gate."""

    def sign_in(user: User) -> Client:
        settings.QORGAU_REQUIRE_2FA = False
        client = Client()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def roles() -> list[str]:
    return list(Role)


def audit_trail_clear() -> None:
    """Empty the audit trail (tests only): for module-wide fixtures that commit their data.

    The trail refuses deletes through the ORM; a fixture that committed entries outside the
    tests' transactions removes them at its end, so later tests start from an empty chain.
    """
    from django.db import connection

    from qorgau.audit.models import AuditChainHead, AuditEntry

    with connection.cursor() as cursor:
        for model in (AuditEntry, AuditChainHead):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
