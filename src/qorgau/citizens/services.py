"""Workflows of the citizen portal: submit, look up and add to a report; triage; vetting.

Why the receipt is kept as a digest: whoever reads the database (or a backup) must not be
able to check a report's status in the reporter's name. The code is shown once, after the
transaction committed, and only its keyed digest is stored.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import can_place_in_scope, restrict
from qorgau.accounts.rate_limits import request_count
from qorgau.accounts.roles import TRIAGE_CITIZEN_REPORTS, VET_VOLUNTEERS
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.citizens.models import (
    CitizenReport,
    CloseReason,
    HelpService,
    ReportAddition,
    ReportStatus,
    VettingStatus,
    Volunteer,
)
from qorgau.lib.crypto import decrypt_text, encrypt_text, pseudonym
from qorgau.registry.models import Incident, Person
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User


# No 0/O, 1/I/L: a code read out over the phone or copied by hand stays unambiguous.
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 12  # 31**12 ≈ 7.9e17 codes: guessing is hopeless under the lookup limit.
MAX_ACCOUNT = 5000
MAX_SHORT = 300

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str, *, limit: int) -> str:
    """Normalise hostile or odd input before it is stored: NFC, no control or bidi-override
    characters (NUL breaks PostgreSQL, bidi overrides disguise text), at most ``limit``."""
    text = unicodedata.normalize("NFC", value or "")
    text = _CONTROL.sub("", text).replace("\r\n", "\n")
    return text.strip()[:limit]


# --- receipts -----------------------------------------------------------------------------
def receipt_new() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def receipt_normalise(text: str) -> str:
    """What the person typed, in the stored form: spaces and dashes dropped, upper case."""
    return re.sub(r"[\s\-]", "", text or "").upper()[:32]


def receipt_display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def receipt_digest(code: str) -> str:
    return pseudonym(receipt_normalise(code), purpose="citizen-receipt")


# --- rate limits --------------------------------------------------------------------------
LIMITS: dict[str, tuple[int, int]] = {
    # bucket: (requests, window in seconds)
    "report": (5, 3600),
    "lookup": (20, 3600),
    "volunteer": (3, 3600),
}


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client address: the rate limit never stores the address itself."""
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    return pseudonym(address, purpose="citizen-rate-limit")[:32]


def rate_limit_hit(request: HttpRequest, bucket: str) -> bool:
    """Count one request; ``True`` when the client is over the limit for ``bucket``.

    Counted in the database (:mod:`qorgau.accounts.rate_limits`), so every worker process of
    the portal refuses the same client at the same count.
    """
    limits = getattr(settings, "QORGAU_CITIZENS_RATE_LIMITS", {}) or {}
    allowed, window = limits.get(bucket, LIMITS[bucket])
    counted = request_count(
        bucket=f"citizens:{bucket}", client=client_key(request), window_seconds=window
    )
    return bool(counted > allowed)


# --- reports ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Submitted:
    report: CitizenReport
    receipt: str


def report_submit(
    *,
    district: Territory,
    account: str,
    at_risk: str,
    reporter: str = "other",
    happening_now: bool = False,
    occurred_on: dt.date | None = None,
    children_involved: bool = False,
    address: str = "",
    contact: str = "",
    language: str = "",
) -> Submitted:
    """Store a report durably and return it with its receipt code (shown once)."""
    account = clean_text(account, limit=MAX_ACCOUNT)
    if not account:
        raise ValidationError(_("Please say what happened."))
    with transaction.atomic():
        for _attempt in range(5):
            code = receipt_new()
            digest = receipt_digest(code)
            if not CitizenReport.objects.filter(receipt_digest=digest).exists():
                break
        report = CitizenReport.objects.create(
            receipt_digest=digest,
            language=language[:8],
            district=district,
            happening_now=happening_now,
            occurred_on=occurred_on,
            at_risk=at_risk,
            reporter=reporter,
            children_involved=children_involved,
            account_token=encrypt_text(account),
            address_token=encrypt_text(a) if (a := clean_text(address, limit=MAX_SHORT)) else "",
            contact_token=encrypt_text(c) if (c := clean_text(contact, limit=MAX_SHORT)) else "",
        )
    # Leaving the atomic block committed the row (or raised): only now is the code shown.
    return Submitted(report=report, receipt=code)


def report_by_receipt(code: str) -> CitizenReport | None:
    normalised = receipt_normalise(code)
    if len(normalised) != RECEIPT_LENGTH:
        return None
    return CitizenReport.objects.filter(receipt_digest=receipt_digest(normalised)).first()


def report_add_information(*, report: CitizenReport, text: str) -> ReportAddition:
    text = clean_text(text, limit=MAX_ACCOUNT)
    if not text:
        raise ValidationError(_("Please write what you want to add."))
    if report.additions.count() >= 20:
        raise ValidationError(_("This report cannot take more additions; please call 111."))
    return ReportAddition.objects.create(report=report, text_token=encrypt_text(text))


@dataclass(frozen=True)
class ReportContents:
    account: str
    address: str
    contact: str
    additions: list[tuple[dt.datetime, str]]


def report_reveal(
    *, report: CitizenReport, user: User, request: HttpRequest | None
) -> ReportContents:
    """Decrypt what the reporter wrote, for a triaging role in scope; audited every time."""
    if not restrict(CitizenReport.objects.filter(pk=report.pk), user).exists():
        raise PermissionDenied
    audit_record(
        action=AuditAction.DECRYPT,
        request=request,
        actor=user,
        target=report,
        reason="citizen report triage",
    )
    return ReportContents(
        account=decrypt_text(report.account_token) if report.account_token else "",
        address=decrypt_text(report.address_token) if report.address_token else "",
        contact=decrypt_text(report.contact_token) if report.contact_token else "",
        additions=[(a.added_at, decrypt_text(a.text_token)) for a in report.additions.all()],
    )


class TriageAction:
    LINK = "link"
    REFER = "refer"
    CLOSE = "close"


def _label_number(text: str) -> int | None:
    digits = re.sub(r"\D", "", text or "")
    return int(digits) if digits else None


def report_triage(
    *,
    report: CitizenReport,
    user: User,
    action: str,
    incident: str = "",
    person: str = "",
    service: HelpService | None = None,
    close_reason: str = "",
    note: str = "",
    request: HttpRequest | None = None,
    at: dt.datetime | None = None,
) -> CitizenReport:
    """Triage a waiting report: link it to a registered incident or person (that the user
    may see), refer it to a service, or close it with a reason. The time is recorded, so the
    time to triage is measured; the action is audited."""
    with transaction.atomic():
        locked = (
            restrict(
                CitizenReport.objects.select_for_update(), user, permission=TRIAGE_CITIZEN_REPORTS
            )
            .filter(pk=report.pk)
            .first()
        )
        if locked is None:
            raise PermissionDenied
        report = locked
        if report.status != ReportStatus.NEW:
            raise ValidationError(_("This report was already triaged."))
        if action == TriageAction.LINK:
            found_incident = found_person = None
            if number := _label_number(incident):
                found_incident = restrict(Incident.objects.all(), user).filter(pk=number).first()
                if found_incident is None:
                    raise ValidationError(_("No incident with this number in your territory."))
            if number := _label_number(person):
                found_person = restrict(Person.objects.all(), user).filter(pk=number).first()
                if found_person is None:
                    raise ValidationError(_("No person with this number in your territory."))
            if not (found_incident or found_person):
                raise ValidationError(_("Give the incident or person to link the report to."))
            report.linked_incident, report.linked_person = found_incident, found_person
            report.status = ReportStatus.LINKED
        elif action == TriageAction.REFER:
            if service is None:
                raise ValidationError(_("Choose the service the report is referred to."))
            report.referred_to = service
            report.status = ReportStatus.REFERRED
        elif action == TriageAction.CLOSE:
            if close_reason not in CloseReason.values:
                raise ValidationError(_("Give the reason for closing the report."))
            report.close_reason = close_reason
            report.status = ReportStatus.CLOSED
        else:
            raise ValidationError(_("Unknown triage action."))
        report.triage_note = clean_text(note, limit=500)
        report.triaged_at = at or timezone.now()
        report.triaged_by = user
        report.save()
        audit_record(
            action=AuditAction.CHANGE,
            request=request,
            actor=user,
            target=report,
            reason="citizen report triage",
            details={
                "triage": action,
                "status": report.status,
                "waited_seconds": int(report.waiting_for().total_seconds()),
            },
        )
    return report


# --- volunteers ---------------------------------------------------------------------------
def volunteer_sign_up(
    *, kind: str, name: str, region: Territory, contact: str, about: str = ""
) -> Volunteer:
    return Volunteer.objects.create(
        kind=kind,
        name=clean_text(name, limit=200),
        region=region,
        contact_token=encrypt_text(clean_text(contact, limit=MAX_SHORT)),
        about=clean_text(about, limit=2000),
    )


def volunteer_contact(*, volunteer: Volunteer, user: User, request: HttpRequest | None) -> str:
    if not restrict(Volunteer.objects.filter(pk=volunteer.pk), user).exists():
        raise PermissionDenied
    audit_record(
        action=AuditAction.DECRYPT, request=request, actor=user, target=volunteer, reason="vetting"
    )
    return decrypt_text(volunteer.contact_token) if volunteer.contact_token else ""


def volunteer_decide(
    *,
    volunteer: Volunteer,
    user: User,
    decision: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> Volunteer:
    """pending → vetted or refused; a refusal needs a note; decided once."""
    if not restrict(
        Volunteer.objects.filter(pk=volunteer.pk), user, permission=VET_VOLUNTEERS
    ).exists():
        raise PermissionDenied
    if volunteer.status != VettingStatus.PENDING:
        raise ValidationError(_("This application was already decided."))
    if decision not in (VettingStatus.VETTED, VettingStatus.REFUSED):
        raise ValidationError(_("Unknown decision."))
    if decision == VettingStatus.REFUSED and not note.strip():
        raise ValidationError(_("Say why the application is refused."))
    volunteer.status = decision
    volunteer.decision_note = clean_text(note, limit=300)
    volunteer.decided_at = timezone.now()
    volunteer.decided_by = user
    volunteer.save()
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=user,
        target=volunteer,
        details={"vetting": decision},
    )
    return volunteer


def may_keep_region(user: User, region: Territory | None) -> bool:
    """A coordinator keeps the directory of his or her region; national rows need country scope."""
    if region is None:
        return bool(user.is_superuser or user.scope_kind == "country")
    return can_place_in_scope(user, region.pk, None)
