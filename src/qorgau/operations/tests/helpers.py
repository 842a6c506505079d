"""Shared test data: a few rows with every kind of protected value (tokens, pseudonyms)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import connection, transaction

from qorgau.citizens.services import Submitted, report_submit
from qorgau.conftest import SEMEY
from qorgau.registry import services as registry
from qorgau.registry.intake import RegisterRecordDraft, register_records_store
from qorgau.registry.models import Person
from qorgau.territory.models import Territory

IINS = ("900101300007", "850615400006")


def make_people() -> tuple[list[Person], Submitted]:
    semey = Territory.objects.by_code(SEMEY)
    people = [
        registry.person_register(
            iin=iin, surname=f"Фамилия {i}", first_name="Айгүл", phone="+7 700"
        )
        for i, iin in enumerate(IINS)
    ]
    people.append(registry.person_register(surname="Без ИИН", home_district=semey))
    with transaction.atomic():  # a health facility's record of the first person
        register_records_store(
            [
                RegisterRecordDraft(
                    "health",
                    "H-1",
                    semey.pk,
                    dt.date(2024, 3, 1),
                    iin_pseudonym=people[0].iin_pseudonym or "",
                    surname="Фамилия 0",
                    first_name="Айгүл",
                )
            ],
            source="health-semey",
        )
    submitted = report_submit(district=semey, account="Сосед кричит", at_risk="woman", contact="x")
    return people, submitted


def table_checksums() -> dict[str, str]:
    """A digest of every row of every table, in primary-key order."""
    sums: dict[str, str] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1")
            digest = hashlib.sha256()
            for row in cursor.fetchall():
                digest.update(repr(tuple(_plain(v) for v in row)).encode())
            sums[table] = digest.hexdigest()
    return sums


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value
