"""The password rules: long but trivially guessable passwords are refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaa", "abababababab", "112211221122", "password1234"]
)
def test_repetitive_or_common_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_varied_password_passes() -> None:
    validate_password("Tulpar-Karaganda-58")
