"""Encryption of personal data at rest and keyed pseudonyms.

Personal fields are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). The keys come from
``QORGAU_FIELD_ENCRYPTION_KEYS``, newest first: new values are written with the first key,
and any listed key still decrypts, so keys are rotated by prepending a new key, running
``rotate`` over the stored values, then dropping the old key.

Pseudonyms are HMAC-SHA256 of a normalised identifier under ``QORGAU_PSEUDONYM_KEY``: the same
IIN always gives the same pseudonym, and without the key a pseudonym cannot be reversed by
enumerating the (small) space of valid IINs. The pseudonym key is rotated by *re-keying*:
each key of ``QORGAU_PSEUDONYM_REKEY_KEYS`` (oldest first) is applied as ``HMAC(key,
previous pseudonym)`` over the base pseudonym, and ``qorgau rotate_keys --pseudonyms`` applies a
new key to the stored pseudonyms (see docs/operations.md).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import BinaryIO

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise DecryptionError(
            "No field encryption key is configured (QORGAU_FIELD_ENCRYPTION_KEYS)."
        )
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def field_cipher() -> MultiFernet:
    return _cipher(tuple(settings.QORGAU_FIELD_ENCRYPTION_KEYS))


def encrypt_text(plaintext: str) -> str:
    return field_cipher().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return field_cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise DecryptionError(
            "The value was encrypted with a key that is no longer configured."
        ) from exc


def rotate_token(token: str) -> str:
    """Re-encrypt a stored value under the newest key (idempotent)."""
    try:
        return field_cipher().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError(
            "The value was encrypted with a key that is no longer configured."
        ) from exc


SEALED_CHUNK_BYTES = 1024 * 1024


def seal_chunks(chunks: Iterable[bytes], out: BinaryIO) -> None:
    """Write ``chunks`` encrypted under the field keys, one Fernet token a line.

    Files at rest (uploads, rejects) are sealed chunk by chunk so that a 200 MB upload never
    sits in memory whole; a token line is self-contained and authenticated.
    """
    cipher = field_cipher()
    for chunk in chunks:
        if chunk:
            out.write(cipher.encrypt(chunk) + b"\n")


def unseal_chunks(handle: BinaryIO) -> Iterator[bytes]:
    """The plaintext chunks of a file written by :func:`seal_chunks`."""
    cipher = field_cipher()
    for line in handle:
        token = line.strip()
        if not token:
            continue
        try:
            yield cipher.decrypt(token)
        except InvalidToken as exc:
            raise DecryptionError(
                "The file was encrypted with a key that is no longer configured."
            ) from exc


def pseudonym(identifier: str, *, purpose: str = "person") -> str:
    """A stable keyed pseudonym of ``identifier``; ``purpose`` separates unrelated namespaces."""
    key = settings.QORGAU_PSEUDONYM_KEY.encode("utf-8")
    message = f"{purpose}:{identifier.strip()}".encode()
    return pseudonym_rekey(hmac.new(key, message, hashlib.sha256).hexdigest())


def pseudonym_rekey(digest: str, keys: tuple[str, ...] | list[str] | None = None) -> str:
    """Apply the re-keying chain (default: ``QORGAU_PSEUDONYM_REKEY_KEYS``) to a base pseudonym."""
    chain = settings.QORGAU_PSEUDONYM_REKEY_KEYS if keys is None else keys
    for key in chain:
        digest = hmac.new(key.encode("utf-8"), digest.encode("ascii"), hashlib.sha256).hexdigest()
    return digest


def generate_field_key() -> str:
    return Fernet.generate_key().decode("ascii")
