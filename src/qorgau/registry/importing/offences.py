"""Offences (ERDR and ERAP entries) and their outcomes, checked against the law of their dates.

The article, the outcome and a reconciliation go through :mod:`qorgau.registry.lawcheck`, the
same checks the service (and so the page and the API) applies: an article is one of the table's
articles for the kind on the day it was committed; a second reconciliation is refused against
the offender's stored reconciliations and the earlier rows of the same batch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.utils import timezone

from qorgau.registry import choices as c
from qorgau.registry.importing.fields import parse_choice, parse_date, parse_kato, parse_text
from qorgau.registry.importing.measures import INCIDENT_COLUMN, MeasureSpec
from qorgau.registry.importing.persons import person_columns, record_column
from qorgau.registry.importing.refs import attnames
from qorgau.registry.importing.spec import BatchResult, Column, ImportContext, Problem, Row
from qorgau.registry.importing.store import insert_rows
from qorgau.registry.lawcheck import offence_breaches, reconciliation_breach
from qorgau.registry.models import Offence
from qorgau.registry.rules import DECISION_BEFORE_OFFENCE
from qorgau.registry.services import reconciliations_by_offender


def _decision_day(row: Row) -> dt.date:
    day: dt.date = row.values["decided_on"] or row.values["committed_on"]
    return day


class OffencesSpec(MeasureSpec):
    kind = "offences"
    model = Offence
    has_protected = False
    columns: ClassVar[tuple[Column, ...]] = (
        record_column("offence (ERDR or ERAP entry)"),
        Column(
            "kind",
            parse_choice(c.OffenceKind),
            required=True,
            format="administrative, criminal",
            example="administrative",
            meaning="Kind of offence.",
        ),
        Column(
            "article",
            parse_text(20),
            required=True,
            format="text",
            example="73",
            meaning="Article of the CoAO or Criminal Code.",
        ),
        Column(
            "committed_on",
            parse_date,
            required=True,
            format="date",
            example="2024-03-05",
            meaning="Committed on.",
        ),
        Column(
            "decided_on",
            parse_date,
            format="date",
            example="2024-04-10",
            meaning="Decided on; not before `committed_on`.",
        ),
        Column(
            "outcome",
            parse_choice(c.OffenceOutcome),
            default=c.OffenceOutcome.PENDING,
            format="code",
            example="fine",
            meaning="Outcome (default `pending`).",
        ),
        Column(
            "register_number",
            parse_text(32),
            default="",
            format="text",
            example="",
            meaning="ERDR or ERAP number.",
        ),
        Column(
            "district",
            parse_kato,
            required=True,
            format="KATO code",
            example="101000000",
            meaning="District as it existed on `committed_on`.",
        ),
        *person_columns("offender", "offender"),
        INCIDENT_COLUMN,
    )

    def check(self, values: dict[str, Any], ctx: ImportContext) -> list[Problem]:
        problems = super().check(values, ctx)
        for name in ("committed_on", "decided_on"):
            problem = self.not_future(values, name, ctx)
            if problem:
                problems.append(problem)
        committed, decided = values["committed_on"], values["decided_on"]
        if decided and decided < committed:
            problems.append(Problem("decided_on", decided.isoformat(), DECISION_BEFORE_OFFENCE))
        problem = self.district(values, committed, ctx)
        if problem:
            problems.append(problem)
        for breach in offence_breaches(
            kind=values["kind"],
            article=values["article"],
            committed_on=committed,
            decided_on=decided,
            outcome=values["outcome"],
        ):
            problems.append(Problem(breach.field, str(values[breach.field]), breach.message))
        return problems

    def batch_rules(self, rows: list[Row], result: BatchResult) -> list[Row]:
        """A reconciliation the law forbids: the offender's stored reconciliations and those of
        the rows before it in the batch (by decision day) count."""
        stored = reconciliations_by_offender(
            row.values["_offender"].pk for row in rows if row.values["_offender"].pk is not None
        )
        reconciled: dict[tuple[str, object], list[dt.date]] = {}
        accepted = []
        for row in sorted(rows, key=_decision_day):
            v = row.values
            key = v["_offender"].key
            if key not in reconciled:
                reconciled[key] = list(stored.get(v["_offender"].pk, []))
            breach = reconciliation_breach(
                kind=v["kind"], outcome=v["outcome"], decided_on=_decision_day(row),
                earlier=reconciled[key],
            )  # fmt: skip
            if breach:
                result.reject(row, [Problem(breach.field, v["outcome"], breach.message)])
                continue
            if v["outcome"] == c.OffenceOutcome.RECONCILIATION:
                reconciled[key].append(_decision_day(row))
            accepted.append(row)
        return sorted(accepted, key=lambda row: row.number)

    def insert(self, rows: list[Row], ctx: ImportContext) -> int:
        now = timezone.now()
        names = (
            "incident",
            "district",
            "offender",
            "kind",
            "article",
            "committed_on",
            "decided_on",
            "outcome",
            "register_number",
            "source",
            "source_record_id",
            "created_at",
            "created_by",
        )
        data = [
            (
                v["incident_id"],
                v["district_id"],
                v["_offender"].pk,
                v["kind"],
                v["article"],
                v["committed_on"],
                v["decided_on"],
                v["outcome"],
                v["register_number"],
                ctx.source,
                v["record_id"],
                now,
                ctx.actor_id,
            )
            for v in (row.values for row in rows)
        ]
        return insert_rows(Offence, attnames(Offence, names), data)
