"""Fixtures of the budget tests: finance officers and an XLSX builder."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, COUNTRY


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Argon2 is the point in production and only a cost here (users are made per test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _inline_upload_jobs(settings: Any, tmp_path: Path) -> None:
    """Upload jobs run inline when the transaction commits (the thread is exercised apart),
    and store their files under a temporary VAR_DIR."""
    settings.QORGAU_IMPORTS_IN_BACKGROUND = False
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def national_finance(make_user: Any) -> Any:
    return make_user(Role.FINANCE_OFFICER, COUNTRY)


@pytest.fixture
def abai_finance(make_user: Any) -> Any:
    return make_user(Role.FINANCE_OFFICER, ABAI)


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    first = True
    for title, rows in sheets.items():
        sheet = book.active if first else book.create_sheet(title)
        assert sheet is not None
        sheet.title = title
        first = False
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def xlsx() -> Callable[[dict[str, list[list[Any]]]], bytes]:
    return workbook
