from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.lib.crypto import (
    DecryptionError,
    decrypt_text,
    encrypt_text,
    generate_field_key,
    pseudonym,
    rotate_token,
)


@given(st.text())
def test_any_text_survives_encryption(text):
    token = encrypt_text(text)
    assert text == decrypt_text(token)
    assert len(text) < 6 or text not in token


def test_keys_rotate_without_losing_data(settings):
    old, new = generate_field_key(), generate_field_key()
    settings.QORGAU_FIELD_ENCRYPTION_KEYS = [old]
    token = encrypt_text("Айгүл Сейітова")
    settings.QORGAU_FIELD_ENCRYPTION_KEYS = [new, old]
    assert decrypt_text(token) == "Айгүл Сейітова"
    rotated = rotate_token(token)
    settings.QORGAU_FIELD_ENCRYPTION_KEYS = [new]
    assert decrypt_text(rotated) == "Айгүл Сейітова"
    with pytest.raises(DecryptionError):
        decrypt_text(token)


def test_pseudonyms_are_stable_keyed_and_separated_by_purpose(settings):
    first = pseudonym("900101300007")
    assert first == pseudonym(" 900101300007 ") and len(first) == 64
    assert first != pseudonym("900101300007", purpose="household")
    settings.QORGAU_PSEUDONYM_KEY = "another-key-another-key-another-key"
    assert first != pseudonym("900101300007")
