"""The words of the texts she receives, in Kazakh, Russian and English.

Each event has two wordings. The **neutral** one (the default) reads like a note from any
office — "your appointment", "your request" — so that whoever picks up her phone learns nothing:
no "order", "violence", "offender", "police", "court", no name of Qorgau or of the centre. The
**explicit** one names what happened, for a survivor who asked for it. Neither ever holds a
name, hers or the offender's, nor any other detail of the records: only a date and the number
she may call. The wordings are gettext messages rendered in *her* language
(:func:`django.utils.translation.override`), whatever the language of the job or the page.
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

from qorgau.notices.models import EventKind

NEUTRAL = {
    EventKind.ORDER_SERVED: _(
        "Your appointment status has changed. Please call %(phone)s when it is convenient."
    ),
    EventKind.ORDER_ENDING: _(
        "Reminder: your appointment ends on %(date)s. Please call %(phone)s when it is convenient."
    ),
    EventKind.ORDER_BREACHED: _(
        "There is news about your appointment. Please call %(phone)s as soon as you can."
    ),
    EventKind.REQUIREMENT_ENDING: _(
        "Reminder: an arrangement concerning you ends on %(date)s. Please call %(phone)s when "
        "it is convenient."
    ),
    EventKind.CONFERENCE_DECISION: _(
        "Your request has been reviewed. Please call %(phone)s when it is convenient."
    ),
    EventKind.SAFETY_ACTION_DONE: _(
        "There is an update on your request. Please call %(phone)s when it is convenient."
    ),
}

EXPLICIT = {
    EventKind.ORDER_SERVED: _(
        "The protective order protecting you was served on %(date)s. Questions: call %(phone)s."
    ),
    EventKind.ORDER_ENDING: _(
        "The protective order protecting you ends on %(date)s. Call %(phone)s to plan your safety."
    ),
    EventKind.ORDER_BREACHED: _(
        "A violation of the protective order protecting you was recorded on %(date)s. Call "
        "%(phone)s. In danger, call 102."
    ),
    EventKind.REQUIREMENT_ENDING: _(
        "The court's behaviour requirements for the offender end on %(date)s. Call %(phone)s "
        "to plan your safety."
    ),
    EventKind.CONFERENCE_DECISION: _(
        "A multi-agency case conference discussed your safety on %(date)s and agreed actions. "
        "Call %(phone)s for details."
    ),
    EventKind.SAFETY_ACTION_DONE: _(
        "An action agreed for your safety was completed on %(date)s. Call %(phone)s for details."
    ),
}


def notice_text(
    kind: str, *, language: str, explicit: bool, day: dt.date, callback_phone: str
) -> str:
    """The text of one notice, in ``language``, neutral unless ``explicit``."""
    wording = (EXPLICIT if explicit else NEUTRAL)[EventKind(kind)]
    with translation.override(language):
        return str(wording) % {
            "date": formats.date_format(day, "SHORT_DATE_FORMAT"),
            "phone": callback_phone,
        }
