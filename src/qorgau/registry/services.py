"""Workflows of the case registry. Every rule of the registry is enforced here, not in views:
pages, the API and the importer all call these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import audit_refused, can_place_in_scope, refusals_audited, restrict
from qorgau.accounts.roles import (
    ASSESS_RISK,
    MANAGE_ORDERS,
    MANAGE_REQUIREMENTS,
    RECORD_OFFENCES,
    REGISTER_INCIDENT,
)
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.crypto import encrypt_text, pseudonym
from qorgau.registry import choices as c
from qorgau.registry.identities import IIN_NOT_USABLE as IIN_NOT_USABLE
from qorgau.registry.identities import IinOutsideScope as IinOutsideScope
from qorgau.registry.identities import iin_refusals_audited as iin_refusals_audited
from qorgau.registry.identities import person_matched_by_iin
from qorgau.registry.iin import iin_parse
from qorgau.registry.legal import legal_rule
from qorgau.registry.models import (
    BehaviourRequirement,
    Incident,
    IncidentParticipant,
    Offence,
    OrderCheckIn,
    OrderExtension,
    OrderStatus,
    OrderViolation,
    Person,
    ProtectiveOrder,
    RequirementExtension,
    RequirementViolation,
    RiskAssessment,
)
from qorgau.registry.names import IDENTITY_FIELDS as IDENTITY_FIELDS
from qorgau.registry.names import Identity as Identity
from qorgau.registry.names import name_indexes
from qorgau.registry.names import person_identities as person_identities
from qorgau.registry.risk import instrument_load, max_level, reassess_by, risk_score
from qorgau.registry.signals import records_stored
from qorgau.registry.timeline import TimelineEvent as TimelineEvent
from qorgau.registry.timeline import household_of as household_of
from qorgau.registry.timeline import household_timeline as household_timeline
from qorgau.territory.models import Level, Territory

IN_FUTURE = _("This date is in the future.")
OUTSIDE_SCOPE = _("This district is outside your territory.")
NOT_A_DISTRICT = _("Choose a district (or city administration) that existed on that date.")
BEFORE_INCIDENT = _("An order cannot start before its incident.")
OFFENDER_PROTECTED = _("The offender cannot be one of the persons the measure protects.")
NO_PROTECTED = _("Name at least one protected person.")
TERM_OUT_OF_RANGE = _(
    "The term must be between %(min)s and %(max)s months under the law in force on that date."
)
CONDITION_NOT_ALLOWED = _(
    "This condition is not allowed by the law in force on that date: %(codes)s."
)
PROHIBITION_NOT_ALLOWED = _("This prohibition is not in the law's list: %(codes)s.")
OFFENDER_TOO_YOUNG = _("A protective order is issued only to a person aged %(age)s or more.")
NEEDS_VICTIM = _("An incident needs at least one victim and one offender.")
REPORTED_BEFORE_OCCURRED = _("An incident cannot be reported before it happened.")
ORDER_NOT_IN_FORCE = _("The order is not in force on that date.")
LOWER_LEVEL = _("A professional may raise the computed level, never lower it.")
RAISE_NEEDS_REASON = _("Give the reason for raising the level.")


_IN_FORCE_STATES = (OrderStatus.ACTIVE, OrderStatus.EXTENDED, OrderStatus.VIOLATED)


def _require(actor: Any, *permissions: str) -> None:
    """The actor must hold at least one of ``permissions``."""
    if not any(actor.has_perm(permission) for permission in permissions):
        raise PermissionDenied(_("Your role may not do this."))


def _today() -> dt.date:
    return timezone.localdate()


def _not_future(day: dt.date | dt.datetime, field: str) -> None:
    value = day.date() if isinstance(day, dt.datetime) else day
    if isinstance(day, dt.datetime) and timezone.is_aware(day):
        value = timezone.localtime(day).date()
    if value > _today():
        raise ValidationError({field: IN_FUTURE})


def _district_for(actor: Any, district: Territory, on: dt.date) -> None:
    if district.level != Level.DISTRICT or not district.exists_on(on):
        raise ValidationError({"district": NOT_A_DISTRICT})
    if not can_place_in_scope(actor, district.pk, None):
        raise PermissionDenied(OUTSIDE_SCOPE)


# --- Persons ---------------------------------------------------------------------------------

PERSON_OUTSIDE_SCOPE = _("One of the persons is recorded outside your territory.")
INCIDENT_OUTSIDE_SCOPE = _("The incident is outside your territory.")


def _persons_usable(actor: Any, persons: Iterable[Person]) -> None:
    """Each person must be one the access layer gives the actor (in scope, or registered by the
    actor and not yet placed); a refusal is audited under each person refused."""
    ids = {p.pk for p in persons}
    visible = set(restrict(Person.objects.filter(pk__in=ids), actor).values_list("pk", flat=True))
    if ids - visible:
        for pk in sorted(ids - visible):
            audit_refused(Person, actor, pk)
        raise PermissionDenied(PERSON_OUTSIDE_SCOPE)


def _incident_usable(actor: Any, incident: Incident | None) -> None:
    if (
        incident is not None
        and not restrict(Incident.objects.filter(pk=incident.pk), actor).exists()
    ):
        audit_refused(Incident, actor, incident.pk)
        raise PermissionDenied(INCIDENT_OUTSIDE_SCOPE)


def iin_pseudonym(iin: str) -> str:
    return pseudonym(iin.strip(), purpose="iin")


@refusals_audited
@transaction.atomic
def person_register(
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    iin: str = "",
    sex: str = c.Sex.UNKNOWN,
    birth_date: dt.date | None = None,
    birth_year: int | None = None,
    citizenship: str = "KZ",
    disability: str = c.Disability.UNKNOWN,
    home_district: Territory | None = None,
    source: str = "",
    source_record_id: str | None = None,
    audit: bool = True,
    **identity: str,
) -> Person:
    """Record a person, or return the one already known by this IIN or source record.

    The IIN is validated and only its pseudonym kept; its birth date and sex win over typed
    ones that contradict them (a typo in the form, not in the state's number).
    """
    unknown = set(identity) - set(IDENTITY_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    key = None
    if iin:
        try:
            facts = iin_parse(iin)
        except ValueError as exc:
            raise ValidationError({"iin": str(exc)}) from exc
        key = iin_pseudonym(iin)
        existing = Person.objects.filter(iin_pseudonym=key).first()
        if existing:
            return person_matched_by_iin(existing, actor=actor, request=request)
        birth_date, sex = facts.birth_date, facts.sex
    if source_record_id:
        existing = Person.objects.filter(source=source, source_record_id=source_record_id).first()
        if existing:
            return existing
    if birth_date:
        _not_future(birth_date, "birth_date")
        birth_year = birth_date.year
    person = Person(
        iin_pseudonym=key,
        sex=sex,
        birth_date=birth_date,
        birth_year=birth_year,
        citizenship=(citizenship or "KZ").upper(),
        disability=disability,
        home_district=home_district,
        source=source,
        source_record_id=source_record_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    for name, value in identity.items():
        setattr(
            person, f"{name}_token", encrypt_text(value.strip()) if value and value.strip() else ""
        )
    for name, digest in name_indexes(
        surname=identity.get("surname", ""), first_name=identity.get("first_name", "")
    ).items():
        setattr(person, name, digest)
    person.full_clean(exclude=["created_by"])
    person.save()
    if audit:
        audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=person)
    return person


def person_find_by_iin(
    *, actor: Any, iin: str, request: HttpRequest | None, reason: str
) -> Person | None:
    """Look a person up by IIN within the actor's scope; the search and its reason are audited."""
    iin_parse(iin)
    known = Person.objects.filter(iin_pseudonym=iin_pseudonym(iin)).first()
    in_scope = known and restrict(Person.objects.filter(pk=known.pk), actor).exists()
    person = known if in_scope else None
    details: dict[str, Any] = {"search": "iin", "found": person is not None}
    if known and person is None:
        # Answered as "not found"; the auditors still see whom the search aimed at.
        details.update(outside_scope=True, person=known.pk)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=actor,
        object_type="registry.person",
        object_id=str(known.pk) if known else "",  # whom it aimed at, found or not
        reason=reason,
        details=details,
    )
    return person


# --- Incidents -------------------------------------------------------------------------------


@refusals_audited
@transaction.atomic
def incident_register(
    *,
    actor: Any,
    request: HttpRequest | None = None,
    occurred_at: dt.datetime,
    reported_at: dt.datetime,
    district: Territory,
    settlement_type: str,
    source_channel: str,
    victims: Sequence[Person],
    offenders: Sequence[tuple[Person, str]],
    description: str = "",
    source: str = "",
    source_record_id: str | None = None,
    audit: bool = True,
    **facts: Any,
) -> Incident:
    """Register an incident with its victims and offenders (each with the relationship)."""
    _require(actor, REGISTER_INCIDENT)
    if source_record_id:
        existing = Incident.objects.filter(source=source, source_record_id=source_record_id).first()
        if existing:
            return existing
    _not_future(occurred_at, "occurred_at")
    _not_future(reported_at, "reported_at")
    if reported_at < occurred_at:
        raise ValidationError({"reported_at": REPORTED_BEFORE_OCCURRED})
    _district_for(actor, district, timezone.localtime(occurred_at).date())
    if not victims or not offenders:
        raise ValidationError(NEEDS_VICTIM)
    _persons_usable(actor, [*victims, *(o for o, _rel in offenders)])
    victim_ids = {v.pk for v in victims}
    if victim_ids & {o.pk for o, _rel in offenders}:
        raise ValidationError(_("The same person cannot be victim and offender of one incident."))
    incident = Incident(
        occurred_at=occurred_at,
        reported_at=reported_at,
        district=district,
        settlement_type=settlement_type,
        source_channel=source_channel,
        description_token=encrypt_text(description) if description else "",
        source=source,
        source_record_id=source_record_id,
        created_by=actor if getattr(actor, "pk", None) else None,
        **facts,
    )
    incident.full_clean(exclude=["created_by"])
    incident.save()
    participants = IncidentParticipant.objects.bulk_create(
        [
            IncidentParticipant(incident=incident, person=v, role=c.ParticipantRole.VICTIM)
            for v in victims
        ]
        + [
            IncidentParticipant(
                incident=incident, person=o, role=c.ParticipantRole.OFFENDER, relationship=rel
            )
            for o, rel in offenders
        ]
    )
    records_stored.send(IncidentParticipant, pks=[p.pk for p in participants])
    if audit:
        audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=incident)
    return incident


# --- Protective orders -----------------------------------------------------------------------


def _order_number(district: Territory, issued_on: dt.date) -> str:
    count = ProtectiveOrder.objects.filter(
        district=district, issued_on__year=issued_on.year
    ).count()
    return f"ЗП-{district.kato_code[:4]}-{issued_on:%Y}-{count + 1:05d}"


@refusals_audited
@transaction.atomic
def order_issue(
    *,
    actor: Any,
    request: HttpRequest | None = None,
    offender: Person,
    protected: Sequence[Person],
    issued_on: dt.date,
    served_on: dt.date | None,
    district: Territory,
    incident: Incident | None = None,
    prohibitions: Sequence[str] = (c.OrderProhibition.NO_CONTACT,),
    number: str = "",
    source: str = "",
    source_record_id: str | None = None,
    audit: bool = True,
) -> ProtectiveOrder:
    """Issue a protective order. Its term and check interval come from the law of the day."""
    _require(actor, MANAGE_ORDERS)
    if source_record_id:
        existing = ProtectiveOrder.objects.filter(
            source=source, source_record_id=source_record_id
        ).first()
        if existing:
            return existing
    _not_future(issued_on, "issued_on")
    if served_on:
        _not_future(served_on, "served_on")
        if served_on < issued_on:
            raise ValidationError(
                {"served_on": _("An order is served on or after the day it is issued.")}
            )
    _district_for(actor, district, issued_on)
    if incident and issued_on < timezone.localtime(incident.occurred_at).date():
        raise ValidationError({"issued_on": BEFORE_INCIDENT})
    if not protected:
        raise ValidationError({"protected": NO_PROTECTED})
    _incident_usable(actor, incident)
    _persons_usable(actor, [offender, *protected])
    if offender.pk in {p.pk for p in protected}:
        raise ValidationError({"protected": OFFENDER_PROTECTED})
    minimum_age = legal_rule("protective_order.min_offender_age", issued_on).value
    age = offender.age_on(issued_on)
    if age is not None and age < minimum_age:
        raise ValidationError({"offender": OFFENDER_TOO_YOUNG % {"age": minimum_age}})
    allowed = set(legal_rule("protective_order.prohibitions", issued_on).value)
    if not prohibitions or set(prohibitions) - allowed:
        raise ValidationError(
            {
                "prohibitions": PROHIBITION_NOT_ALLOWED
                % {"codes": ", ".join(sorted(set(prohibitions) - allowed)) or "—"}
            }
        )
    term = legal_rule("protective_order.term_days", issued_on)
    interval = legal_rule("protective_order.check_interval_days", issued_on).value
    order = ProtectiveOrder(
        number=number or _order_number(district, issued_on),
        incident=incident,
        district=district,
        offender=offender,
        issued_on=issued_on,
        served_on=served_on,
        term_days=term.value,
        check_interval_days=interval,
        prohibitions=sorted(set(prohibitions)),
        legal_basis=term.basis,
        source=source,
        source_record_id=source_record_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _order_dates(order)
    order.full_clean(exclude=["created_by"])
    order.save()
    order.protected_persons.set(protected)
    if audit:
        audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=order)
    return order


def _order_dates(order: ProtectiveOrder) -> None:
    """Set the end of the term and the next check due.

    The term counts from service, the day of service being day 1.
    """
    if order.served_on is None:
        order.ends_on = None
        order.next_check_due = None
        return
    # Queried afresh, not through order.extensions: a prefetched order would miss the new row.
    extensions = (
        list(OrderExtension.objects.filter(order=order).values_list("new_end", flat=True))
        if order.pk
        else []
    )
    order.ends_on = max([order.served_on + dt.timedelta(days=order.term_days - 1), *extensions])
    checks = (
        list(OrderCheckIn.objects.filter(order=order).values_list("checked_on", flat=True))
        if order.pk
        else []
    )
    last_check = max([order.served_on, *checks])
    order.next_check_due = last_check + dt.timedelta(days=order.check_interval_days)


def _order_for(actor: Any, order: ProtectiveOrder) -> ProtectiveOrder:
    _require(actor, MANAGE_ORDERS)
    if not restrict(ProtectiveOrder.objects.filter(pk=order.pk), actor).exists():
        raise PermissionDenied(OUTSIDE_SCOPE)
    return order


@refusals_audited
@transaction.atomic
def order_serve(
    *, actor: Any, request: HttpRequest | None = None, order: ProtectiveOrder, served_on: dt.date
) -> ProtectiveOrder:
    _order_for(actor, order)
    _not_future(served_on, "served_on")
    if order.served_on is not None or order.revoked_on is not None:
        raise ValidationError({"served_on": _("This order was already served or revoked.")})
    if served_on < order.issued_on:
        raise ValidationError(
            {"served_on": _("An order is served on or after the day it is issued.")}
        )
    order.served_on = served_on
    _order_dates(order)
    order.save(update_fields=["served_on", "ends_on", "next_check_due"])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=order,
        details={"fields": ["served_on"]},
    )
    return order


@refusals_audited
@transaction.atomic
def order_extend(
    *,
    actor: Any,
    request: HttpRequest | None = None,
    order: ProtectiveOrder,
    decided_on: dt.date,
    new_end: dt.date,
    reason: str,
) -> OrderExtension:
    _order_for(actor, order)
    _not_future(decided_on, "decided_on")
    if order.status_on(decided_on) not in _IN_FORCE_STATES:
        raise ValidationError({"decided_on": ORDER_NOT_IN_FORCE})
    if order.ends_on is None or new_end <= order.ends_on:
        raise ValidationError({"new_end": _("The new end must be later than the current one.")})
    extension = OrderExtension.objects.create(
        order=order, decided_on=decided_on, new_end=new_end, reason=reason
    )
    _order_dates(order)
    order.save(update_fields=["ends_on", "next_check_due"])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=order,
        details={"extended_to": new_end.isoformat()},
    )
    return extension


@refusals_audited
@transaction.atomic
def order_revoke(
    *,
    actor: Any,
    request: HttpRequest | None = None,
    order: ProtectiveOrder,
    revoked_on: dt.date,
    reason: str,
) -> ProtectiveOrder:
    _order_for(actor, order)
    _not_future(revoked_on, "revoked_on")
    if revoked_on < order.issued_on:
        raise ValidationError({"revoked_on": _("An order cannot be revoked before it was issued.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for revoking the order.")})
    order.revoked_on, order.revocation_reason = revoked_on, reason.strip()
    order.save(update_fields=["revoked_on", "revocation_reason"])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=order,
        details={"revoked": revoked_on.isoformat()},
    )
    return order


@refusals_audited
@transaction.atomic
def order_check_in(
    *,
    actor: Any,
    request: HttpRequest | None = None,
    order: ProtectiveOrder,
    checked_on: dt.date,
    compliant: bool = True,
    note: str = "",
) -> OrderCheckIn:
    """Record a police compliance check.

    A non-compliant check does not by itself record a violation.
    """
    _order_for(actor, order)
    _not_future(checked_on, "checked_on")
    if order.status_on(checked_on) not in _IN_FORCE_STATES:
        raise ValidationError({"checked_on": ORDER_NOT_IN_FORCE})
    check = OrderCheckIn.objects.create(
        order=order,
        checked_on=checked_on,
        compliant=compliant,
        note=note,
        checked_by=actor if getattr(actor, "pk", None) else None,
    )
    _order_dates(order)
    order.save(update_fields=["next_check_due"])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=order,
        details={"check_in": checked_on.isoformat()},
    )
    return check


@refusals_audited
@transaction.atomic
def order_violation_record(
    *,
    actor: Any,
    request: HttpRequest | None = None,
    order: ProtectiveOrder,
    occurred_on: dt.date,
    description: str,
    sanction: str = c.Sanction.NONE,
) -> OrderViolation:
    """A violation of an order: an administrative offence (CoAO art. 461 at the time of writing)."""
    _order_for(actor, order)
    _not_future(occurred_on, "occurred_on")
    if order.status_on(occurred_on) not in _IN_FORCE_STATES:
        raise ValidationError({"occurred_on": ORDER_NOT_IN_FORCE})
    if sanction == c.Sanction.WARNING and occurred_on >= dt.date(2023, 7, 1):
        raise ValidationError(
            {
                "sanction": _(
                    "Since 1 July 2023 a warning is not a penalty for violating a protective order."
                )
            }
        )
    article = legal_rule("protective_order.violation_article", occurred_on).value
    violation = OrderViolation.objects.create(
        order=order,
        occurred_on=occurred_on,
        description=description,
        sanction=sanction,
        article=article,
    )
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=order,
        details={"violation": occurred_on.isoformat()},
    )
    return violation


# --- Special behaviour requirements -----------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@refusals_audited
@transaction.atomic
def requirement_set(
    *,
    actor: Any,
    request: HttpRequest | None = None,
    offender: Person,
    protected: Sequence[Person],
    court: str,
    decided_on: dt.date,
    starts_on: dt.date | None = None,
    term_months: int,
    conditions: Sequence[str],
    district: Territory,
    number: str,
    incident: Incident | None = None,
    police_reports_per_month: int = 0,
    source: str = "",
    source_record_id: str | None = None,
    audit: bool = True,
) -> BehaviourRequirement:
    """Record the special requirements a court set.

    The term and the conditions are checked against the law in force on the decision day.
    """
    _require(actor, MANAGE_REQUIREMENTS)
    if source_record_id:
        existing = BehaviourRequirement.objects.filter(
            source=source, source_record_id=source_record_id
        ).first()
        if existing:
            return existing
    _not_future(decided_on, "decided_on")
    _district_for(actor, district, decided_on)
    starts_on = starts_on or decided_on
    if starts_on < decided_on:
        raise ValidationError(
            {"starts_on": _("Requirements cannot start before the court decided them.")}
        )
    if incident and decided_on < timezone.localtime(incident.occurred_at).date():
        raise ValidationError({"decided_on": _("A court decision cannot precede its incident.")})
    term = legal_rule("requirement.term_months", decided_on)
    if not term.value["min"] <= term_months <= term.value["max"]:
        raise ValidationError({"term_months": TERM_OUT_OF_RANGE % term.value})
    allowed = set(legal_rule("requirement.conditions", decided_on).value)
    wrong = set(conditions) - allowed
    if not conditions or wrong:
        raise ValidationError(
            {"conditions": CONDITION_NOT_ALLOWED % {"codes": ", ".join(sorted(wrong)) or "—"}}
        )
    if offender.pk in {p.pk for p in protected}:
        raise ValidationError({"protected": OFFENDER_PROTECTED})
    _incident_usable(actor, incident)
    _persons_usable(actor, [offender, *protected])
    max_reports = legal_rule("requirement.max_police_reports_per_month", decided_on).value
    if not 0 <= police_reports_per_month <= max_reports:
        raise ValidationError(
            {
                "police_reports_per_month": _("At most %(max)s reports a month.")
                % {"max": max_reports}
            }
        )
    requirement = BehaviourRequirement(
        number=number,
        incident=incident,
        district=district,
        offender=offender,
        court=court,
        decided_on=decided_on,
        starts_on=starts_on,
        term_months=term_months,
        ends_on=_add_months(starts_on, term_months) - dt.timedelta(days=1),
        conditions=sorted(set(conditions)),
        police_reports_per_month=police_reports_per_month,
        legal_basis=term.basis,
        source=source,
        source_record_id=source_record_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    requirement.full_clean(exclude=["created_by"])
    requirement.save()
    requirement.protected_persons.set(protected)
    if audit:
        audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=requirement)
    return requirement


def _requirement_for(actor: Any, requirement: BehaviourRequirement) -> None:
    _require(actor, MANAGE_REQUIREMENTS)
    if not restrict(BehaviourRequirement.objects.filter(pk=requirement.pk), actor).exists():
        raise PermissionDenied(OUTSIDE_SCOPE)


@refusals_audited
@transaction.atomic
def requirement_extend(
    *,
    actor: Any,
    request: HttpRequest | None = None,
    requirement: BehaviourRequirement,
    decided_on: dt.date,
    months: int,
    reason: str,
) -> RequirementExtension:
    """Extend by a court decision; the whole term must stay within the law's maximum."""
    _requirement_for(actor, requirement)
    _not_future(decided_on, "decided_on")
    term = legal_rule("requirement.term_months", decided_on)
    new_end = _add_months(requirement.ends_on + dt.timedelta(days=1), months) - dt.timedelta(days=1)
    longest = _add_months(requirement.starts_on, term.value["max"]) - dt.timedelta(days=1)
    if months < 1 or new_end > longest:
        raise ValidationError({"months": TERM_OUT_OF_RANGE % term.value})
    extension = RequirementExtension.objects.create(
        requirement=requirement, decided_on=decided_on, new_end=new_end, reason=reason
    )
    requirement.ends_on = new_end
    requirement.save(update_fields=["ends_on"])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=requirement,
        details={"extended_to": new_end.isoformat()},
    )
    return extension


@refusals_audited
@transaction.atomic
def requirement_violation_record(
    *,
    actor: Any,
    request: HttpRequest | None = None,
    requirement: BehaviourRequirement,
    occurred_on: dt.date,
    condition: str,
    description: str,
    sanction: str = c.Sanction.NONE,
) -> RequirementViolation:
    _require(actor, MANAGE_REQUIREMENTS, MANAGE_ORDERS)  # courts and the police both record them
    if not restrict(BehaviourRequirement.objects.filter(pk=requirement.pk), actor).exists():
        raise PermissionDenied(OUTSIDE_SCOPE)
    _not_future(occurred_on, "occurred_on")
    if not requirement.starts_on <= occurred_on <= requirement.ends_on:
        raise ValidationError(
            {"occurred_on": _("The requirements were not in force on that date.")}
        )
    if condition not in requirement.conditions:
        raise ValidationError({"condition": _("The court did not set this condition.")})
    violation = RequirementViolation.objects.create(
        requirement=requirement,
        occurred_on=occurred_on,
        condition=condition,
        description=description,
        sanction=sanction,
    )
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=requirement,
        details={"violation": occurred_on.isoformat()},
    )
    return violation


# --- Offences and risk -----------------------------------------------------------------------


@refusals_audited
@transaction.atomic
def offence_record(
    *,
    actor: Any,
    request: HttpRequest | None = None,
    offender: Person,
    kind: str,
    article: str,
    committed_on: dt.date,
    district: Territory,
    incident: Incident | None = None,
    decided_on: dt.date | None = None,
    outcome: str = c.OffenceOutcome.PENDING,
    register_number: str = "",
    source: str = "",
    source_record_id: str | None = None,
    audit: bool = True,
) -> Offence:
    _require(actor, RECORD_OFFENCES)
    if source_record_id:
        existing = Offence.objects.filter(source=source, source_record_id=source_record_id).first()
        if existing:
            return existing
    _not_future(committed_on, "committed_on")
    _district_for(actor, district, committed_on)
    _incident_usable(actor, incident)
    _persons_usable(actor, [offender])
    if decided_on:
        _not_future(decided_on, "decided_on")
        if decided_on < committed_on:
            raise ValidationError({"decided_on": _("A decision cannot precede the offence.")})
    offence = Offence(
        incident=incident,
        district=district,
        offender=offender,
        kind=kind,
        article=article.strip(),
        committed_on=committed_on,
        decided_on=decided_on,
        outcome=outcome,
        register_number=register_number,
        source=source,
        source_record_id=source_record_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    offence.full_clean(exclude=["created_by"])
    offence.save()
    if audit:
        audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=offence)
    return offence


@refusals_audited
@transaction.atomic
def risk_assess(
    *,
    actor: Any,
    request: HttpRequest | None = None,
    victim: Person,
    district: Territory,
    answers: dict[str, Any],
    offender: Person | None = None,
    incident: Incident | None = None,
    assessed_at: dt.datetime | None = None,
    level: str | None = None,
    override_reason: str = "",
    instrument_code: str = "qorgau-risk",
) -> RiskAssessment:
    """Score the answers with the newest instrument version; a chosen level may only be higher."""
    _require(actor, ASSESS_RISK)
    assessed_at = assessed_at or timezone.now()
    _not_future(assessed_at, "assessed_at")
    day = timezone.localtime(assessed_at).date()
    _district_for(actor, district, day)
    _incident_usable(actor, incident)
    _persons_usable(actor, [victim, *([offender] if offender else [])])
    instrument = instrument_load(instrument_code)
    try:
        result = risk_score(instrument, answers)
    except ValueError as exc:
        raise ValidationError({"answers": str(exc)}) from exc
    final = result.level
    if level and level != result.level:
        if max_level(level, result.level) != level:
            raise ValidationError({"level": LOWER_LEVEL})
        if not override_reason.strip():
            raise ValidationError({"override_reason": RAISE_NEEDS_REASON})
        final = c.RiskLevel(level)
    assessment = RiskAssessment.objects.create(
        victim=victim,
        offender=offender,
        incident=incident,
        district=district,
        instrument=instrument.code,
        instrument_version=instrument.version,
        answers=answers,
        score=result.score,
        computed_level=result.level,
        level=final,
        override_reason=override_reason.strip() if final != result.level else "",
        assessed_at=assessed_at,
        next_due=reassess_by(instrument, final, day),
        assessed_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(action=AuditAction.CREATE, request=request, actor=actor, target=assessment)
    return assessment


def risk_reassessment_overdue(
    *, actor: Any, day: dt.date | None = None
) -> QuerySet[RiskAssessment]:
    """The latest assessment of each victim in scope whose re-assessment date has passed."""
    day = day or _today()
    latest = restrict(RiskAssessment.objects.all(), actor).order_by(
        "victim_id", "-assessed_at", "-pk"
    )
    newest_ids: dict[int, int] = {}
    for pk, victim_id in latest.values_list("pk", "victim_id"):
        newest_ids.setdefault(victim_id, pk)
    return RiskAssessment.objects.filter(
        pk__in=newest_ids.values(), next_due__lt=day
    ).select_related("victim", "district")
