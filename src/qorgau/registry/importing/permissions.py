"""Who may import what: the police extracts, and the records of each register outside the police.

The command, the Imports page and the API all ask here, so that one rule decides. The police,
court and prosecution extracts need ``registry.import_records`` (the data clerk). The records of
a register outside the police need that register's permission; an organisation-scoped user
(a crisis centre, a polyclinic's agency officer) moreover imports only the register its own
organisation keeps: a polyclinic does not load crisis-centre files, however its role is set up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import OrganisationKind, User
from qorgau.accounts.roles import IMPORT_RECORDS, IMPORT_REGISTER_PERMISSIONS
from qorgau.registry.importing.fields import Reason
from qorgau.registry.models import ImportJob, Register

if TYPE_CHECKING:
    from qorgau.accounts.typing import RequestUser, Viewer


MAY_NOT_IMPORT_KIND = _("You may not import this kind of extract.")
MAY_NOT_IMPORT_REGISTER = _("You may not import records of this register.")

# The register an organisation of each kind keeps; kinds not listed keep none of them. The 111
# line is run centrally: only country- or region-wide clerks load it.
ORGANISATION_REGISTERS: dict[str, str] = {
    OrganisationKind.HEALTH: Register.HEALTH,
    OrganisationKind.SOCIAL_PROTECTION: Register.SOCIAL,
    OrganisationKind.CRISIS_CENTRE: Register.CRISIS_CENTRE,
    OrganisationKind.FAMILY_SUPPORT_CENTRE: Register.CRISIS_CENTRE,
    OrganisationKind.SHELTER: Register.CRISIS_CENTRE,
}


def may_import_register(user: Viewer, register: str) -> bool:
    """Whether ``user`` may import records of ``register`` (``None`` is the system: yes; nobody
    signed in: no)."""
    if user is None:
        return True
    if not isinstance(user, User):
        return False
    permission = IMPORT_REGISTER_PERMISSIONS.get(register)
    if permission is None or not user.has_perm(permission):
        return False
    if user.organisation is not None:
        return ORGANISATION_REGISTERS.get(user.organisation.kind) == register
    return True


def registers_for(user: Viewer) -> list[str]:
    """The registers ``user`` may import, in the order of :class:`Register`."""
    return [str(register) for register in Register.values if may_import_register(user, register)]


def may_import(user: Viewer, kind: str, register: str = "") -> bool:
    """Whether ``user`` may import an extract of ``kind`` (and, for register records, of
    ``register``)."""
    if kind == ImportJob.Kind.REGISTER_RECORDS:
        return may_import_register(user, register)
    return user is None or bool(user.has_perm(IMPORT_RECORDS))


def kinds_for(user: RequestUser) -> list[str]:
    """The kinds of extract ``user`` may import at all, in the order of the job's kinds."""
    police = user.has_perm(IMPORT_RECORDS)
    records = bool(registers_for(user))
    return [
        str(kind)
        for kind in ImportJob.Kind.values
        if (records if kind == ImportJob.Kind.REGISTER_RECORDS else police)
    ]


def may_use_importer(user: RequestUser) -> bool:
    """Whether ``user`` may open the Imports page and upload something there."""
    return bool(kinds_for(user))


def refusal(kind: str) -> Reason:
    """The message refusing ``kind`` (or a register of it) to a user."""
    if kind == ImportJob.Kind.REGISTER_RECORDS:
        return MAY_NOT_IMPORT_REGISTER
    return MAY_NOT_IMPORT_KIND
