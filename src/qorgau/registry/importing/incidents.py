"""Incidents: one row per incident, with its victim and its offender."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar

from django.utils import timezone

from qorgau.lib.crypto import encrypt_text
from qorgau.registry import choices as c
from qorgau.registry.importing.fields import (
    IinValue,
    parse_bool,
    parse_choice,
    parse_datetime,
    parse_kato,
    parse_text,
)
from qorgau.registry.importing.persons import (
    one_person,
    person_columns,
    record_column,
    want_persons,
)
from qorgau.registry.importing.refs import PersonBook, attnames
from qorgau.registry.importing.spec import (
    BatchResult,
    Column,
    ImportContext,
    KindSpec,
    Problem,
    Row,
    shown,
)
from qorgau.registry.importing.store import insert_returning_pks, insert_rows
from qorgau.registry.models import Incident, IncidentParticipant
from qorgau.registry.rules import SAME_VICTIM_OFFENDER, local_date, local_zone
from qorgau.registry.services import NEEDS_VICTIM, REPORTED_BEFORE_OCCURRED
from qorgau.registry.signals import records_stored

FLAGS = (
    ("physical", "Physical violence."),
    ("psychological", "Psychological violence."),
    ("sexual", "Sexual violence."),
    ("economic", "Economic violence."),
    ("children_present", "Children were present."),
    ("children_harmed", "Children were harmed."),
    ("alcohol", "Offender under alcohol."),
    ("drugs", "Offender under drugs."),
    ("administrative_protocol", "An administrative protocol was drawn up."),
    ("criminal_case", "A criminal case was opened."),
    ("referred", "The victim was referred to services."),
    ("refused", "No action was taken."),
)

_when = parse_datetime(local_zone())


class IncidentsSpec(KindSpec):
    kind = "incidents"
    model = Incident
    related_models = (IncidentParticipant,)
    columns: ClassVar[tuple[Column, ...]] = (
        record_column("incident (e.g. KUI number)"),
        Column(
            "occurred_at",
            _when,
            required=True,
            format="datetime",
            example="2024-03-05 21:40",
            meaning="When it happened (Almaty time unless an offset is given).",
        ),
        Column(
            "reported_at",
            _when,
            required=True,
            format="datetime",
            example="2024-03-05 22:05",
            meaning="When it reached the police; not before `occurred_at`.",
        ),
        Column(
            "district",
            parse_kato,
            required=True,
            format="KATO code (9 digits)",
            example="101000000",
            meaning="District (or city administration) as it existed on the day of the incident.",
        ),
        Column(
            "settlement_type",
            parse_choice(c.SettlementType),
            required=True,
            format="urban, rural",
            example="urban",
            meaning="Settlement type.",
        ),
        Column(
            "source_channel",
            parse_choice(c.SourceChannel),
            required=True,
            format="code",
            example="call_102",
            meaning="How it reached the police.",
        ),
        *(
            Column(name, parse_bool, default=False, format="boolean", example="1", meaning=meaning)
            for name, meaning in FLAGS
        ),
        Column(
            "injury",
            parse_choice(c.InjurySeverity),
            default=c.InjurySeverity.NONE,
            format="code",
            example="light",
            meaning="Injury.",
        ),
        Column(
            "weapon",
            parse_choice(c.Weapon),
            default=c.Weapon.NONE,
            format="code",
            example="none",
            meaning="Weapon.",
        ),
        Column(
            "refusal_reason",
            parse_text(300),
            default="",
            format="text",
            example="",
            meaning="Reason for no action.",
        ),
        Column(
            "erdr_number",
            parse_text(32),
            default="",
            format="text",
            example="",
            meaning="ERDR number.",
        ),
        Column(
            "erap_number",
            parse_text(32),
            default="",
            format="text",
            example="",
            meaning="ERAP number.",
        ),
        Column(
            "description",
            parse_text(4000),
            default="",
            format="text",
            example="",
            meaning="Free text; encrypted.",
        ),
        *person_columns("victim", "victim"),
        *person_columns("offender", "offender"),
        Column(
            "relationship",
            parse_choice(c.Relationship),
            default="",
            format="code",
            example="spouse",
            meaning="Who the offender is to the victim.",
        ),
    )

    def check(self, values: dict[str, Any], ctx: ImportContext) -> list[Problem]:
        problems = [
            problem
            for problem in (
                self.not_future(values, "occurred_at", ctx),
                self.not_future(values, "reported_at", ctx),
            )
            if problem
        ]
        occurred, reported = values["occurred_at"], values["reported_at"]
        if reported < occurred:
            problems.append(Problem("reported_at", shown(reported), REPORTED_BEFORE_OCCURRED))
        district = self.district(values, local_date(occurred, ctx.zone), ctx)
        if district:
            problems.append(district)
        for role in ("victim", "offender"):
            if not (values[f"{role}_iin"] or values[f"{role}_person_id"]):
                problems.append(Problem(f"{role}_iin", "", NEEDS_VICTIM))
        victim_iin: IinValue | None = values["victim_iin"]
        offender_iin: IinValue | None = values["offender_iin"]
        if victim_iin and offender_iin and victim_iin.pseudonym == offender_iin.pseudonym:
            problems.append(Problem("offender_iin", "", SAME_VICTIM_OFFENDER))
        return problems

    def resolve(self, rows: list[Row], ctx: ImportContext, result: BatchResult) -> list[Row]:
        iins: list[IinValue] = []
        record_ids: list[str] = []
        for row in rows:
            want_persons(iins, record_ids, row.values, "victim")
            want_persons(iins, record_ids, row.values, "offender")
        book = PersonBook(ctx.source, ctx.actor)
        book.load(iins, record_ids)
        accepted = []
        for row in rows:
            victim, problem_v = one_person(book, row.values, "victim")
            offender, problem_o = one_person(book, row.values, "offender")
            problems = [p for p in (problem_v, problem_o) if p]
            if victim and offender and victim.key == offender.key:
                problems.append(Problem("offender_person_id", "", SAME_VICTIM_OFFENDER))
            if problems or victim is None or offender is None:
                result.reject(row, problems)
                continue
            book.use(victim)
            book.use(offender)
            row.values["_victim"], row.values["_offender"] = victim, offender
            accepted.append(row)
        book.create_new(actor_id=ctx.actor_id)
        return accepted

    def insert(self, rows: list[Row], ctx: ImportContext) -> int:
        now = timezone.now()
        flags = [name for name, _meaning in FLAGS]
        names = (
            "occurred_at",
            "reported_at",
            "district",
            "settlement_type",
            "source_channel",
            *flags,
            "injury",
            "weapon",
            "refusal_reason",
            "erdr_number",
            "erap_number",
            "description_token",
            "source",
            "source_record_id",
            "created_at",
            "created_by",
        )
        data = []
        for row in rows:
            v = row.values
            data.append(
                (
                    v["occurred_at"],
                    v["reported_at"],
                    v["district_id"],
                    v["settlement_type"],
                    v["source_channel"],
                    *(v[name] for name in flags),
                    v["injury"],
                    v["weapon"],
                    v["refusal_reason"],
                    v["erdr_number"],
                    v["erap_number"],
                    encrypt_text(v["description"]) if v["description"] else "",
                    ctx.source,
                    v["record_id"],
                    now,
                    ctx.actor_id,
                )
            )
        record_ids = [row.values["record_id"] for row in rows]
        columns = attnames(Incident, names)
        pks = insert_returning_pks(
            Incident,
            columns,
            data,
            record_ids,
            {"source": ctx.source},
            "source_record_id",
        )
        participants = []
        victim, offender = c.ParticipantRole.VICTIM.value, c.ParticipantRole.OFFENDER.value
        for pk, row in zip(pks, rows, strict=True):
            values = row.values
            participants.append((pk, values["_victim"].pk, victim, ""))
            participants.append((pk, values["_offender"].pk, offender, values["relationship"]))
        insert_rows(
            IncidentParticipant,
            attnames(IncidentParticipant, ("incident", "person", "role", "relationship")),
            participants,
        )
        records = [
            SimpleNamespace(pk=pk, **dict(zip(columns, written, strict=True)))
            for pk, written in zip(pks, data, strict=True)
        ]
        records_stored.send(Incident, pks=pks, records=records)
        return len(pks)
