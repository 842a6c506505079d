"""Shared test fixtures: personas by role, as in DESIGN.md §2.

The territories are loaded by the data migration, so every test database has the real
regions and districts of Kazakhstan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from qorgau.accounts.models import Organisation, OrganisationKind, User
from qorgau.accounts.roles import Role
from qorgau.audit.anchor import anchor_path
from qorgau.territory.models import Territory
from qorgau.tests.browser import browser_page  # noqa: F401  (every app's browser tests)

PASSWORD = "correct-horse-battery-staple"
SEMEY = "101000000"  # Semey city administration, Abai Region
KURCHATOV = "101800000"  # Kurchatov, Abai Region
ABAI = "100000000"
MEDEU = "751710000"  # Medeu district, Almaty city
ALMATY_CITY = "750000000"
COUNTRY = "000000000"

# Hypothesis's default 200 ms deadline per example is a wall-clock assertion: on a busy machine
# (the SQLite and PostgreSQL runs go side by side) it fails tests whose behaviour is right.
# Speed is measured in benchmarks/, never asserted in a test.
hypothesis_settings.register_profile("qorgau", deadline=None)
hypothesis_settings.load_profile("qorgau")


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True, scope="session")
def _audit_anchors_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Audit anchors of committed test data go to a file of the test session, never to the
    development installation's (``var/audit-anchor``), whose chain they would contradict;
    commands the tests start as processes inherit it through the environment."""
    import os

    from django.conf import settings

    path = tmp_path_factory.mktemp("audit-anchor") / "anchors.jsonl"
    settings.QORGAU_AUDIT_ANCHOR_FILE = os.environ["QORGAU_AUDIT_ANCHOR_FILE"] = str(path)


@pytest.fixture(autouse=True)
def _audit_anchors_of_the_test(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test starts with no anchors: test databases are rolled back or flushed, and an
    anchor left by one test would break the chain of the next."""
    path = tmp_path_factory.mktemp("audit-anchor") / "anchors.jsonl"
    settings.QORGAU_AUDIT_ANCHOR_FILE = str(path)


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
    anchors = anchor_path()
    if anchors is not None:  # a deliberately new chain: its anchors start afresh too
        anchors.unlink(missing_ok=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``one_backend`` tests on PostgreSQL: they are minutes of arithmetic (a linear-
    programming attacker, Monte Carlo samplers) over data the database only stores, and the
    SQLite run already does it; the PostgreSQL run is for how the database behaves."""
    from django.conf import settings

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="one_backend: arithmetic already checked on SQLite")
    for item in items:
        if item.get_closest_marker("one_backend"):
            item.add_marker(skip)
