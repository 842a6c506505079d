"""The demo's working day: what the demo accounts need, set up the way an administrator sets
up a new installation, and the synthetic country's data handed to the demo organisations.

``qorgau demo_accounts`` runs this after ``qorgau synth`` (``make demo``). The demo
administrator of Abai sets up, through the same services as the setup pages, a coordinating
body of Semey with the demo organisations as members (and seats them on the region's body),
the demo provider on the register, and help-directory entries; the coordinator gives the
provider a programme. Then each part hands the demo organisation the synthetic work of its
region's synthetic agency of the same kind (actions, referrals, register records, monthly
totals, participants), so every demo account starts with a full day of work in Semey.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from qorgau.accounts.demo import ABAI_REGION, SEMEY, SETUP_ADMINISTRATOR, demo_names
from qorgau.accounts.models import Organisation, User
from qorgau.cases.demo import demo_cases_create
from qorgau.citizens.models import HelpService, ServiceKind
from qorgau.citizens.setup_services import help_entry_create, help_entry_update
from qorgau.coordination import synthesis as coordination_synthesis
from qorgau.coordination.models import CoordinatingBody, MemberRole, Membership
from qorgau.coordination.setup_services import body_create, body_update, member_add
from qorgau.monitoring import synthesis as monitoring_synthesis
from qorgau.programs import synthesis as programs_synthesis
from qorgau.programs.models import Accreditation, Ownership, Programme, ProgrammeFormat, Provider
from qorgau.programs.services import programme_save
from qorgau.programs.setup_services import provider_setup
from qorgau.registry import synthesis as registry_synthesis
from qorgau.territory.models import Territory

COORDINATOR = "coordinator.abai"
SEMEY_BODY = "Coordinating body for family, children and youth affairs, Semey city akimat (demo)"
SEMEY_BODY_NAMES = demo_names(
    SEMEY_BODY,
    "Семей қаласы әкімдігінің отбасы, балалар және жастар істері жөніндегі үйлестіру кеңесі (демо)",
    "Координационный совет по делам семьи, детей и молодёжи акимата города Семей (демо)",
)
ACCREDITED = (dt.date(2024, 6, 16), dt.date(2027, 6, 15))
PROGRAMME = {
    "name": "«Жаңа өмір» (demo)",
    "curriculum": "Responsibility; anger management; effects of violence on children; safety "
    "plan; communication without violence.",
    "sessions": 12,
    "format": ProgrammeFormat.GROUP,
    "languages": ["kk", "ru"],
    "capacity": 12,
    "accreditation": Accreditation.ACCREDITED,
    "accredited_until": ACCREDITED[1],
}
# the demo's own help-directory entries, in the three languages as an administrator enters them
HELP_ENTRIES: list[dict[str, Any]] = [
    {
        "name": "Crisis centre «Qorgau-Semey» (demo)",
        "name_kk": "«Qorgau-Semey» дағдарыс орталығы (демо)",
        "name_ru": "Кризисный центр «Qorgau-Semey» (демо)",
        "name_en": "Crisis centre «Qorgau-Semey» (demo)",
        "kind": ServiceKind.CRISIS_CENTRE,
        "address": "Семей, Абай к-сі, 1",
        "phone": "+7 7222 00 00 01",
        "hours": "24/7",
        "description": "Shelter, psychologist and lawyer for women and children (demo).",
        "description_kk": "Әйелдер мен балаларға арналған баспана, психолог және заңгер (демо).",
        "description_ru": "Приют, психолог и юрист для женщин и детей (демо).",
        "description_en": "Shelter, psychologist and lawyer for women and children (demo).",
    },
    {
        "name": "Family psychological support centre, Semey (demo)",
        "name_kk": "Семей қаласының отбасына психологиялық қолдау көрсету орталығы (демо)",
        "name_ru": "Центр психологической поддержки семьи, Семей (демо)",
        "name_en": "Family psychological support centre, Semey (demo)",
        "kind": ServiceKind.PSYCHOLOGIST,
        "address": "Семей, Шәкәрім к-сі, 2",
        "phone": "+7 7222 00 00 02",
        "hours": "09:00–18:00",
        "description": "Free consultations of a family psychologist (demo).",
        "description_kk": "Отбасылық психологтың тегін кеңестері (демо).",
        "description_ru": "Бесплатные консультации семейного психолога (демо).",
        "description_en": "Free consultations of a family psychologist (demo).",
    },
]


@transaction.atomic
def demo_world_create(users: list[User]) -> dict[str, int]:
    """Set up and fill the demo organisations' work; safe to re-run; counts of rows."""
    by_name = {user.username: user for user in users}
    admin = by_name[SETUP_ADMINISTRATOR]
    crisis, provider, health, legal = (
        _organisation_of(by_name[name])
        for name in ("crisis.semey", "provider.semey", "health.semey", "legal.semey")
    )
    members = _bodies(admin, [crisis, provider, health, legal])
    programme = _programme(admin, by_name[COORDINATOR], provider)
    entries = _help_entries(admin)
    adopted = _adopt(crisis, health, programme)
    adopted["coordination"] += coordination_synthesis.demo_adopt(legal)
    cases = demo_cases_create(
        worker=by_name["crisis.semey"],
        head=by_name["crisis.head.semey"],
        legal=legal,
        health=health,
        officers=[by_name["health.semey"], by_name["legal.semey"]],
    )
    return {"members": members, "help entries": entries, **adopted, "survivor cases": cases}


def _organisation_of(user: User) -> Organisation:
    if user.organisation is None:
        raise LookupError(f"{user.username} has no organisation")
    return user.organisation


def _bodies(admin: User, organisations: list[Organisation]) -> int:
    """Semey's own body with the demo organisations, who also sit on the region's body."""
    semey = Territory.objects.by_code(SEMEY)
    body = CoordinatingBody.objects.filter(name=SEMEY_BODY, territory=semey).first()
    if body is None:
        body = body_create(actor=admin, name=SEMEY_BODY, territory=semey, **SEMEY_BODY_NAMES)
    else:
        body = body_update(actor=admin, body=body, **SEMEY_BODY_NAMES)
    region = Territory.objects.by_code(ABAI_REGION)
    seated = 0
    for each in [body, *CoordinatingBody.objects.filter(territory=region, is_active=True)]:
        for organisation in organisations:
            if not Membership.objects.filter(body=each, organisation=organisation).exists():
                member_add(
                    actor=admin, body=each, organisation=organisation, role=MemberRole.MEMBER
                )
                seated += 1
    return seated


def _programme(admin: User, coordinator: User, organisation: Organisation) -> Programme:
    """The demo provider on the register (administrator) with a programme (coordinator)."""
    provider = Provider.objects.filter(organisation=organisation).first()
    if provider is None:
        provider = provider_setup(
            actor=admin,
            organisation=organisation,
            ownership=Ownership.STATE,
            accreditation=Accreditation.ACCREDITED,
            accredited_from=ACCREDITED[0],
            accredited_until=ACCREDITED[1],
        )
    programme = provider.programmes.order_by("pk").first()
    if programme is None:
        programme = programme_save(
            actor=coordinator, programme=Programme(provider=provider, **PROGRAMME)
        )
    return programme


def _help_entries(admin: User) -> int:
    region = Territory.objects.by_code(ABAI_REGION)
    created = 0
    for entry in HELP_ENTRIES:
        found = HelpService.objects.filter(name=entry["name"], region=region).first()
        if found is None:
            help_entry_create(actor=admin, region=region, **entry)
            created += 1
        elif any(getattr(found, field) != value for field, value in entry.items()):
            help_entry_update(actor=admin, entry=found, **entry)  # an older demo's entry
    return created


def _adopt(crisis: Organisation, health: Organisation, programme: Programme) -> dict[str, int]:
    region = Territory.objects.by_code(ABAI_REGION)
    return {
        "coordination": coordination_synthesis.demo_adopt(crisis)
        + coordination_synthesis.demo_adopt(health),
        "monthly totals": monitoring_synthesis.demo_adopt(crisis, region),
        "register records": registry_synthesis.demo_adopt(
            crisis, register="crisis_centre", territory=crisis.territory
        )
        + registry_synthesis.demo_adopt(health, register="health", territory=health.territory),
        "participants": programs_synthesis.demo_adopt(programme),
    }
