"""The coordination part over the API: the same selectors, filter sets and services as the pages.

Reads return only what the user's agency may see (pseudonymous references, never names); every
read of cases, actions and referrals and every change is audited.

The parts: ``base`` (permissions, refusals, audited lists), ``serializers``, ``meetings``
(bodies, meetings, candidates, decisions, cases, actions) and ``referrals`` (referrals, their
kinds, notifications). Every endpoint and serializer is re-exported here for the URLs.
"""

from qorgau.coordination.api.base import (
    KEEPERS,
    USERS,
    CoordinationUser,
    Keeper,
    get_for_user_or_404,
)
from qorgau.coordination.api.meetings import (
    ActionListApi,
    ActionUpdateApi,
    BodyListApi,
    CandidateListApi,
    CaseListApi,
    DecisionListApi,
    DecisionUpdateApi,
    MeetingListApi,
)
from qorgau.coordination.api.referrals import (
    NotificationListApi,
    NotificationReadApi,
    ReferralAnswerApi,
    ReferralDetailApi,
    ReferralKindListApi,
    ReferralListApi,
    ReferralOutcomeApi,
)
from qorgau.coordination.api.serializers import (
    CoordinatingBodySerializer,
    CoordinationActionSerializer,
    CoordinationAnswerSerializer,
    CoordinationCandidateSerializer,
    CoordinationCaseSerializer,
    CoordinationDecisionSerializer,
    CoordinationItemUpdateSerializer,
    CoordinationMeetingSerializer,
    CoordinationMemberSerializer,
    CoordinationNotificationSerializer,
    CoordinationOutcomeSerializer,
    CoordinationReadResultSerializer,
    CoordinationReadSerializer,
    CoordinationReferralInputSerializer,
    CoordinationReferralKindSerializer,
    CoordinationReferralSerializer,
)

__all__ = [
    "ActionListApi",
    "ActionUpdateApi",
    "BodyListApi",
    "CandidateListApi",
    "CaseListApi",
    "CoordinatingBodySerializer",
    "CoordinationActionSerializer",
    "CoordinationAnswerSerializer",
    "CoordinationCandidateSerializer",
    "CoordinationCaseSerializer",
    "CoordinationDecisionSerializer",
    "CoordinationItemUpdateSerializer",
    "CoordinationMeetingSerializer",
    "CoordinationMemberSerializer",
    "CoordinationNotificationSerializer",
    "CoordinationOutcomeSerializer",
    "CoordinationReadResultSerializer",
    "CoordinationReadSerializer",
    "CoordinationReferralInputSerializer",
    "CoordinationReferralKindSerializer",
    "CoordinationReferralSerializer",
    "CoordinationUser",
    "DecisionListApi",
    "DecisionUpdateApi",
    "KEEPERS",
    "Keeper",
    "MeetingListApi",
    "NotificationListApi",
    "NotificationReadApi",
    "ReferralAnswerApi",
    "ReferralDetailApi",
    "ReferralKindListApi",
    "ReferralListApi",
    "ReferralOutcomeApi",
    "USERS",
    "get_for_user_or_404",
]
