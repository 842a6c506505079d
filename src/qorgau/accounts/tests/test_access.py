"""Every role and scope against the access layer and every personal-data endpoint.

The expected visibility is computed from KATO codes (a region's units share its first two
digits), independently of the territory tree the access layer walks.
"""

from __future__ import annotations

import pytest

from qorgau.accounts.access import get_for_user, registered_models, restrict
from qorgau.accounts.models import User
from qorgau.accounts.roles import MANAGE_USERS, VIEW_PERSONAL_DATA, Role
from qorgau.audit.services import flow_token
from qorgau.conftest import ABAI, ALMATY_CITY, COUNTRY, KURCHATOV, MEDEU, SEMEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user, make_organisation):
    """A small national staff: people placed in Semey, Kurchatov, Medeu and two centres."""
    semey_centre = make_organisation("Semey crisis centre", SEMEY)
    medeu_centre = make_organisation("Medeu crisis centre", MEDEU)
    return {
        "inspector.semey": make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector.semey"),
        "inspector.kurchatov": make_user(
            Role.POLICE_INSPECTOR, KURCHATOV, username="inspector.kurchatov"
        ),
        "inspector.medeu": make_user(Role.POLICE_INSPECTOR, MEDEU, username="inspector.medeu"),
        "court.abai": make_user(Role.COURT_LIAISON, ABAI, username="court.abai"),
        "coordinator.almaty": make_user(
            Role.AKIMAT_COORDINATOR, ALMATY_CITY, username="coordinator.almaty"
        ),
        "crisis.semey": make_user(
            Role.CRISIS_CENTRE, organisation=semey_centre, username="crisis.semey"
        ),
        "crisis.medeu": make_user(
            Role.CRISIS_CENTRE, organisation=medeu_centre, username="crisis.medeu"
        ),
        "provider.semey": make_user(
            Role.PROGRAM_PROVIDER, organisation=semey_centre, username="provider.semey"
        ),
        "analyst": make_user(Role.NATIONAL_ANALYST, COUNTRY, username="analyst"),
        "auditor": make_user(Role.AUDITOR, COUNTRY, username="auditor"),
        "admin": make_user(Role.ADMINISTRATOR, COUNTRY, username="admin"),
        "admin.abai": make_user(Role.ADMINISTRATOR, ABAI, username="admin.abai"),
        "admin.semey": make_user(Role.ADMINISTRATOR, SEMEY, username="admin.semey"),
        "admin.medeu": make_user(Role.ADMINISTRATOR, MEDEU, username="admin.medeu"),
    }


def _placement_code(user: User) -> str:
    territory = user.organisation.territory if user.organisation else user.territory
    return territory.kato_code


def _expected(viewer: User, everyone: list[User], permission: str) -> set[str]:
    """Who ``viewer`` may see, from KATO code prefixes and organisation identity alone."""
    if not viewer.has_perm(permission):
        return set()
    if viewer.organisation_id:
        return {u.username for u in everyone if u.organisation_id == viewer.organisation_id}
    code = viewer.territory.kato_code
    if code == COUNTRY:
        return {u.username for u in everyone}
    if code.endswith("0000000"):
        return {u.username for u in everyone if _placement_code(u)[:2] == code[:2]}
    return {u.username for u in everyone if _placement_code(u) == code}


@pytest.mark.parametrize("permission", [MANAGE_USERS, VIEW_PERSONAL_DATA])
def test_every_role_and_scope_sees_exactly_its_own_records(staff, permission):
    everyone = list(User.objects.all())
    for name, viewer in staff.items():
        seen = set(
            restrict(User.objects.all(), viewer, permission=permission).values_list(
                "username", flat=True
            )
        )
        assert seen == _expected(viewer, everyone, permission), name


def test_a_district_inspector_does_not_see_another_districts_records(staff):
    semey = restrict(User.objects.all(), staff["inspector.semey"], permission=VIEW_PERSONAL_DATA)
    assert "inspector.medeu" not in set(semey.values_list("username", flat=True))
    assert "inspector.kurchatov" not in set(semey.values_list("username", flat=True))
    assert "inspector.semey" in set(semey.values_list("username", flat=True))


def test_an_analyst_and_an_auditor_see_no_personal_data(staff):
    for name in ("analyst", "auditor"):
        for model in registered_models():
            assert not restrict(model.objects.all(), staff[name]).exists(), (name, model)
            assert not restrict(
                model.objects.all(), staff[name], permission=VIEW_PERSONAL_DATA
            ).exists()


def test_inactive_and_anonymous_users_see_nothing(staff):
    from django.contrib.auth.models import AnonymousUser

    admin = staff["admin"]
    admin.is_active = False
    assert not restrict(User.objects.all(), admin).exists()
    assert not restrict(User.objects.all(), AnonymousUser()).exists()


def test_a_record_outside_scope_is_not_found_rather_than_forbidden(staff):
    from django.http import Http404

    with pytest.raises(Http404):
        get_for_user(User.objects.all(), staff["admin.semey"], staff["inspector.medeu"].pk)
    assert get_for_user(User.objects.all(), staff["admin.semey"], staff["inspector.semey"].pk)


ENDPOINTS = [
    ("page-list", lambda u: "/accounts/users/"),
    ("page-detail", lambda u: f"/accounts/users/{u.pk}/"),
    ("page-edit", lambda u: f"/accounts/users/{u.pk}/edit/"),
    ("api-list", lambda u: "/api/v1/users/"),
    ("api-detail", lambda u: f"/api/v1/users/{u.pk}/"),
]


def test_every_role_against_every_user_endpoint(staff, signed_in):
    """403 for roles that do not manage users, 404 for a record outside scope, 200 within."""
    target = staff["inspector.semey"]
    for name, viewer in staff.items():
        client = signed_in(viewer)
        visible = target.username in _expected(viewer, list(User.objects.all()), MANAGE_USERS)
        for endpoint, url in ENDPOINTS:
            response = client.get(
                url(target)
                + (
                    f"?flow={flow_token(viewer, target)}"
                    if "detail" in endpoint and endpoint.startswith("page")
                    else ""
                )
            )
            if not viewer.has_perm(MANAGE_USERS):
                expected = 403
            elif endpoint.endswith("list") or visible:
                expected = 200
            else:
                expected = 404
            assert response.status_code == expected, (name, endpoint, response.status_code)
            if endpoint == "api-list" and expected == 200:
                usernames = {row["username"] for row in response.json()["results"]}
                assert usernames == _expected(viewer, list(User.objects.all()), MANAGE_USERS), name
