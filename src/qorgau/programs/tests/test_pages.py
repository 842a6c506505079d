"""The stories end to end on the pages, the monitoring measures, and the synthetic data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from qorgau.monitoring.measures import MEASURES
from qorgau.programs import services, synthesis
from qorgau.programs.models import Enrolment, EnrolmentStatus, Programme, Provider
from qorgau.programs.outcomes import cohort_frame
from qorgau.programs.tests.conftest import START, TODAY, World, make_requirement
from qorgau.registry.models import Offence
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db


def test_provider_enrols_records_and_completes_on_the_pages(world: World, signed_in: Any) -> None:
    client = signed_in(world.staff)
    listing = client.get(reverse("programs:participants"))
    requirement = world.requirements[0]
    assert requirement.offender.label.encode() in listing.content
    response = client.post(
        reverse("programs:enrol", args=[requirement.pk]),
        {"programme": world.programme.pk, "on": (START + dt.timedelta(days=5)).isoformat()},
    )
    enrolment = Enrolment.objects.get()
    assert response.status_code == 302
    action = reverse("programs:enrolment_action", args=[enrolment.pk, "attendance"])
    for week in range(4):
        day = START + dt.timedelta(days=10 + 7 * week)
        client.post(action, {"held_on": day.isoformat(), "attended": "on"})
    missed = client.post(
        action, {"held_on": (START + dt.timedelta(days=60)).isoformat(), "reason": "ill"}
    )
    assert missed.status_code == 302
    refused = client.post(action, {"held_on": (TODAY + dt.timedelta(days=2)).isoformat()})
    assert b"future" in refused.content
    client.post(
        reverse("programs:enrolment_action", args=[enrolment.pk, "complete"]),
        {"on": TODAY.isoformat()},
    )
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    detail = client.get(enrolment.get_absolute_url())
    assert b"Missed session 5" in detail.content
    police = signed_in(world.inspector).get(reverse("programs:violations"))
    assert b"Missed session 5" in police.content


def test_coordinator_registers_a_provider_and_a_programme(
    world: World, signed_in: Any, make_organisation: Any
) -> None:
    organisation = make_organisation("Semey NGO", "101000000", kind="program_provider")
    client = signed_in(world.coordinator)
    response = client.post(
        reverse("programs:provider_create"),
        {"organisation": organisation.pk, "ownership": "ngo", "accreditation": "accredited"},
    )
    assert response.status_code == 302, response.content
    provider = Provider.objects.get(organisation=organisation)
    assert provider.region.kato_code == "100000000"
    response = client.post(
        reverse("programs:programme_create", args=[provider.pk]),
        {
            "name": "Men's group",
            "sessions": 12,
            "format": "group",
            "languages": ["kk", "ru"],
            "capacity": 10,
            "accreditation": "accredited",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Programme.objects.get(name="Men's group").languages == ["kk", "ru"]
    demand = client.get(reverse("programs:demand"), {"format": "csv"})
    assert demand.content.decode().splitlines()[1].startswith("100000000,3,3,0,0,12")


def test_measures_are_registered_with_monitoring(world: World) -> None:
    enrolment = services.enrolment_create(
        actor=world.staff,
        requirement=world.requirements[0],
        programme=world.programme,
        on=START + dt.timedelta(days=5),
    )
    for name in ("programme_obliged", "programme_enrolled", "programme_completed"):
        assert name in MEASURES
    assert len(list(MEASURES["programme_obliged"](None))) == 3
    rows = list(MEASURES["programme_enrolled"](None))
    assert [(r.day, r.district_id) for r in rows] == [
        (enrolment.enrolled_on, enrolment.district_id)
    ]
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status="completed", ended_on=START + dt.timedelta(60)
    )
    Offence.objects.create(
        district=enrolment.district,
        offender=enrolment.offender,
        kind="administrative",
        article="73",
        committed_on=START + dt.timedelta(days=90),
    )
    assert len(list(MEASURES["programme_completed"](None))) == 1
    assert len(list(MEASURES["programme_reoffended_12m"](None))) == 1


def test_synthesis_on_registry_requirements_and_the_evaluation_page(
    world: World, signed_in: Any
) -> None:
    for i in range(160):
        make_requirement(
            "101000000" if i % 2 else "751710000",
            starts_on=TODAY - dt.timedelta(days=60 + 4 * i),
        )
    counts = synthesis.synthesise(seed=3)
    assert counts["enrolments"] > 60
    assert counts["sessions"] > counts["enrolments"]
    regions = Territory.objects.current().regions().count()
    assert Provider.objects.filter(source="synth").count() == 2 * regions
    frame = cohort_frame()
    assert set(frame["group"]) >= {"completed", "not_attended"}
    page = signed_in(world.analyst).get(reverse("programs:evaluation"))
    assert page.status_code == 200
    assert b"Nobody was assigned" in page.content
    chart = signed_in(world.analyst).get(reverse("programs:evaluation_chart", args=["group"]))
    assert chart["Content-Type"] == "image/svg+xml"
    assert b"<svg" in chart.content
    synthesis.clear()
    assert not Provider.objects.filter(source="synth").exists()
    assert not Enrolment.objects.filter(source="synth").exists()
    assert not Offence.objects.filter(source_record_id__startswith="programs-").exists()


def test_non_attenders_are_followed_from_the_same_landmark(world: World) -> None:
    attender, never = world.requirements[0], world.requirements[1]
    enrolment = services.enrolment_create(
        actor=world.staff, requirement=attender, programme=world.programme, on=START
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status="completed", ended_on=START + dt.timedelta(days=60)
    )
    # A re-offence 30 days into the requirement: during the programme for the attender, so
    # it must not count against the non-attender either.
    Offence.objects.create(
        district=never.district,
        offender=never.offender,
        kind="administrative",
        article="73",
        committed_on=START + dt.timedelta(days=30),
    )
    frame = cohort_frame().set_index("requirement")
    assert frame.loc[never.pk, "origin"] == START + dt.timedelta(days=60)
    assert frame.loc[never.pk, "event"] == 0
    naive = cohort_frame(landmark=False).set_index("requirement")
    assert naive.loc[never.pk, "origin"] == START
    assert naive.loc[never.pk, "event"] == 1
