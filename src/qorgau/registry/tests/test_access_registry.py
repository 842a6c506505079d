"""Every role and scope against every registry model, through the one access layer.

Expected visibility comes from KATO codes (a region's units share its first two digits),
independently of the territory tree that the access layer walks.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qorgau.accounts.access import restrict
from qorgau.accounts.roles import VIEW_PERSONAL_DATA, Role
from qorgau.conftest import ABAI, ALMATY_CITY, COUNTRY, KURCHATOV, MEDEU, SEMEY
from qorgau.registry import services as s
from qorgau.registry.models import (
    BehaviourRequirement,
    Incident,
    Offence,
    Person,
    ProtectiveOrder,
    RiskAssessment,
)
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db
MODELS = [Person, Incident, ProtectiveOrder, BehaviourRequirement, Offence, RiskAssessment]


@pytest.fixture
def country_records(make_user):
    """One family's records in each of Semey, Kurchatov, Medeu, and in Semey before 2022."""
    police = make_user(Role.POLICE_SUPERVISOR, ABAI, username="boss")
    court = make_user(Role.COURT_LIAISON, ABAI, username="court")
    national = make_user(Role.ADMINISTRATOR, COUNTRY, username="root", is_superuser=True)
    placed = {}
    for code, day in (
        (SEMEY, dt.date(2025, 3, 1)),
        (KURCHATOV, dt.date(2025, 3, 1)),
        (MEDEU, dt.date(2025, 3, 1)),
        (SEMEY, dt.date(2021, 3, 1)),
    ):
        actor = police if code != MEDEU else national
        district = Territory.objects.by_code(code, on=day)
        victim = s.person_register(actor=actor, sex="F", home_district=district)
        offender = s.person_register(actor=actor, sex="M", birth_date=dt.date(1980, 1, 1))
        when = timezone.make_aware(dt.datetime(day.year, day.month, day.day, 20))
        incident = s.incident_register(
            actor=actor,
            occurred_at=when,
            reported_at=when,
            district=district,
            settlement_type="urban",
            source_channel="call_102",
            victims=[victim],
            offenders=[(offender, "spouse")],
        )
        s.order_issue(
            actor=actor,
            offender=offender,
            protected=[victim],
            issued_on=day,
            served_on=day,
            district=district,
            incident=incident,
        )
        if day.year == 2025:
            s.requirement_set(
                actor=court if code != MEDEU else national,
                offender=offender,
                protected=[victim],
                court="court",
                decided_on=day,
                term_months=3,
                conditions=["no_contact"],
                district=district,
                number=f"r-{code}",
            )
        s.offence_record(
            actor=actor,
            offender=offender,
            kind="administrative",
            article="73",
            committed_on=day,
            district=district,
            incident=incident,
        )
        s.risk_assess(actor=actor, victim=victim, district=district, answers={}, assessed_at=when)
        placed[(code, day.year)] = incident
    return placed


PERSONAS = [
    (Role.POLICE_INSPECTOR, SEMEY),
    (Role.POLICE_INSPECTOR, KURCHATOV),
    (Role.POLICE_INSPECTOR, MEDEU),
    (Role.POLICE_SUPERVISOR, ABAI),
    (Role.POLICE_SUPERVISOR, SEMEY),
    (Role.COURT_LIAISON, ABAI),
    (Role.AKIMAT_COORDINATOR, ALMATY_CITY),
    (Role.AKIMAT_COORDINATOR, ABAI),
    (Role.NATIONAL_ANALYST, COUNTRY),
    (Role.AUDITOR, COUNTRY),
    (Role.ADMINISTRATOR, COUNTRY),
    (Role.ADMINISTRATOR, ABAI),
    (Role.DATA_CLERK, COUNTRY),
]


def _visible_codes(viewer) -> set[str] | None:
    """The KATO codes whose records ``viewer`` may see (None: none at all)."""
    if not viewer.has_perm(VIEW_PERSONAL_DATA):
        return None
    code = viewer.territory.kato_code
    return {
        c
        for c in (SEMEY, KURCHATOV, MEDEU)
        if code == COUNTRY or c == code or (code.endswith("0000000") and c[:2] == code[:2])
    }


@pytest.mark.parametrize("role,code", PERSONAS)
def test_every_role_and_scope_sees_exactly_the_records_of_its_territory(
    country_records, make_user, role, code
):
    viewer = make_user(role, code)
    codes = _visible_codes(viewer)
    expected_incidents = {
        inc.pk for (c, _y), inc in country_records.items() if codes and c in codes
    }
    assert (
        set(restrict(Incident.objects.all(), viewer).values_list("pk", flat=True))
        == expected_incidents
    )
    for model in MODELS:
        rows = restrict(model.objects.all(), viewer)
        if codes is None:
            assert not rows.exists(), (role, model)
            continue
        districts = {
            Territory.objects.get(pk=pk).kato_code
            for pk in (
                rows.values_list("home_district", flat=True)
                if model is Person
                else rows.values_list("district", flat=True)
            )
            if pk
        }
        assert districts <= codes, (role, code, model)
        assert rows.count() == rows.distinct().count()


def test_a_regions_users_also_see_the_records_of_its_districts_before_the_2022_reform(
    country_records, make_user
):
    abai = make_user(Role.POLICE_SUPERVISOR, ABAI)
    east = make_user(Role.POLICE_SUPERVISOR, "630000000")
    old = country_records[(SEMEY, 2021)]
    assert restrict(Incident.objects.all(), abai).filter(pk=old.pk).exists()
    assert not restrict(Incident.objects.all(), east).filter(pk=old.pk).exists()


def test_organisation_roles_see_no_police_records_yet(
    country_records, make_user, make_organisation
):
    centre = make_organisation("Centre", SEMEY)
    for role in (Role.CRISIS_CENTRE, Role.PROGRAM_PROVIDER):
        viewer = make_user(role, organisation=centre)
        for model in MODELS:
            assert not restrict(model.objects.all(), viewer).exists()
