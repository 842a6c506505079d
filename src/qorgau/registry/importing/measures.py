"""Protective orders, special behaviour requirements and offences: measures about an offender.

Each row names the offender (and, for orders and requirements, the protected persons) and may
name the incident it follows by the incident's ``record_id`` from the same source. The legal
rules are those in force on the row's own date (:func:`qorgau.registry.legal.legal_rule`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.registry import choices as c
from qorgau.registry.importing.fields import (
    IinValue,
    parse_codes,
    parse_date,
    parse_int,
    parse_kato,
    parse_record_id,
    parse_text,
)
from qorgau.registry.importing.persons import (
    many_persons,
    one_person,
    person_columns,
    record_column,
    want_persons,
)
from qorgau.registry.importing.refs import (
    KnownIncident,
    KnownPerson,
    PersonBook,
    attnames,
    incidents_stored,
    record_ids_stored,
)
from qorgau.registry.importing.spec import (
    BatchResult,
    Column,
    ImportContext,
    KindSpec,
    Problem,
    Row,
    shown,
)
from qorgau.registry.importing.store import insert_rows
from qorgau.registry.lawcheck import term_breach
from qorgau.registry.legal import LegalRule, NoRuleInForce, legal_rule
from qorgau.registry.models import BehaviourRequirement, ProtectiveOrder
from qorgau.registry.rules import (
    DECISION_BEFORE_INCIDENT,
    NO_RULE_IN_FORCE,
    SERVED_BEFORE_ISSUED,
    STARTS_BEFORE_DECISION,
    TOO_MANY_REPORTS,
    age_on,
    order_dates,
    requirement_end,
)
from qorgau.registry.services import (
    BEFORE_INCIDENT,
    CONDITION_NOT_ALLOWED,
    NO_PROTECTED,
    OFFENDER_PROTECTED,
    OFFENDER_TOO_YOUNG,
    PROHIBITION_NOT_ALLOWED,
)

NEEDS_OFFENDER = _("Give the offender's IIN or person record number.")
UNKNOWN_INCIDENT = _("No incident with this record number from this source has been imported.")
NUMBER_TAKEN = _("An order with this number already exists in this district.")

INCIDENT_COLUMN = Column(
    "incident_record_id",
    parse_record_id,
    format="text",
    example="KUI-2024-000123",
    meaning="`record_id` of the incident in an `incidents` extract of the same source.",
)


def _rule(code: str, day: dt.date, field: str, problems: list[Problem]) -> LegalRule | None:
    try:
        return legal_rule(code, day)
    except NoRuleInForce:
        problems.append(Problem(field, day.isoformat(), NO_RULE_IN_FORCE))
        return None


class MeasureSpec(KindSpec):
    """What orders, requirements and offences share: an offender and an optional incident."""

    has_protected: ClassVar[bool] = True

    def check(self, values: dict[str, Any], ctx: ImportContext) -> list[Problem]:
        if not (values["offender_iin"] or values["offender_person_id"]):
            return [Problem("offender_iin", "", NEEDS_OFFENDER)]
        return []

    def resolve(self, rows: list[Row], ctx: ImportContext, result: BatchResult) -> list[Row]:
        iins: list[IinValue] = []
        record_ids: list[str] = []
        for row in rows:
            want_persons(iins, record_ids, row.values, "offender")
            if self.has_protected:
                want_persons(iins, record_ids, row.values, "protected")
        book = PersonBook(ctx.source, ctx.actor)
        book.load(iins, record_ids)
        incidents = incidents_stored(
            ctx.source, filter(None, (row.values["incident_record_id"] for row in rows))
        )
        resolved = []
        for row in rows:
            problems = self._resolve_row(row, book, incidents)
            if problems:
                result.reject(row, problems)
                continue
            resolved.append(row)
        accepted = self.batch_rules(resolved, result)
        for row in accepted:
            for person in (row.values["_offender"], *row.values.get("_protected", ())):
                book.use(person)
        book.create_new(actor_id=ctx.actor_id)
        return accepted

    def batch_rules(self, rows: list[Row], result: BatchResult) -> list[Row]:
        """Rules over the batch's rows and what is stored (their persons known, not yet
        created): the rows kept; the others are rejected through ``result``."""
        return rows

    def _resolve_row(
        self, row: Row, book: PersonBook, incidents: dict[str, KnownIncident]
    ) -> list[Problem]:
        v = row.values
        offender, problem = one_person(book, v, "offender")
        if problem or offender is None:
            return [problem] if problem else []
        v["_offender"] = offender
        problems: list[Problem] = []
        if self.has_protected:
            protected, problem = many_persons(book, v, "protected")
            if problem:
                return [problem]
            v["_protected"] = protected
            if offender.key in {person.key for person in protected}:
                problems.append(Problem("protected_iins", "", OFFENDER_PROTECTED))
        v["incident_id"] = None
        if v["incident_record_id"]:
            incident = incidents.get(v["incident_record_id"])
            if incident is None:
                return [Problem("incident_record_id", v["incident_record_id"], UNKNOWN_INCIDENT)]
            v["incident_id"] = incident.pk
            problems.extend(self.incident_rules(v, incident))
        problems.extend(self.person_rules(v, offender))
        return problems

    def incident_rules(self, values: dict[str, Any], incident: KnownIncident) -> list[Problem]:
        return []

    def person_rules(self, values: dict[str, Any], offender: KnownPerson) -> list[Problem]:
        return []

    @staticmethod
    def insert_protected(
        through: Any, owner_field: str, pks: dict[str, int], rows: list[Row]
    ) -> None:
        """The protected persons of each new measure (the many-to-many table), in one insert."""
        links = {
            (pks[row.values["record_id"]], person.pk)
            for row in rows
            for person in row.values.get("_protected", ())
        }
        insert_rows(through, [f"{owner_field}_id", "person_id"], sorted(links))


class OrdersSpec(MeasureSpec):
    kind = "orders"
    model = ProtectiveOrder
    related_models = (ProtectiveOrder.protected_persons.through,)
    columns: ClassVar[tuple[Column, ...]] = (
        record_column("protective order"),
        Column(
            "number",
            parse_text(32),
            required=True,
            format="text",
            example="ЗП-1010-2024-00042",
            meaning="Number of the order; unique within its district.",
        ),
        Column(
            "district",
            parse_kato,
            required=True,
            format="KATO code",
            example="101000000",
            meaning="District as it existed on `issued_on`.",
        ),
        Column(
            "issued_on",
            parse_date,
            required=True,
            format="date",
            example="2024-03-06",
            meaning="Issued on.",
        ),
        Column(
            "served_on",
            parse_date,
            format="date",
            example="2024-03-06",
            meaning="Served on the offender; the 30-day term counts from here.",
        ),
        *person_columns("offender", "offender"),
        *person_columns("protected", "protected persons", many=True),
        INCIDENT_COLUMN,
        Column(
            "prohibitions",
            parse_codes(c.OrderProhibition),
            default=(c.OrderProhibition.NO_CONTACT.value,),
            format="codes separated by ;",
            example="no_contact;no_visit",
            meaning="Prohibitions.",
        ),
    )

    def check(self, values: dict[str, Any], ctx: ImportContext) -> list[Problem]:
        problems = super().check(values, ctx)
        issued, served = values["issued_on"], values["served_on"]
        for name in ("issued_on", "served_on"):
            problem = self.not_future(values, name, ctx)
            if problem:
                problems.append(problem)
        if served and served < issued:
            problems.append(Problem("served_on", served.isoformat(), SERVED_BEFORE_ISSUED))
        problem = self.district(values, issued, ctx)
        if problem:
            problems.append(problem)
        if not (values["protected_iins"] or values["protected_person_ids"]):
            problems.append(Problem("protected_iins", "", NO_PROTECTED))
        allowed_rule = _rule("protective_order.prohibitions", issued, "issued_on", problems)
        term = _rule("protective_order.term_days", issued, "issued_on", problems)
        interval = _rule("protective_order.check_interval_days", issued, "issued_on", problems)
        if allowed_rule and term and interval:
            wrong = set(values["prohibitions"]) - set(allowed_rule.value)
            if not values["prohibitions"] or wrong:
                codes = ", ".join(sorted(wrong)) or "—"
                problems.append(
                    Problem(
                        "prohibitions",
                        ";".join(values["prohibitions"]),
                        PROHIBITION_NOT_ALLOWED % {"codes": codes},
                    )
                )
            values["_term"], values["_interval"] = term, interval.value
        return problems

    def incident_rules(self, values: dict[str, Any], incident: KnownIncident) -> list[Problem]:
        if values["issued_on"] < incident.occurred_on:
            return [Problem("issued_on", values["issued_on"].isoformat(), BEFORE_INCIDENT)]
        return []

    def person_rules(self, values: dict[str, Any], offender: KnownPerson) -> list[Problem]:
        issued = values["issued_on"]
        minimum = legal_rule("protective_order.min_offender_age", issued).value
        age = age_on(offender.birth_date, offender.birth_year, issued)
        if age is not None and age < minimum:
            field = "offender_iin" if values["offender_iin"] else "offender_person_id"
            return [Problem(field, "", OFFENDER_TOO_YOUNG % {"age": minimum})]
        return []

    def resolve(self, rows: list[Row], ctx: ImportContext, result: BatchResult) -> list[Row]:
        """Besides persons and incidents: an order number is unique within its district."""
        taken = set(
            ProtectiveOrder.objects.filter(
                number__in={row.values["number"] for row in rows}
            ).values_list("district_id", "number")
        )
        free = []
        for row in rows:
            key = (row.values["district_id"], row.values["number"])
            if key in taken:
                result.reject(row, [Problem("number", shown(row.values["number"]), NUMBER_TAKEN)])
                continue
            taken.add(key)
            free.append(row)
        return super().resolve(free, ctx, result)

    def insert(self, rows: list[Row], ctx: ImportContext) -> int:
        now = timezone.now()
        names = (
            "number",
            "incident",
            "district",
            "offender",
            "issued_on",
            "served_on",
            "term_days",
            "ends_on",
            "check_interval_days",
            "next_check_due",
            "prohibitions",
            "legal_basis",
            "revocation_reason",
            "source",
            "source_record_id",
            "created_at",
            "created_by",
        )
        data = []
        for row in rows:
            v = row.values
            term: LegalRule = v["_term"]
            ends_on, next_check = order_dates(v["served_on"], term.value, v["_interval"])
            data.append(
                (
                    v["number"],
                    v["incident_id"],
                    v["district_id"],
                    v["_offender"].pk,
                    v["issued_on"],
                    v["served_on"],
                    term.value,
                    ends_on,
                    v["_interval"],
                    next_check,
                    sorted(set(v["prohibitions"])),
                    term.basis,
                    "",
                    ctx.source,
                    v["record_id"],
                    now,
                    ctx.actor_id,
                )
            )
        count = insert_rows(ProtectiveOrder, attnames(ProtectiveOrder, names), data)
        pks = record_ids_stored(ProtectiveOrder, ctx.source, (r.values["record_id"] for r in rows))
        self.insert_protected(
            ProtectiveOrder.protected_persons.through, "protectiveorder", pks, rows
        )
        return count


class RequirementsSpec(MeasureSpec):
    kind = "requirements"
    model = BehaviourRequirement
    related_models = (BehaviourRequirement.protected_persons.through,)
    columns: ClassVar[tuple[Column, ...]] = (
        record_column("court decision"),
        Column(
            "number",
            parse_text(40),
            required=True,
            format="text",
            example="2-1234/2024",
            meaning="Case number.",
        ),
        Column(
            "court",
            parse_text(200),
            required=True,
            format="text",
            example="Семейский городской суд",
            meaning="Court.",
        ),
        Column(
            "district",
            parse_kato,
            required=True,
            format="KATO code",
            example="101000000",
            meaning="District as it existed on `decided_on`.",
        ),
        Column(
            "decided_on",
            parse_date,
            required=True,
            format="date",
            example="2024-07-01",
            meaning="Date of the decision.",
        ),
        Column(
            "starts_on",
            parse_date,
            format="date",
            example="2024-07-01",
            meaning="In force from (default: `decided_on`).",
        ),
        Column(
            "term_months",
            parse_int(1, 120),
            required=True,
            format="whole number",
            example="6",
            meaning="Term in months, within the law in force on `decided_on`.",
        ),
        Column(
            "conditions",
            parse_codes(c.RequirementCondition),
            required=True,
            format="codes separated by ;",
            example="no_contact;attend_psychocorrection",
            meaning="Conditions allowed by the law in force on `decided_on`.",
        ),
        Column(
            "police_reports_per_month",
            parse_int(0, 100),
            default=0,
            format="whole number",
            example="2",
            meaning="Reports to the police a month (at most 4).",
        ),
        *person_columns("offender", "offender"),
        *person_columns("protected", "protected persons", many=True),
        INCIDENT_COLUMN,
    )

    def check(self, values: dict[str, Any], ctx: ImportContext) -> list[Problem]:
        problems = super().check(values, ctx)
        decided = values["decided_on"]
        starts = values["starts_on"] = values["starts_on"] or decided
        for name in ("decided_on",):
            problem = self.not_future(values, name, ctx)
            if problem:
                problems.append(problem)
        problem = self.district(values, decided, ctx)
        if problem:
            problems.append(problem)
        if starts < decided:
            problems.append(Problem("starts_on", starts.isoformat(), STARTS_BEFORE_DECISION))
        term = _rule("requirement.term_months", decided, "decided_on", problems)
        allowed = _rule("requirement.conditions", decided, "decided_on", problems)
        reports = _rule("requirement.max_police_reports_per_month", decided, "decided_on", problems)
        if term:
            values["_basis"] = term.basis
            refused = term_breach(term, values["term_months"], decided)
            if refused:
                problems.append(Problem(refused.field, str(values["term_months"]), refused.message))
        if allowed:
            wrong = set(values["conditions"]) - set(allowed.value)
            if not values["conditions"] or wrong:
                problems.append(
                    Problem(
                        "conditions",
                        ";".join(values["conditions"]),
                        CONDITION_NOT_ALLOWED % {"codes": ", ".join(sorted(wrong)) or "—"},
                    )
                )
        if reports and not 0 <= values["police_reports_per_month"] <= reports.value:
            problems.append(
                Problem(
                    "police_reports_per_month",
                    str(values["police_reports_per_month"]),
                    TOO_MANY_REPORTS % {"max": reports.value},
                )
            )
        return problems

    def incident_rules(self, values: dict[str, Any], incident: KnownIncident) -> list[Problem]:
        if values["decided_on"] < incident.occurred_on:
            return [
                Problem("decided_on", values["decided_on"].isoformat(), DECISION_BEFORE_INCIDENT)
            ]
        return []

    def insert(self, rows: list[Row], ctx: ImportContext) -> int:
        now = timezone.now()
        names = (
            "number",
            "incident",
            "district",
            "offender",
            "court",
            "decided_on",
            "starts_on",
            "term_months",
            "ends_on",
            "conditions",
            "police_reports_per_month",
            "legal_basis",
            "source",
            "source_record_id",
            "created_at",
            "created_by",
        )
        data = [
            (
                v["number"],
                v["incident_id"],
                v["district_id"],
                v["_offender"].pk,
                v["court"],
                v["decided_on"],
                v["starts_on"],
                v["term_months"],
                requirement_end(v["starts_on"], v["term_months"]),
                sorted(set(v["conditions"])),
                v["police_reports_per_month"],
                v["_basis"],
                ctx.source,
                v["record_id"],
                now,
                ctx.actor_id,
            )
            for v in (row.values for row in rows)
        ]
        model = BehaviourRequirement
        count = insert_rows(model, attnames(model, names), data)
        pks = record_ids_stored(model, ctx.source, (r.values["record_id"] for r in rows))
        self.insert_protected(model.protected_persons.through, "behaviourrequirement", pks, rows)
        return count
