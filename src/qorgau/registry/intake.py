"""Storing records of the registers outside the police: the one write path for them.

The import of ``register-records`` extracts and the synthetic generator both end here, so
that whatever the demo links and estimates went through the same encryption, pseudonyms and
keys as a health department's file would. Callers have validated the values (districts on the
day, dates, IINs); this module turns names into tokens and writes the rows in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from qorgau.lib.crypto import encrypt_text
from qorgau.registry import choices as c
from qorgau.registry.importing.refs import attnames
from qorgau.registry.importing.store import insert_returning_pks
from qorgau.registry.models import RegisterRecord

Encrypt = Callable[[str], str]

_COLUMNS = (
    "register",
    "source",
    "source_record_id",
    "organisation",
    "district",
    "seen_on",
    "iin_pseudonym",
    "surname_token",
    "first_name_token",
    "patronymic_token",
    "sex",
    "birth_date",
    "birth_year",
    "injury",
    "created_at",
    "created_by",
)


@dataclass(frozen=True)
class RegisterRecordDraft:
    """One validated record, names in clear (they are encrypted on the way in)."""

    register: str
    record_id: str
    district_id: int
    seen_on: dt.date
    iin_pseudonym: str = ""
    surname: str = ""
    first_name: str = ""
    patronymic: str = ""
    sex: str = c.Sex.UNKNOWN
    birth_date: dt.date | None = None
    birth_year: int | None = None
    injury: str = ""
    organisation_id: int | None = None


def register_records_store(
    drafts: Sequence[RegisterRecordDraft],
    *,
    source: str,
    actor_id: int | None = None,
    encrypt: Encrypt = encrypt_text,
) -> list[int]:
    """Insert ``drafts`` (inside the caller's transaction); their primary keys, in order.

    ``encrypt`` may be a caching encryptor when many records share a spelling (the synthetic
    generator's); a real import encrypts every name afresh.
    """
    now = timezone.now()

    def token(text: str) -> str:
        return encrypt(text) if text else ""

    rows = [
        (
            draft.register,
            source,
            draft.record_id,
            draft.organisation_id,
            draft.district_id,
            draft.seen_on,
            draft.iin_pseudonym,
            token(draft.surname),
            token(draft.first_name),
            token(draft.patronymic),
            draft.sex,
            draft.birth_date,
            draft.birth_year or (draft.birth_date.year if draft.birth_date else None),
            draft.injury,
            now,
            actor_id,
        )
        for draft in drafts
    ]
    return insert_returning_pks(
        RegisterRecord,
        attnames(RegisterRecord, _COLUMNS),
        rows,
        [draft.record_id for draft in drafts],
        {"source": source},
        "source_record_id",
    )
