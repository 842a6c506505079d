"""Workflows of the coordination part: bodies and meetings, decisions, case conferences and their
safety action plans, closed-loop referrals, notifications and the escalation of overdue items.

Every change is written to the audit trail. Services check the actor's right to act (views and
the API check it too): the keeper of a body (``KEEP_COORDINATING_BODY``) within his or her
territory; an agency officer (``ACT_FOR_AGENCY``) only on what the own agency owns.

The parts: ``common`` (audit and the checks of the actor's right), ``bodies`` (bodies,
members, meetings, decisions, cases, actions), ``referrals``, ``notifications`` and
``escalation``. Every workflow is re-exported here: callers import from
``qorgau.coordination.services``.
"""

from qorgau.coordination.services.bodies import (
    action_add,
    body_create,
    case_add,
    decision_add,
    item_update,
    meeting_cancel,
    meeting_plan,
    meeting_record,
    membership_add,
    membership_end,
)
from qorgau.coordination.services.common import (
    DUE_SOON_DAYS,
    POLICE_ROLES,
    log,
)
from qorgau.coordination.services.escalation import (
    EscalationReport,
    escalate,
)
from qorgau.coordination.services.notifications import (
    keepers_of,
    notifications_mark_read,
    notify_owner,
    notify_users,
    users_of,
)
from qorgau.coordination.services.referrals import (
    referral_answer,
    referral_report_outcome,
    referral_send,
)

__all__ = [
    "DUE_SOON_DAYS",
    "EscalationReport",
    "POLICE_ROLES",
    "action_add",
    "body_create",
    "case_add",
    "decision_add",
    "escalate",
    "item_update",
    "keepers_of",
    "log",
    "meeting_cancel",
    "meeting_plan",
    "meeting_record",
    "membership_add",
    "membership_end",
    "notifications_mark_read",
    "notify_owner",
    "notify_users",
    "referral_answer",
    "referral_report_outcome",
    "referral_send",
    "users_of",
]
