"""Workflows of the case registry. Every rule of the registry is enforced here, not in views:
pages, the API and the importer all call these functions.

Each kind of record has its module (``services_persons.py``, ``services_incidents.py``,
``services_orders.py``, ``services_requirements.py``, ``services_offences.py``,
``services_risk.py``; shared checks in ``services_common.py``); this module gathers their
public names, which callers import from here.
"""

from __future__ import annotations

from qorgau.registry.identities import IIN_NOT_USABLE as IIN_NOT_USABLE
from qorgau.registry.identities import IinOutsideScope as IinOutsideScope
from qorgau.registry.identities import iin_refusals_audited as iin_refusals_audited
from qorgau.registry.names import IDENTITY_FIELDS as IDENTITY_FIELDS
from qorgau.registry.names import Identity as Identity
from qorgau.registry.names import person_identities as person_identities
from qorgau.registry.services_common import IN_FUTURE as IN_FUTURE
from qorgau.registry.services_common import INCIDENT_OUTSIDE_SCOPE as INCIDENT_OUTSIDE_SCOPE
from qorgau.registry.services_common import NOT_A_DISTRICT as NOT_A_DISTRICT
from qorgau.registry.services_common import OFFENDER_PROTECTED as OFFENDER_PROTECTED
from qorgau.registry.services_common import OUTSIDE_SCOPE as OUTSIDE_SCOPE
from qorgau.registry.services_common import PERSON_OUTSIDE_SCOPE as PERSON_OUTSIDE_SCOPE
from qorgau.registry.services_incidents import NEEDS_VICTIM as NEEDS_VICTIM
from qorgau.registry.services_incidents import REPORTED_BEFORE_OCCURRED as REPORTED_BEFORE_OCCURRED
from qorgau.registry.services_incidents import incident_register as incident_register
from qorgau.registry.services_offences import offence_record as offence_record
from qorgau.registry.services_offences import (
    reconciliations_by_offender as reconciliations_by_offender,
)
from qorgau.registry.services_orders import BEFORE_INCIDENT as BEFORE_INCIDENT
from qorgau.registry.services_orders import NO_PROTECTED as NO_PROTECTED
from qorgau.registry.services_orders import OFFENDER_TOO_YOUNG as OFFENDER_TOO_YOUNG
from qorgau.registry.services_orders import ORDER_NOT_IN_FORCE as ORDER_NOT_IN_FORCE
from qorgau.registry.services_orders import PROHIBITION_NOT_ALLOWED as PROHIBITION_NOT_ALLOWED
from qorgau.registry.services_orders import order_check_in as order_check_in
from qorgau.registry.services_orders import order_extend as order_extend
from qorgau.registry.services_orders import order_issue as order_issue
from qorgau.registry.services_orders import order_revoke as order_revoke
from qorgau.registry.services_orders import order_serve as order_serve
from qorgau.registry.services_orders import order_violation_record as order_violation_record
from qorgau.registry.services_persons import iin_pseudonym as iin_pseudonym
from qorgau.registry.services_persons import person_find_by_iin as person_find_by_iin
from qorgau.registry.services_persons import person_register as person_register
from qorgau.registry.services_requirements import CONDITION_NOT_ALLOWED as CONDITION_NOT_ALLOWED
from qorgau.registry.services_requirements import TERM_OUT_OF_RANGE as TERM_OUT_OF_RANGE
from qorgau.registry.services_requirements import requirement_extend as requirement_extend
from qorgau.registry.services_requirements import requirement_set as requirement_set
from qorgau.registry.services_requirements import (
    requirement_violation_record as requirement_violation_record,
)
from qorgau.registry.services_risk import LOWER_LEVEL as LOWER_LEVEL
from qorgau.registry.services_risk import RAISE_NEEDS_REASON as RAISE_NEEDS_REASON
from qorgau.registry.services_risk import risk_assess as risk_assess
from qorgau.registry.services_risk import risk_reassessment_overdue as risk_reassessment_overdue
from qorgau.registry.timeline import TimelineEvent as TimelineEvent
from qorgau.registry.timeline import household_of as household_of
from qorgau.registry.timeline import household_timeline as household_timeline
