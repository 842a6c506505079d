from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qorgau.notices.job import notices_send


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of: not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = (
        "Notifications to survivors. `send` finds the events each subscription asked for (her "
        "protective order served, ending, breached; the offender's requirement ending; a case "
        "conference about her) up to --as-of (today), and sends every message due through the "
        "configured gateway. Safe to re-run: an event is sent once; schedule it daily or hourly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        send = sub.add_parser("send")
        send.add_argument("--as-of", dest="as_of", type=_day, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options.get("as_of") or timezone.localdate()
        report = notices_send(as_of=as_of)
        self.stdout.write(
            f"{as_of.isoformat()}: {report.subscriptions} subscriptions, {report.found} new "
            f"events; {report.sent} sent, {report.queued} waiting for quiet hours to end, "
            f"{report.retrying} to retry, {report.failed} failed, {report.withheld} withheld."
        )
