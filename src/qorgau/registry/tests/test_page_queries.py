"""Every registry list and detail page answers in a fixed number of queries, however many rows
it shows: a page that queries per row (an N+1) fails here before it is slow on the national
register. Each test measures a page, adds rows of its kind, and measures again.
"""

from __future__ import annotations

import pytest

from qorgau.audit.services import flow_token
from qorgau.conftest import SEMEY
from qorgau.registry import choices as c
from qorgau.registry import services
from qorgau.registry.tests import test_views
from qorgau.registry.tests.test_views import days_ago, moment
from qorgau.territory.models import Territory

staff = test_views.staff
case = test_views.case

pytestmark = pytest.mark.django_db

# A page of the registry, its names decrypted and audited, stays under this many queries; the
# person's page walks the household (two steps through incidents, orders and requirements).
MOST = {"person": 50, "incident": 45}


def _household_grows(staff, case, n: int) -> None:
    """More incidents, orders, requirements, offences and assessments around the same victim."""
    inspector, court = staff["inspector.semey"], staff["court.abai"]
    semey = Territory.objects.by_code(SEMEY)
    victim = case["victim"]
    for i in range(n):
        offender = services.person_register(actor=inspector, surname=f"Offender{i}", sex="M")
        services.incident_register(
            actor=inspector,
            occurred_at=moment(4),
            reported_at=moment(4, 11),
            district=semey,
            settlement_type="urban",
            source_channel="call_102",
            victims=[victim],
            offenders=[(offender, "spouse")],
        )
        order = services.order_issue(
            actor=inspector,
            offender=offender,
            protected=[victim],
            issued_on=days_ago(3),
            served_on=days_ago(3),
            district=semey,
            incident=case["incident"],
        )
        services.order_check_in(actor=inspector, order=order, checked_on=days_ago(1))
        services.order_violation_record(
            actor=inspector, order=order, occurred_on=days_ago(1), description="x"
        )
        services.requirement_set(
            actor=court,
            offender=offender,
            protected=[victim],
            court="Semey city court",
            decided_on=days_ago(2),
            term_months=3,
            conditions=[c.RequirementCondition.NO_CONTACT],
            district=semey,
            number=f"2-{i}/2026",
            incident=case["incident"],
        )
        services.offence_record(
            actor=inspector,
            offender=offender,
            kind=c.OffenceKind.ADMINISTRATIVE,
            article="73",
            committed_on=days_ago(4),
            district=semey,
            incident=case["incident"],
        )
        services.risk_assess(
            actor=inspector,
            victim=victim,
            offender=offender,
            incident=case["incident"],
            district=semey,
            answers={"escalation": 1},
            assessed_at=moment(4, 15),
        )


def _url(name, case, user):
    record = {
        "person": case["victim"],
        "incident": case["incident"],
        "order": case["order"],
        "requirement": case["requirement"],
    }.get(name)
    if record is not None:
        return f"{record.get_absolute_url()}?flow={flow_token(user, record)}"
    return {
        "persons": "/registry/persons/",
        "incidents": "/registry/incidents/",
        "orders": "/registry/orders/",
        "requirements": "/registry/requirements/",
        "work": "/registry/",
        "offences": "/api/v1/offences/",
        "assessments": "/api/v1/risk-assessments/",
        "api-persons": "/api/v1/persons/",
        "api-incidents": "/api/v1/incidents/",
        "api-orders": "/api/v1/orders/",
        "api-requirements": "/api/v1/requirements/",
    }[name]


@pytest.mark.parametrize(
    "page",
    [
        "persons",
        "person",
        "incidents",
        "incident",
        "orders",
        "order",
        "requirements",
        "requirement",
        "work",
        "offences",
        "assessments",
        "api-persons",
        "api-incidents",
        "api-orders",
        "api-requirements",
    ],
)
def test_a_registry_page_does_not_query_per_row(
    staff, case, signed_in, page, django_assert_max_num_queries
):
    user = staff["inspector.semey"]
    client = signed_in(user)
    client.get(_url(page, case, user))  # warm the session and the territory scope
    _household_grows(staff, case, 1)
    with django_assert_max_num_queries(MOST.get(page, 40)) as few:
        response = client.get(_url(page, case, user))
    assert response.status_code == 200
    _household_grows(staff, case, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(_url(page, case, user))
    assert response.status_code == 200


def test_list_pages_are_paginated(staff, case, signed_in):
    client = signed_in(staff["inspector.semey"])
    for url in (
        "/registry/persons/",
        "/registry/incidents/",
        "/registry/orders/",
        "/registry/requirements/",
    ):
        page = client.get(url)
        assert page.context["page"].paginator.per_page == 50, url
    assert "next" in client.get("/api/v1/offences/").json()
