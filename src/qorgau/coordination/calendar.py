"""An iCalendar (RFC 5545) feed of a user's meetings, written by hand (no extra dependency)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from qorgau.coordination.models import Meeting, MeetingStatus


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space."""
    out, data = [], line.encode()
    while len(data) > 75:
        cut = 75
        while (data[cut] & 0xC0) == 0x80:  # do not split a UTF-8 character
            cut -= 1
        out.append(data[:cut].decode())
        data = b" " + data[cut:]
    out.append(data.decode())
    return out


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_render(meetings: Iterable[Meeting], *, host: str, name: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Qorgau//coordination//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    now = _stamp(timezone.now())
    for meeting in meetings:
        end = meeting.planned_at + dt.timedelta(minutes=meeting.duration_minutes)
        lines += [
            "BEGIN:VEVENT",
            f"UID:meeting-{meeting.pk}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(meeting.planned_at)}",
            f"DTEND:{_stamp(end)}",
            f"SUMMARY:{_escape(f'{meeting.body.display_name}: {meeting.get_kind_display()}')}",
            f"LOCATION:{_escape(meeting.place)}",
            # The agenda of a case conference names no one: cases are listed by reference.
            f"DESCRIPTION:{_escape(meeting.agenda)}",
            "STATUS:CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "STATUS:CONFIRMED",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(f"{part}\r\n" for line in lines for part in _fold(line))
