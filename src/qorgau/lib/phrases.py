"""Fixed texts the synthetic country stores, shown in the reader's language.

Free text (a decision, a safety action, a reason) is shown as it was entered. The synthetic
country fills such fields from short fixed lists; written in one language, they showed in
English or Russian whatever the reader chose. They are stored as their English msgid and
translated when shown (the ``phrase`` template filter) — only these, so text a person typed is
never altered.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

# --- coordination -------------------------------------------------------------------------
DECISIONS = (
    N_("Open a hotline point in every district"),
    N_("Train district police inspectors in risk assessment"),
    N_("Agree an information-sharing protocol between agencies"),
    N_("Place a psychologist in the crisis centre"),
    N_("Report on protective orders issued and checked"),
)
# a safety action per kind of agency (the organisation kinds' codes)
ACTIONS = {
    "police": N_("Weekly check of the protective order"),
    "health": N_("Medical examination and follow-up"),
    "education": N_("School psychologist to see the children"),
    "social_protection": N_("Assess the family's social needs"),
    "crisis_centre": N_("Offer a shelter place and a safety plan"),
    "legal_aid": N_("Help with the application to court"),
    "ngo": N_("Peer support contact"),
    "justice": N_("Check the behaviour requirements"),
    "prosecutor": N_("Review the refusal to open a case"),
}
AGENDA = N_("1. Situation in the region\n2. Decisions due\n3. Other")
MINUTES = N_("Recorded by the secretary.")
CONSENT_SIGNED = N_("Consent form signed")
NO_CAPACITY = N_("No capacity")
# what a referral asks, by the referral kind's code
REFERRAL_REASONS = {
    "crisis_centre": N_("A shelter place and safety planning"),
    "legal_aid": N_("Help with the application for a protective order"),
}

# --- registry -----------------------------------------------------------------------------
REFUSAL_REASONS = (
    N_("The parties were reconciled"),
    N_("The victim withdrew the complaint"),
    N_("No administrative offence was found"),
)
REVOKED_ON_REQUEST = N_("At the victim's request")
ORDER_BREACH = N_("Visited the victim despite the order")
REQUIREMENT_BREACH = N_("Breach of the behaviour requirements")
RISK_RAISED = N_("The specialist's concern after the interview")
# a synthetic requirement's court, named after its district (``{district}``)
COURT = N_("Specialised inter-district administrative court ({district})")

# --- programmes, budget, citizens -----------------------------------------------------------
CURRICULUM = N_(
    "Taking responsibility; anger management; the effects of violence on children; "
    "a safety plan; communicating without violence."
)
MISSED_ILL = N_("ill")
DROPPED_OUT = N_("Dropped out of the programme")
SESSION_MISSED = N_("Missed a session")
BUDGET_CLARIFIED = N_("Clarification of the local budget by the maslikhat")
WEEKDAYS = N_("Mon–Fri 9:00–18:00")
WEEKDAYS_AND_SATURDAY = N_("Mon–Sat 10:00–19:00")
NO_REFERENCE = N_("no reference")
ACTIVITIES = (
    N_("Talk on family violence for parents"),
    N_("Lesson on safe relationships at a school"),
    N_("Meeting with the residents of a district"),
    N_("Training for volunteers"),
)

_ALL: frozenset[str] = frozenset(
    {
        *DECISIONS,
        *ACTIONS.values(),
        AGENDA,
        MINUTES,
        CONSENT_SIGNED,
        NO_CAPACITY,
        *REFERRAL_REASONS.values(),
        *REFUSAL_REASONS,
        REVOKED_ON_REQUEST,
        ORDER_BREACH,
        REQUIREMENT_BREACH,
        RISK_RAISED,
        CURRICULUM,
        MISSED_ILL,
        DROPPED_OUT,
        SESSION_MISSED,
        BUDGET_CLARIFIED,
        WEEKDAYS,
        WEEKDAYS_AND_SATURDAY,
        NO_REFERENCE,
        *ACTIVITIES,
    }
)


def known_phrases() -> frozenset[str]:
    """Every phrase of the catalogue, as stored."""
    return _ALL


def phrase(text: object) -> str:
    """``text`` in the active language when it is a phrase of the catalogue, else unchanged."""
    shown = "" if text is None else str(text)
    return gettext(shown) if shown in _ALL else shown
