"""CSV/XLSX import of session attendance, row by row, with rejects and safe re-runs.

Columns: ``enrolment`` (the E-number or its id) *or* ``iin`` + ``programme`` (id or name);
``date`` (YYYY-MM-DD or DD.MM.YYYY); ``attended`` (yes/no, 1/0, да/нет, иә/жоқ); optional
``reason`` and ``session``. The file is read with the registry importer's streaming readers.
Each good row goes through :func:`qorgau.programs.services.attendance_record`, so every rule and
the violation report apply; a row already recorded (same participant and day, same answer) is
skipped, so an interrupted import can be run again without duplicates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from qorgau.programs import selectors
from qorgau.programs.models import Enrolment, EnrolmentStatus
from qorgau.programs.services import attendance_record
from qorgau.registry.importing.readers import open_extract
from qorgau.registry.services import iin_pseudonym

if TYPE_CHECKING:
    from qorgau.accounts.models import User

KNOWN = ("enrolment", "iin", "programme", "date", "attended", "reason", "session")
REQUIRED = ("date", "attended")
YES = {"1", "yes", "y", "true", "да", "иә", "attended", "+"}
NO = {"0", "no", "n", "false", "нет", "жоқ", "missed", "-"}


@dataclass
class AttendanceImport:
    accepted: int = 0
    skipped: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)


def _parse_date(text: str) -> dt.date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("The date is not a date (YYYY-MM-DD or DD.MM.YYYY)."))


def _parse_attended(text: str) -> bool:
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(_("“attended” must be yes or no."))


def _find(actor: User, cells: dict[str, Any]) -> Enrolment:
    own = selectors.enrolments_for(actor).filter(status=EnrolmentStatus.ENROLLED)
    number = str(cells.get("enrolment") or "").strip().upper().removeprefix("E-")
    if number:
        found = own.filter(pk=int(number)).first() if number.isdigit() else None
    else:
        iin, programme = str(cells.get("iin") or "").strip(), str(cells.get("programme") or "")
        if not iin or not programme.strip():
            raise ValueError(_("Give the enrolment number, or the IIN and the programme."))
        own = own.filter(offender__iin_pseudonym=iin_pseudonym(iin))
        programme = programme.strip()
        found = (
            own.filter(programme_id=int(programme)).first()
            if programme.isdigit()
            else own.filter(programme__name__iexact=programme).first()
        )
    if found is None:
        raise ValueError(_("No enrolled participant of yours matches this row."))
    return found


def _message(error: ValidationError) -> str:
    return "; ".join(str(m) for m in error.messages)


def attendance_import_rows(*, actor: User, rows: Any, request: Any = None) -> AttendanceImport:
    """Import ``(row_number, cells)`` pairs; returns counts and the rejected rows with reasons."""
    result = AttendanceImport()
    for number, cells in rows:
        try:
            enrolment = _find(actor, cells)
            held_on = _parse_date(str(cells.get("date") or ""))
            attended = _parse_attended(str(cells.get("attended") or ""))
            session = str(cells.get("session") or "").strip()
            existing = enrolment.attendance.filter(held_on=held_on).first()
            if existing is not None:
                if existing.attended != attended:
                    raise ValueError(_("This day is already recorded with another answer."))
                result.skipped += 1
                continue
            attendance_record(
                actor=actor,
                request=request,
                enrolment=enrolment,
                held_on=held_on,
                attended=attended,
                reason=str(cells.get("reason") or "").strip(),
                number=int(session) if session.isdigit() else None,
            )
            result.accepted += 1
        except ValidationError as exc:
            result.rejects.append((number, _message(exc)))
        except (ValueError, PermissionDenied) as exc:
            result.rejects.append((number, str(exc)))
    return result


def attendance_import_file(*, actor: User, path: Path, request: Any = None) -> AttendanceImport:
    """Import an uploaded file (raises ``UnreadableFile`` when the file as a whole is unusable)."""
    extract = open_extract(path, known=KNOWN, required=REQUIRED)
    try:
        return attendance_import_rows(actor=actor, rows=extract.rows, request=request)
    finally:
        extract.close()
