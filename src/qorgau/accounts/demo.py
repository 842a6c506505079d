"""Demo accounts: one user per role, in a few real territories, all with one known password."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from qorgau.accounts.models import Organisation, OrganisationKind, User
from qorgau.accounts.roles import Role
from qorgau.accounts.setup_services import Names, organisation_create, organisation_update
from qorgau.territory.models import Territory

DEMO_PASSWORD = "qorgau-demo"  # noqa: S105  (printed on the console by `make demo`)
SEMEY = "101000000"
ABAI_REGION = "100000000"
MEDEU = "751710000"  # Medeu district of Almaty city
COUNTRY = "000000000"
SETUP_ADMINISTRATOR = "admin.abai"  # sets up the demo organisations of Abai


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    territory_code: str | None = None
    organisation: str | None = None
    first_name: str = ""
    last_name: str = ""


DEMO_ORGANISATIONS = [
    ("Crisis centre «Qorgau-Semey» (demo)", OrganisationKind.CRISIS_CENTRE, SEMEY),
    ("Family psychological support centre, Semey (demo)", OrganisationKind.PROGRAM_PROVIDER, SEMEY),
    ("City polyclinic No. 1, Semey (demo)", OrganisationKind.HEALTH, SEMEY),
    ("Legal aid office, Semey (demo)", OrganisationKind.LEGAL_AID, SEMEY),
]

# the demo organisations' names in Kazakh and Russian (the English one is the name as entered)
DEMO_NAMES = {
    DEMO_ORGANISATIONS[0][0]: (
        "«Qorgau-Semey» дағдарыс орталығы (демо)",
        "Кризисный центр «Qorgau-Semey» (демо)",
    ),
    DEMO_ORGANISATIONS[1][0]: (
        "Семей қаласының отбасына психологиялық қолдау көрсету орталығы (демо)",
        "Центр психологической поддержки семьи, Семей (демо)",
    ),
    DEMO_ORGANISATIONS[2][0]: (
        "Семей қаласының №1 қалалық емханасы (демо)",
        "Городская поликлиника № 1, Семей (демо)",
    ),
    DEMO_ORGANISATIONS[3][0]: (
        "Семей қаласының заң көмегі бюросы (демо)",
        "Бюро юридической помощи, Семей (демо)",
    ),
}

DEMO_ACCOUNTS = [
    DemoAccount("admin", Role.ADMINISTRATOR, COUNTRY, first_name="Aigerim", last_name="Sadykova"),
    DemoAccount(
        "admin.abai", Role.ADMINISTRATOR, ABAI_REGION, first_name="Marat", last_name="Ospanov"
    ),
    DemoAccount(
        "inspector.semey", Role.POLICE_INSPECTOR, SEMEY, first_name="Erlan", last_name="Bekov"
    ),
    DemoAccount(
        "inspector.medeu", Role.POLICE_INSPECTOR, MEDEU, first_name="Dana", last_name="Kim"
    ),
    DemoAccount(
        "police.abai", Role.POLICE_SUPERVISOR, ABAI_REGION, first_name="Nurlan", last_name="Kaliyev"
    ),
    DemoAccount(
        "court.abai", Role.COURT_LIAISON, ABAI_REGION, first_name="Saule", last_name="Nurova"
    ),
    DemoAccount(
        "coordinator.abai",
        Role.AKIMAT_COORDINATOR,
        ABAI_REGION,
        first_name="Gulnar",
        last_name="Abenova",
    ),
    DemoAccount(
        "provider.semey",
        Role.PROGRAM_PROVIDER,
        organisation=DEMO_ORGANISATIONS[1][0],
        first_name="Timur",
        last_name="Akhmetov",
    ),
    DemoAccount(
        "crisis.semey",
        Role.CRISIS_CENTRE,
        organisation=DEMO_ORGANISATIONS[0][0],
        first_name="Zhanna",
        last_name="Seitova",
    ),
    DemoAccount(
        "crisis.head.semey",
        Role.CRISIS_CENTRE_SUPERVISOR,
        organisation=DEMO_ORGANISATIONS[0][0],
        first_name="Gulnara",
        last_name="Abenova",
    ),
    DemoAccount(
        "analyst", Role.NATIONAL_ANALYST, COUNTRY, first_name="Askar", last_name="Zhunusov"
    ),
    DemoAccount("auditor", Role.AUDITOR, COUNTRY, first_name="Lyazzat", last_name="Omarova"),
    DemoAccount("clerk", Role.DATA_CLERK, COUNTRY, first_name="Madina", last_name="Tulegenova"),
    DemoAccount("steward", Role.DATA_STEWARD, COUNTRY, first_name="Bolat", last_name="Iskakov"),
    DemoAccount(
        "finance.abai", Role.FINANCE_OFFICER, ABAI_REGION, first_name="Aliya", last_name="Bekova"
    ),
    DemoAccount(
        "health.semey",
        Role.AGENCY_OFFICER,
        organisation=DEMO_ORGANISATIONS[2][0],
        first_name="Yerzhan",
        last_name="Mukanov",
    ),
    DemoAccount(
        "legal.semey",
        Role.AGENCY_OFFICER,
        organisation=DEMO_ORGANISATIONS[3][0],
        first_name="Daniyar",
        last_name="Kassymov",
    ),
]


def _account(account: DemoAccount, organisations: dict[str, Organisation]) -> User:
    user, _created = User.objects.update_or_create(
        username=account.username,
        defaults={
            "role": account.role,
            "territory": Territory.objects.by_code(account.territory_code)
            if account.territory_code
            else None,
            "organisation": organisations[account.organisation] if account.organisation else None,
            "first_name": account.first_name,
            "last_name": account.last_name,
            "is_active": True,
            "must_change_password": False,
        },
    )
    user.full_clean(exclude=["password"])
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def demo_names(name: str, kk: str, ru: str) -> Names:
    """A demo row's names in the three languages, entered as an administrator would."""
    return {"name_kk": kk, "name_ru": ru, "name_en": name}


def _organisation(actor: User, name: str, kind: str, code: str) -> Organisation:
    """The demo organisation, set up as an administrator would (created, or reset)."""
    territory = Territory.objects.by_code(code)
    names = demo_names(name, *DEMO_NAMES[name])
    existing = Organisation.objects.filter(name=name, territory=territory).first()
    if existing is None:
        return organisation_create(actor=actor, name=name, kind=kind, territory=territory, **names)
    return organisation_update(
        actor=actor, organisation=existing, kind=kind, is_active=True, **names
    )


@transaction.atomic
def demo_accounts_create() -> list[User]:
    """Create (or reset) the demo accounts and organisations; safe to re-run.

    The organisations are set up by the demo administrator of their region through the setup
    services, so the demo goes the way a new installation does.
    """
    users = {a.username: _account(a, {}) for a in DEMO_ACCOUNTS if not a.organisation}
    organisations = {
        name: _organisation(users[SETUP_ADMINISTRATOR], name, kind, code)
        for name, kind, code in DEMO_ORGANISATIONS
    }
    for account in DEMO_ACCOUNTS:
        if account.organisation:
            users[account.username] = _account(account, organisations)
    return [users[account.username] for account in DEMO_ACCOUNTS]
