"""Schemathesis against the OpenAPI schema: no operation answers with a server error.

The schema is read from ``/api/v1/schema/`` through Django's WSGI application, in process, and
every operation is called with a handful of generated requests (valid and invalid) under API
tokens of three roles taking turns: a national analyst (country-wide reader), a district
police inspector (case work, personal data) and a data clerk (imports). Any 5xx fails the
test with the request that caused it. Bounded (``MAX_EXAMPLES`` per operation, no shrinking)
to stay near a minute; it runs in CI with the rest of the suite.

Work that a request would start in a background thread (imports, linkage, estimation,
reports) is not started: the fuzz checks how requests are answered, and a thread outliving its
test would write into the next one's database.
"""

from __future__ import annotations

import itertools
import types
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings

from qorgau.accounts.roles import Role
from qorgau.accounts.tokens import token_issue
from qorgau.conftest import ABAI, COUNTRY, SEMEY
from qorgau.wsgi import application

MAX_EXAMPLES = 3

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)

ROLES = ((Role.NATIONAL_ANALYST, COUNTRY), (Role.POLICE_INSPECTOR, SEMEY), (Role.DATA_CLERK, ABAI))
BACKGROUND = (
    "qorgau.registry.importing.jobs",
    "qorgau.linkage.services",
    "qorgau.latency.services",
    "qorgau.reports.services",
)


class _NotStarted:
    """Stands in for ``threading.Thread``: constructed, never run."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def start(self) -> None:
        pass


@pytest.fixture
def tokens(make_user: Any, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Any]:
    settings.QORGAU_REQUIRE_2FA = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed
    for module in BACKGROUND:
        monkeypatch.setattr(f"{module}.threading", types.SimpleNamespace(Thread=_NotStarted))
    keys = [token_issue(make_user(role, code), second_factor=True)[0] for role, code in ROLES]
    # As Django's test client does: a request must not close the test's connection (on
    # PostgreSQL, the one holding the test's transaction).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield itertools.cycle(keys)
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_with_a_server_error(case: Any, tokens: Any) -> None:
    response = case.call(headers={"Authorization": f"Token {next(tokens)}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}\n"
        f"{case.as_curl_command()}\n{response.text[:1500]}"
    )
