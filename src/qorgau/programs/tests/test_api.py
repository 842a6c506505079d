"""The API and the attendance import: the same rules as the pages, rejects row by row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qorgau.programs.models import EnrolmentStatus, PossibleViolation, SessionAttendance
from qorgau.programs.tests.conftest import START, TODAY, World, enrol, make_requirement

pytestmark = pytest.mark.django_db


def _post(client: Any, name: str, data: dict[str, Any], *args: Any) -> Any:
    return client.post(reverse(f"v1:{name}", args=args), data, content_type="application/json")


def test_a_provider_runs_a_programme_over_the_api(world: World, signed_in: Any) -> None:
    client = signed_in(world.staff)
    candidates = client.get(reverse("v1:programme-candidates")).json()
    assert {row["id"] for row in candidates["results"]} == {r.pk for r in world.requirements}
    first = world.requirements[0]
    on = (START + dt.timedelta(days=5)).isoformat()
    created = _post(
        client,
        "programme-enrolments",
        {"requirement": first.pk, "programme": world.programme.pk, "on": on},
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == EnrolmentStatus.ENROLLED
    again = _post(
        client,
        "programme-enrolments",
        {"requirement": first.pk, "programme": world.programme.pk, "on": on},
    )
    assert again.status_code == 400
    assert "requirement" in again.json()["extra"]["fields"]
    for week in range(4):
        day = (START + dt.timedelta(days=10 + 7 * week)).isoformat()
        response = _post(
            client, "programme-enrolment-attendance", {"held_on": day, "attended": week != 1}, pk
        )
        assert response.status_code == 200, response.content
    assert PossibleViolation.objects.count() == 1
    early = _post(client, "programme-enrolment-complete", {"on": TODAY.isoformat()}, pk)
    assert early.status_code == 400  # 3 of the 4 needed sessions
    _post(
        client,
        "programme-enrolment-attendance",
        {"held_on": (START + dt.timedelta(days=45)).isoformat(), "attended": True},
        pk,
    )
    done = _post(client, "programme-enrolment-complete", {"on": TODAY.isoformat()}, pk)
    assert done.json()["status"] == EnrolmentStatus.COMPLETED
    assert done.json()["attended"] == 4


def test_others_cannot_act_on_the_participants(world: World, signed_in: Any) -> None:
    enrolment = enrol(world, world.requirements[0])
    day = {"on": TODAY.isoformat(), "reason": "refused"}
    assert (
        _post(
            signed_in(world.outsider), "programme-enrolment-drop-out", day, enrolment.pk
        ).status_code
        == 404
    )
    for user in (world.inspector, world.coordinator, world.analyst):
        response = _post(signed_in(user), "programme-enrolment-drop-out", day, enrolment.pk)
        assert response.status_code == 403
    for user in (world.outsider, world.coordinator, world.inspector):
        response = _post(
            signed_in(user),
            "programme-enrolments",
            {
                "requirement": world.requirements[1].pk,
                "programme": world.programme.pk,
                "on": TODAY.isoformat(),
            },
        )
        assert response.status_code in (403, 404)


def test_filtering_and_pagination(world: World, signed_in: Any) -> None:
    for requirement in world.requirements:
        enrol(world, requirement)
    client = signed_in(world.staff)
    waiting = client.get(reverse("v1:programme-enrolments"), {"status": "waiting"}).json()
    assert waiting["count"] == 1
    assert set(waiting) >= {"count", "next", "previous", "results"}


CSV = """enrolment,iin,programme,date,attended,reason
{e1},,,{d1},yes,
,800101300099,{programme},{d2},no,sick
,800101399999,{programme},{d2},yes,
{e1},,,{future},yes,
{e1},,,not a date,yes,
{e1},,,{d3},maybe,
"""


def test_attendance_import_keeps_good_rows_and_is_idempotent(world: World, signed_in: Any) -> None:
    first = enrol(world, world.requirements[0])
    second = enrol(world, make_requirement(iin="800101300099"))
    day = START + dt.timedelta(days=10)
    text = CSV.format(
        e1=f"E-{first.pk:06d}",
        d1=day.isoformat(),
        d2=(day + dt.timedelta(days=7)).strftime("%d.%m.%Y"),
        d3=(day + dt.timedelta(days=14)).isoformat(),
        future=(TODAY + dt.timedelta(days=3)).isoformat(),
        programme=world.programme.name,
    )
    client = signed_in(world.staff)

    def upload() -> Any:
        file = SimpleUploadedFile("attendance.csv", text.encode(), content_type="text/csv")
        return client.post(reverse("v1:programme-attendance-import"), {"file": file})

    result = upload().json()
    assert (result["accepted"], result["skipped"]) == (2, 0)
    assert [r["row"] for r in result["rejects"]] == [4, 5, 6, 7]
    assert SessionAttendance.objects.filter(enrolment=second, attended=False).exists()
    assert PossibleViolation.objects.filter(enrolment=second).count() == 1
    again = upload().json()
    assert (again["accepted"], again["skipped"]) == (0, 2)
    assert SessionAttendance.objects.count() == 2
    # Another provider's file cannot touch these participants.
    other = signed_in(world.outsider).post(
        reverse("v1:programme-attendance-import"),
        {"file": SimpleUploadedFile("a.csv", text.encode(), content_type="text/csv")},
    )
    assert other.json()["accepted"] == 0


def test_the_import_page_shows_the_rejects(world: World, signed_in: Any) -> None:
    enrol(world, world.requirements[0])
    client = signed_in(world.staff)
    file = SimpleUploadedFile("a.csv", b"enrolment,date,attended\nE-999999,2025-01-01,yes\n")
    page = client.post(reverse("programs:attendance_import"), {"file": file})
    assert page.status_code == 200
    assert b"No enrolled participant of yours" in page.content
    bad = client.post(
        reverse("programs:attendance_import"),
        {"file": SimpleUploadedFile("a.txt", b"x")},
    )
    assert b"Only .csv and .xlsx" in bad.content


def test_the_coordinator_adds_programmes_over_the_api(world: World, signed_in: Any) -> None:
    data = {
        "provider": world.provider.pk,
        "name": "Individual course",
        "sessions": 8,
        "format": "individual",
        "languages": ["kk"],
        "capacity": 4,
        "accreditation": "accredited",
    }
    created = _post(signed_in(world.coordinator), "programmes", data)
    assert created.status_code == 201, created.content
    assert created.json()["enrolled"] == 0
    elsewhere = _post(
        signed_in(world.coordinator), "programmes", data | {"provider": world.other_provider.pk}
    )
    assert elsewhere.status_code == 403
    assert _post(signed_in(world.staff), "programmes", data | {"name": "Mine"}).status_code == 403
    listed = signed_in(world.staff).get(reverse("v1:programmes")).json()
    assert {row["name"] for row in listed["results"]} == {world.programme.name, "Individual course"}
