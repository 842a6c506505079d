"""Pure rules of the registry, shared by code that checks many rows without the ORM.

:mod:`qorgau.registry.services` checks one record at a time on model instances; the importer
checks thousands of rows a second on plain values. Both must say the same thing, so the
messages below repeat, word for word, the ones :mod:`~qorgau.registry.services` writes inline
(an identical msgid shares its translation in the catalogues), and the functions mirror its
arithmetic. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from qorgau.lib.months import add_months

# Messages services.py writes inline (same English text, so the same translation).
SAME_VICTIM_OFFENDER = _("The same person cannot be victim and offender of one incident.")
SERVED_BEFORE_ISSUED = _("An order is served on or after the day it is issued.")
STARTS_BEFORE_DECISION = _("Requirements cannot start before the court decided them.")
DECISION_BEFORE_INCIDENT = _("A court decision cannot precede its incident.")
TOO_MANY_REPORTS = _("At most %(max)s reports a month.")
DECISION_BEFORE_OFFENCE = _("A decision cannot precede the offence.")

NO_RULE_IN_FORCE = _("No version of the law in the system covers this date.")


def local_zone() -> ZoneInfo:
    """The zone of the installation (Asia/Almaty): naive times in extracts are local times."""
    return ZoneInfo(settings.TIME_ZONE)


def local_date(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The calendar day of ``moment`` in ``zone`` (a naive value is taken as already local)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(zone).date()


def requirement_end(starts_on: dt.date, term_months: int) -> dt.date:
    """The last day a requirement of ``term_months`` starting on ``starts_on`` is in force."""
    return add_months(starts_on, term_months) - dt.timedelta(days=1)


def age_on(birth_date: dt.date | None, birth_year: int | None, day: dt.date) -> int | None:
    """Full years on ``day`` (as :meth:`qorgau.registry.models.Person.age_on`), or ``None``."""
    if birth_date:
        before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
        return day.year - birth_date.year - before_birthday
    if birth_year:
        return day.year - birth_year
    return None


def order_dates(
    served_on: dt.date | None, term_days: int, check_interval_days: int
) -> tuple[dt.date | None, dt.date | None]:
    """(ends_on, next_check_due) of a new order, as services.py computes them.

    The term counts from service, the day of service being day 1; the first check is due one
    interval after service.
    """
    if served_on is None:
        return None, None
    return (
        served_on + dt.timedelta(days=term_days - 1),
        served_on + dt.timedelta(days=check_interval_days),
    )
