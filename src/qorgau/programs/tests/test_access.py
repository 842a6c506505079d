"""Every role on every page and endpoint of the programmes.

A provider sees only its own participants (organisation scope); the district police and the
court liaison see the participants and reports of their territory; the coordinator keeps the
register and sees demand, never people; the analyst sees aggregates only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, SEMEY
from qorgau.programs import services
from qorgau.programs.models import PartnerSafetyReport, PossibleViolation
from qorgau.programs.tests.conftest import START, TODAY, World, enrol
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db

R = Role
EVALUATORS = {R.PROGRAM_PROVIDER, R.AKIMAT_COORDINATOR, R.NATIONAL_ANALYST}
CASEWORK = {R.PROGRAM_PROVIDER, R.POLICE_INSPECTOR, R.POLICE_SUPERVISOR, R.COURT_LIAISON}
INDEX = EVALUATORS | CASEWORK

# page or endpoint → roles that get 200 (every other role gets 403 or 404)
ALLOWED: dict[str, set[Role]] = {
    "index": INDEX,
    "provider_list": EVALUATORS,
    "provider_create": {R.AKIMAT_COORDINATOR},
    "provider_detail": EVALUATORS,
    "programme_create": {R.AKIMAT_COORDINATOR},
    "programme_detail": EVALUATORS,
    "programme_edit": {R.AKIMAT_COORDINATOR},
    "demand": EVALUATORS,
    "participants": {R.PROGRAM_PROVIDER},
    "enrol": {R.PROGRAM_PROVIDER},
    "enrolment_detail": CASEWORK,
    "enrolment_action": {R.PROGRAM_PROVIDER},
    "partner_report": {R.PROGRAM_PROVIDER},
    "attendance_import": {R.PROGRAM_PROVIDER},
    "violations": CASEWORK,
    "violation_resolve": {R.POLICE_INSPECTOR, R.POLICE_SUPERVISOR, R.COURT_LIAISON},
    "evaluation": EVALUATORS,
    "evaluation_chart": EVALUATORS,
    "evaluation_csv": EVALUATORS,
    "api:programme-providers": EVALUATORS,
    "api:programmes": EVALUATORS,
    "api:programme-demand": EVALUATORS,
    "api:programme-candidates": {R.PROGRAM_PROVIDER},
    "api:programme-enrolments": CASEWORK,
    "api:programme-enrolment": CASEWORK,
    "api:programme-possible-violations": CASEWORK,
    "api:programme-evaluation": EVALUATORS,
}


def _user_for(role: str, world: World, make_user: Any) -> Any:
    if role == R.PROGRAM_PROVIDER:
        return world.staff
    if role in (R.CRISIS_CENTRE, R.CRISIS_CENTRE_SUPERVISOR, R.AGENCY_OFFICER):
        organisation = Organisation.objects.create(
            name=f"{role} org",
            kind=OrganisationKind.CRISIS_CENTRE,
            territory=Territory.objects.by_code(ABAI),
        )
        return make_user(role, organisation=organisation)
    if role in (R.POLICE_INSPECTOR,):
        return make_user(role, SEMEY)
    if role in (R.COURT_LIAISON, R.AKIMAT_COORDINATOR, R.POLICE_SUPERVISOR):
        return make_user(role, ABAI)
    return make_user(role, "000000000")


def _urls(world: World) -> dict[str, str]:
    enrolment = enrol(world, world.requirements[0])
    services.attendance_record(
        actor=world.staff,
        enrolment=enrolment,
        held_on=START + dt.timedelta(days=10),
        attended=False,
    )
    report = PossibleViolation.objects.get()
    partner = services.partner_report_record(
        actor=world.staff,
        enrolment=enrolment,
        reported_on=TODAY,
        consent_given_on=TODAY,
        feeling="safe",
        abuse_since_start=False,
        text="calmer",
    )
    assert isinstance(partner, PartnerSafetyReport)
    p, prog = world.provider.pk, world.programme.pk
    page = {
        "index": [],
        "provider_list": [],
        "provider_create": [],
        "provider_detail": [p],
        "programme_create": [p],
        "programme_detail": [prog],
        "programme_edit": [prog],
        "demand": [],
        "participants": [],
        "enrol": [world.requirements[1].pk],
        "enrolment_detail": [enrolment.pk],
        "enrolment_action": [enrolment.pk, "complete"],
        "partner_report": [partner.pk],
        "attendance_import": [],
        "violations": [],
        "violation_resolve": [report.pk],
        "evaluation": [],
        "evaluation_chart": ["group"],
        "evaluation_csv": [],
    }
    urls = {name: reverse(f"programs:{name}", args=args) for name, args in page.items()}
    api = {
        "api:programme-providers": [],
        "api:programmes": [],
        "api:programme-demand": [],
        "api:programme-candidates": [],
        "api:programme-enrolments": [],
        "api:programme-enrolment": [enrolment.pk],
        "api:programme-possible-violations": [],
        "api:programme-evaluation": [],
    }
    for name, args in api.items():
        urls[name] = reverse(f"v1:{name.split(':')[1]}", args=args)
    return urls


def test_the_matrix_names_every_page_and_endpoint() -> None:
    from qorgau.programs import api_urls, urls

    names = {p.name for p in urls.urlpatterns} | {f"api:{p.name}" for p in api_urls.urlpatterns}
    untested = {
        "api:programme-enrolment-attendance",
        "api:programme-enrolment-complete",
        "api:programme-enrolment-admit",
        "api:programme-enrolment-drop-out",
        "api:programme-attendance-import",
    }  # POST-only: their access is tested in test_api
    untested |= {
        "setup_provider_list",
        "setup_provider_create",
        "setup_provider_edit",
        "api:programme-setup-provider-list",
        "api:programme-setup-provider-detail",
    }  # the administrator's set-up: every role tested in tests/test_setup.py and the walk
    assert names - untested == set(ALLOWED)


def test_every_role_on_every_page(world: World, make_user: Any, signed_in: Any) -> None:
    urls = _urls(world)
    failures = []
    for role in Role:
        client = signed_in(_user_for(role, world, make_user))
        for name, url in urls.items():
            status = client.get(url).status_code
            allowed = role in ALLOWED[name]
            if (status == 200) != allowed or status not in (200, 403, 404):
                failures.append((role.value, name, status))
    assert failures == []


def test_a_provider_sees_only_its_own_participants(world: World, signed_in: Any) -> None:
    enrolment = enrol(world, world.requirements[0])
    own = signed_in(world.staff).get(reverse("v1:programme-enrolments")).json()
    assert [row["id"] for row in own["results"]] == [enrolment.pk]
    outsider = signed_in(world.outsider)
    assert outsider.get(reverse("v1:programme-enrolments")).json()["results"] == []
    assert (
        outsider.get(reverse("programs:enrolment_detail", args=[enrolment.pk])).status_code == 404
    )
    assert outsider.get(reverse("v1:programme-enrolment", args=[enrolment.pk])).status_code == 404


def test_police_elsewhere_do_not_see_the_participant(world: World, signed_in: Any) -> None:
    enrolment = enrol(world, world.requirements[0])
    client = signed_in(world.inspector_elsewhere)
    assert client.get(reverse("programs:enrolment_detail", args=[enrolment.pk])).status_code == 404


def test_the_analyst_sees_no_person(world: World, signed_in: Any) -> None:
    enrol(world, world.requirements[0])
    client = signed_in(world.analyst)
    body = client.get(reverse("programs:programme_detail", args=[world.programme.pk])).content
    assert b"E-0" not in body and b"P-0" not in body


def test_anonymous_visitors_are_sent_to_sign_in(world: World, client: Any) -> None:
    urls = _urls(world)
    for name, url in urls.items():
        status = client.get(url).status_code
        assert status in ((401, 403) if name.startswith("api:") else (302,)), (name, status)
