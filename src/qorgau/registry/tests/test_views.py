"""The registry pages: every role against every page, and each user story end to end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.html import escape

from qorgau.accounts.roles import (
    ASSESS_RISK,
    MANAGE_ORDERS,
    MANAGE_REQUIREMENTS,
    RECORD_OFFENCES,
    REGISTER_INCIDENT,
    VIEW_PERSONAL_DATA,
    Role,
)
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.audit.services import flow_token
from qorgau.conftest import ABAI, COUNTRY, MEDEU, SEMEY
from qorgau.registry import choices as c
from qorgau.registry import services
from qorgau.registry.iin import iin_make
from qorgau.registry.models import (
    BehaviourRequirement,
    Incident,
    Offence,
    OrderCheckIn,
    Person,
    ProtectiveOrder,
    RiskAssessment,
)
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days_ago(n: int) -> dt.date:
    return TODAY() - dt.timedelta(days=n)


def moment(n_days: int, hour: int = 10) -> dt.datetime:
    day = days_ago(n_days)
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 0))


def new_iin(serial: int, sex: str = "F", born: dt.date = dt.date(1990, 5, 17)) -> str:
    while (iin := iin_make(born, sex, serial)) is None:
        serial += 1
    return iin


@pytest.fixture
def staff(make_user, make_organisation):
    centre = make_organisation("Semey crisis centre", SEMEY)
    return {
        "inspector.semey": make_user(Role.POLICE_INSPECTOR, SEMEY, first_name="Erlan"),
        "inspector.medeu": make_user(Role.POLICE_INSPECTOR, MEDEU),
        "supervisor.abai": make_user(Role.POLICE_SUPERVISOR, ABAI),
        "court.abai": make_user(Role.COURT_LIAISON, ABAI),
        "coordinator.abai": make_user(Role.AKIMAT_COORDINATOR, ABAI),
        "crisis.semey": make_user(Role.CRISIS_CENTRE, organisation=centre),
        "analyst": make_user(Role.NATIONAL_ANALYST, COUNTRY),
        "auditor": make_user(Role.AUDITOR, COUNTRY),
        "admin": make_user(Role.ADMINISTRATOR, COUNTRY),
    }


@pytest.fixture
def case(staff):
    """One Semey household: an incident, a served order, requirements, an offence and a risk
    assessment whose re-assessment is overdue."""
    inspector, court = staff["inspector.semey"], staff["court.abai"]
    semey = Territory.objects.by_code(SEMEY)
    victim = services.person_register(
        actor=inspector, iin=new_iin(1), surname="Akhmetova", first_name="Aigul"
    )
    offender = services.person_register(
        actor=inspector, sex=c.Sex.MALE, birth_date=dt.date(1985, 1, 2), surname="Akhmetov"
    )
    incident = services.incident_register(
        actor=inspector,
        occurred_at=moment(10),
        reported_at=moment(10, 12),
        district=semey,
        settlement_type=c.SettlementType.URBAN,
        source_channel=c.SourceChannel.CALL_102,
        victims=[victim],
        offenders=[(offender, c.Relationship.SPOUSE)],
        physical=True,
    )
    order = services.order_issue(
        actor=inspector,
        offender=offender,
        protected=[victim],
        issued_on=days_ago(9),
        served_on=days_ago(9),
        district=semey,
        incident=incident,
    )
    requirement = services.requirement_set(
        actor=court,
        offender=offender,
        protected=[victim],
        court="Semey city court",
        decided_on=days_ago(5),
        term_months=3,
        conditions=[
            c.RequirementCondition.NO_CONTACT,
            c.RequirementCondition.ATTEND_PSYCHOCORRECTION,
        ],
        district=semey,
        number="2-123/2026",
        incident=incident,
    )
    offence = services.offence_record(
        actor=inspector,
        offender=offender,
        kind=c.OffenceKind.ADMINISTRATIVE,
        article="73",
        committed_on=days_ago(10),
        district=semey,
        incident=incident,
    )
    assessment = services.risk_assess(
        actor=inspector,
        victim=victim,
        offender=offender,
        incident=incident,
        district=semey,
        answers={"strangulation": 1},
        assessed_at=moment(10, 15),
    )
    return {
        "victim": victim,
        "offender": offender,
        "incident": incident,
        "order": order,
        "requirement": requirement,
        "offence": offence,
        "assessment": assessment,
    }


SEES_SEMEY = {"inspector.semey", "supervisor.abai", "court.abai", "coordinator.abai"}

PAGES = [
    # (name, url, write permission or None, placed on a record)
    ("work", lambda k: "/registry/", None, False),
    ("persons", lambda k: "/registry/persons/", None, False),
    ("search", lambda k: "/registry/persons/search/", None, False),
    ("person", lambda k: f"/registry/persons/{k['victim'].pk}/", None, True),
    ("incidents", lambda k: "/registry/incidents/", None, False),
    ("incident-new", lambda k: "/registry/incidents/new/", REGISTER_INCIDENT, False),
    ("incident", lambda k: f"/registry/incidents/{k['incident'].pk}/", None, True),
    (
        "order-new",
        lambda k: f"/registry/incidents/{k['incident'].pk}/orders/new/",
        MANAGE_ORDERS,
        True,
    ),
    (
        "requirement-new",
        lambda k: f"/registry/incidents/{k['incident'].pk}/requirements/new/",
        MANAGE_REQUIREMENTS,
        True,
    ),
    (
        "offence-new",
        lambda k: f"/registry/incidents/{k['incident'].pk}/offences/new/",
        RECORD_OFFENCES,
        True,
    ),
    ("risk-new", lambda k: f"/registry/incidents/{k['incident'].pk}/risk/new/", ASSESS_RISK, True),
    ("orders", lambda k: "/registry/orders/", None, False),
    ("order", lambda k: f"/registry/orders/{k['order'].pk}/", None, True),
    *[
        (
            f"order-{action}",
            (lambda a: lambda k: f"/registry/orders/{k['order'].pk}/{a}/")(action),
            MANAGE_ORDERS,
            True,
        )
        for action in ("serve", "check-in", "violation", "extend", "revoke")
    ],
    ("requirements", lambda k: "/registry/requirements/", None, False),
    ("requirement", lambda k: f"/registry/requirements/{k['requirement'].pk}/", None, True),
    (
        "requirement-violation",
        lambda k: f"/registry/requirements/{k['requirement'].pk}/violation/",
        "violation",
        True,
    ),
    (
        "requirement-extend",
        lambda k: f"/registry/requirements/{k['requirement'].pk}/extend/",
        MANAGE_REQUIREMENTS,
        True,
    ),
]


def _may_write(user, permission):
    if permission is None:
        return True
    if permission == "violation":
        return user.has_perm(MANAGE_REQUIREMENTS) or user.has_perm(MANAGE_ORDERS)
    return user.has_perm(permission)


def _record_of(name, case):
    if name.startswith("person"):
        return case["victim"]
    if name.startswith("order") and name != "order-new":
        return case["order"]
    if name.startswith("requirement") and name != "requirement-new":
        return case["requirement"]
    return case["incident"]


def test_every_role_against_every_registry_page(staff, case, signed_in):
    """403 without the permission, 404 for a record outside scope, 200 within."""
    for name, user in staff.items():
        client = signed_in(user)
        for page, url, permission, placed in PAGES:
            address = url(case)
            if page in ("person", "incident", "order", "requirement"):
                address += f"?flow={flow_token(user, _record_of(page, case))}"
            response = client.get(address)
            if not user.has_perm(VIEW_PERSONAL_DATA) or not _may_write(user, permission):
                expected = 403
            elif placed and name not in SEES_SEMEY:
                expected = 404
            else:
                expected = 200
            assert response.status_code == expected, (name, page, response.status_code)


def test_a_detail_page_opened_directly_asks_for_a_reason_then_records_it(staff, case, signed_in):
    client = signed_in(staff["inspector.semey"])
    url = f"/registry/orders/{case['order'].pk}/"
    response = client.get(url)
    assert b"Reason for access" in response.content
    response = client.post(url, {"reason": "conference"})
    assert response.status_code == 302
    response = client.get(url)
    assert case["order"].number in response.content.decode()
    entry = AuditEntry.objects.filter(
        action=AuditAction.VIEW, object_type="registry.protectiveorder"
    ).latest("position")
    assert entry.reason.startswith("Multi-agency case conference")


def _incident_post(district, **extra):
    data = {
        "occurred_at": moment(1).strftime("%Y-%m-%dT%H:%M"),
        "reported_at": moment(1, 11).strftime("%Y-%m-%dT%H:%M"),
        "district": district.pk,
        "settlement_type": "rural",
        "source_channel": "health",
        "physical": "on",
        "children_present": "on",
        "injury": "light",
        "weapon": "cold",
        "administrative_protocol": "on",
        "erap_number": "ERAP-77",
        "victim-TOTAL_FORMS": "2",
        "victim-INITIAL_FORMS": "0",
        "victim-MIN_NUM_FORMS": "1",
        "victim-MAX_NUM_FORMS": "6",
        "victim-0-iin": new_iin(40),
        "victim-0-surname": "Serikova",
        "victim-0-first_name": "Dana",
        "victim-0-sex": "U",
        "victim-1-sex": "U",
        "offender-TOTAL_FORMS": "1",
        "offender-INITIAL_FORMS": "0",
        "offender-MIN_NUM_FORMS": "1",
        "offender-MAX_NUM_FORMS": "4",
        "offender-0-surname": "Serikov",
        "offender-0-first_name": "Bolat",
        "offender-0-sex": "M",
        "offender-0-birth_date": "1980-03-04",
        "offender-0-relationship": "cohabitant",
    }
    data.update(extra)
    return data


def test_an_inspector_registers_an_incident_with_new_people(staff, signed_in):
    inspector = staff["inspector.semey"]
    client = signed_in(inspector)
    semey = Territory.objects.by_code(SEMEY)
    response = client.post("/registry/incidents/new/", _incident_post(semey))
    assert response.status_code == 302, response.content.decode()[-3000:]
    incident = Incident.objects.get()
    assert incident.district == semey and incident.physical and incident.children_present
    assert incident.erap_number == "ERAP-77" and incident.created_by == inspector
    victim = incident.participants.get(role="victim").person
    offender = incident.participants.get(role="offender")
    assert victim.iin_pseudonym and victim.sex == "F"
    assert offender.relationship == "cohabitant" and offender.person.birth_year == 1980
    created = set(
        AuditEntry.objects.filter(action=AuditAction.CREATE).values_list("object_type", flat=True)
    )
    assert {"registry.person", "registry.incident"} <= created
    page = client.get(response["Location"]).content.decode()
    assert incident.label in page and victim.label in page

    # The same IIN again picks the person already recorded.
    client.post("/registry/incidents/new/", _incident_post(semey))
    assert Person.objects.filter(iin_pseudonym=victim.iin_pseudonym).count() == 1
    assert Incident.objects.count() == 2


def test_the_incident_form_offers_only_districts_in_scope_and_shows_service_errors(
    staff, signed_in
):
    client = signed_in(staff["inspector.semey"])
    medeu = Territory.objects.by_code(MEDEU)
    page = client.get("/registry/incidents/new/").content.decode()
    assert f'value="{medeu.pk}"' not in page
    response = client.post("/registry/incidents/new/", _incident_post(medeu))
    assert response.status_code == 200 and not Incident.objects.exists()
    assert "Select a valid choice" in response.content.decode()

    semey = Territory.objects.by_code(SEMEY)
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/registry/incidents/new/", _incident_post(semey, occurred_at=future, reported_at=future)
    )
    assert "This date is in the future." in response.content.decode()
    assert not Incident.objects.exists() and not Person.objects.exists()


def test_a_person_is_found_by_iin_with_a_reason_and_shown_with_identity(staff, case, signed_in):
    client = signed_in(staff["inspector.semey"])
    response = client.post(
        "/registry/persons/search/",
        {"iin": new_iin(1), "reason": "other", "explanation": "call from the victim"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/registry/persons/{case['victim'].pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Akhmetova Aigul" in page and case["victim"].label in page
    assert case["incident"].label in page and case["order"].number in page  # household timeline
    search = AuditEntry.objects.filter(details__search="iin").get()
    assert search.reason == "Other (explain below): call from the victim"
    assert AuditEntry.objects.filter(
        action=AuditAction.DECRYPT, object_id=str(case["victim"].pk)
    ).exists()
    opened = AuditEntry.objects.filter(
        action=AuditAction.VIEW, object_type="registry.person", object_id=str(case["victim"].pk)
    ).latest("position")
    assert opened.reason == search.reason

    # Another district's inspector does not find the person, and a wrong IIN is refused.
    other = signed_in(staff["inspector.medeu"])
    response = other.post("/registry/persons/search/", {"iin": new_iin(1), "reason": "casework"})
    assert response.status_code == 200 and b"No person with this IIN" in response.content
    response = other.post("/registry/persons/search/", {"iin": "123", "reason": "casework"})
    assert b"12 digits" in response.content


def test_an_order_is_issued_served_checked_violated_extended_and_revoked(staff, signed_in):
    inspector = staff["inspector.semey"]
    client = signed_in(inspector)
    client.post("/registry/incidents/new/", _incident_post(Territory.objects.by_code(SEMEY)))
    incident = Incident.objects.get()
    victim = incident.participants.get(role="victim").person
    offender = incident.participants.get(role="offender").person
    response = client.post(
        f"/registry/incidents/{incident.pk}/orders/new/",
        {
            "offender": offender.pk,
            "protected": [victim.pk],
            "issued_on": TODAY().isoformat(),
            "prohibitions": ["no_contact", "no_visit"],
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    order = ProtectiveOrder.objects.get()
    assert order.served_on is None and order.prohibitions == ["no_contact", "no_visit"]
    base = f"/registry/orders/{order.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "issued, not yet served" in page and escape(order.legal_basis) in page

    assert client.post(f"{base}/serve/", {"served_on": TODAY().isoformat()}).status_code == 302
    order.refresh_from_db()
    assert order.ends_on == TODAY() + dt.timedelta(days=29)
    response = client.post(f"{base}/check-in/", {"checked_on": TODAY().isoformat(), "note": "ok"})
    assert response.status_code == 302
    assert OrderCheckIn.objects.get().checked_by == inspector
    response = client.post(
        f"{base}/violation/",
        {"occurred_on": TODAY().isoformat(), "description": "came to the flat", "sanction": "fine"},
    )
    assert response.status_code == 302 and order.violations.get().article == "461"
    response = client.post(
        f"{base}/extend/",
        {
            "decided_on": TODAY().isoformat(),
            "new_end": (TODAY() + dt.timedelta(days=40)).isoformat(),
            "reason": "threats continue",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.ends_on == TODAY() + dt.timedelta(days=40)
    page = client.get(response["Location"]).content.decode()
    assert "violated" in page and "threats continue" in page and "came to the flat" in page

    # A service refusal shows on the form.
    response = client.post(
        f"{base}/extend/",
        {"decided_on": TODAY().isoformat(), "new_end": TODAY().isoformat(), "reason": "x"},
    )
    assert response.status_code == 200
    assert b"The new end must be later than the current one." in response.content

    response = client.post(
        f"{base}/revoke/", {"revoked_on": TODAY().isoformat(), "reason": "court decision"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.revoked_on == TODAY()
    changes = AuditEntry.objects.filter(
        action=AuditAction.CHANGE, object_type="registry.protectiveorder", object_id=str(order.pk)
    )
    assert changes.count() == 5


def test_the_work_page_lists_expiring_orders_overdue_checks_and_reassessments(
    staff, case, signed_in
):
    for name in ("inspector.semey", "supervisor.abai", "coordinator.abai"):
        client = signed_in(staff[name])
        page = client.get("/registry/?days=30").content.decode()
        expiring, rest = page.split('id="check-overdue"')
        overdue, rest = rest.split('id="risk-overdue"')
        risk, _latest = rest.split('id="latest-incidents"')
        assert case["order"].number in expiring, name
        assert case["order"].number in overdue, name
        assert case["victim"].label in risk, name
        assert (name == "coordinator.abai") != ("Register an incident" in page)
    page = signed_in(staff["inspector.semey"]).get("/registry/?days=3").content.decode()
    assert case["order"].number not in page.split('id="check-overdue"')[0]
    page = signed_in(staff["inspector.medeu"]).get("/registry/?days=30").content.decode()
    assert case["order"].number not in page and case["victim"].label not in page


def test_the_incident_list_filters(staff, case, signed_in):
    client = signed_in(staff["inspector.semey"])
    label = case["incident"].label
    assert label in client.get("/registry/incidents/?source_channel=call_102").content.decode()
    assert label not in client.get("/registry/incidents/?source_channel=school").content.decode()
    assert label in client.get("/registry/incidents/?violence=physical").content.decode()
    assert label not in client.get("/registry/incidents/?violence=sexual").content.decode()
    start = days_ago(3).isoformat()
    assert label not in client.get(f"/registry/incidents/?date_from={start}").content.decode()


def test_a_read_only_role_sees_no_actions(staff, case, signed_in):
    client = signed_in(staff["coordinator.abai"])
    incident = case["incident"]
    page = client.get(
        f"/registry/incidents/{incident.pk}/?flow={flow_token(staff['coordinator.abai'], incident)}"
    ).content.decode()
    assert "Issue a protective order" not in page and "Assess risk" not in page
    order = case["order"]
    page = client.get(
        f"/registry/orders/{order.pk}/?flow={flow_token(staff['coordinator.abai'], order)}"
    ).content.decode()
    assert "Record a compliance check" not in page and order.number in page


def test_a_court_liaison_records_requirements_violations_and_extensions(staff, case, signed_in):
    court = staff["court.abai"]
    client = signed_in(court)
    incident = case["incident"]
    response = client.post(
        f"/registry/incidents/{incident.pk}/requirements/new/",
        {
            "offender": case["offender"].pk,
            "protected": [case["victim"].pk],
            "number": "2-999/2026",
            "court": "Abai regional court",
            "decided_on": days_ago(2).isoformat(),
            "term_months": "6",
            "conditions": ["attend_psychocorrection", "report_to_police"],
            "police_reports_per_month": "2",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    requirement = BehaviourRequirement.objects.get(number="2-999/2026")
    assert requirement.obliges_programme and requirement.created_by == court
    assert requirement.police_reports_per_month == 2
    base = f"/registry/requirements/{requirement.pk}"
    response = client.post(
        f"{base}/violation/",
        {
            "occurred_on": TODAY().isoformat(),
            "condition": "attend_psychocorrection",
            "description": "missed two sessions",
            "sanction": "none",
        },
    )
    assert response.status_code == 302 and requirement.violations.count() == 1
    old_end = requirement.ends_on
    response = client.post(
        f"{base}/extend/", {"decided_on": TODAY().isoformat(), "months": "3", "reason": "missed"}
    )
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert requirement.ends_on > old_end and requirement.extensions.count() == 1

    # Beyond the law's maximum term: the service's error is shown.
    response = client.post(
        f"{base}/extend/", {"decided_on": TODAY().isoformat(), "months": "12", "reason": "x"}
    )
    assert response.status_code == 200 and b"The term must be between" in response.content
    # A term outside the law's range when setting them.
    response = client.post(
        f"/registry/incidents/{incident.pk}/requirements/new/",
        {
            "offender": case["offender"].pk,
            "number": "2-1000/2026",
            "court": "Abai regional court",
            "decided_on": days_ago(2).isoformat(),
            "term_months": "24",
            "conditions": ["no_contact"],
            "police_reports_per_month": "0",
        },
    )
    assert response.status_code == 200 and b"The term must be between" in response.content


def test_risk_is_assessed_raised_with_a_reason_and_never_lowered(staff, case, signed_in):
    client = signed_in(staff["inspector.semey"])
    url = f"/registry/incidents/{case['incident'].pk}/risk/new/"
    page = client.get(url).content.decode()
    assert "The offender has ever choked or strangled the victim." in page
    response = client.post(url, {"victim": case["victim"].pk, "item_escalation": "on"})
    assert response.status_code == 302
    latest = RiskAssessment.objects.latest("assessed_at")
    assert latest.computed_level == latest.level == "low" and latest.answers["escalation"] == 1
    page = client.get(response["Location"]).content.decode()
    assert "computed level low" in page

    response = client.post(
        url, {"victim": case["victim"].pk, "item_escalation": "on", "level": "high"}
    )
    assert b"Give the reason for raising the level." in response.content
    response = client.post(
        url,
        {
            "victim": case["victim"].pk,
            "item_escalation": "on",
            "level": "high",
            "override_reason": "weapon at home",
        },
    )
    assert response.status_code == 302
    raised = RiskAssessment.objects.latest("assessed_at")
    assert raised.computed_level == "low" and raised.level == "high"

    count = RiskAssessment.objects.count()
    response = client.post(
        url,
        {"victim": case["victim"].pk, "item_strangulation": "on", "level": "low"},
    )
    assert b"A professional may raise the computed level, never lower it." in response.content
    assert RiskAssessment.objects.count() == count


def test_an_offence_is_recorded_for_an_incident(staff, case, signed_in):
    client = signed_in(staff["court.abai"])
    response = client.post(
        f"/registry/incidents/{case['incident'].pk}/offences/new/",
        {
            "offender": case["offender"].pk,
            "kind": "criminal",
            "article": "109",
            "committed_on": days_ago(10).isoformat(),
            "decided_on": days_ago(1).isoformat(),
            "outcome": "conviction",
            "register_number": "ERDR-1",
        },
    )
    assert response.status_code == 302
    offence = Offence.objects.get(article="109")
    assert offence.outcome == "conviction" and offence.district.kato_code == SEMEY
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="registry.offence", object_id=str(offence.pk)
    ).exists()


def _more_cases(staff, n):
    inspector = staff["inspector.semey"]
    semey = Territory.objects.by_code(SEMEY)
    for i in range(n):
        victim = services.person_register(actor=inspector, surname=f"V{i}", sex="F")
        offender = services.person_register(actor=inspector, surname=f"O{i}", sex="M")
        incident = services.incident_register(
            actor=inspector,
            occurred_at=moment(3),
            reported_at=moment(3, 11),
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
            issued_on=days_ago(2),
            served_on=days_ago(2),
            district=semey,
            incident=incident,
        )
        services.order_violation_record(
            actor=inspector, order=order, occurred_on=days_ago(1), description="x"
        )


@pytest.mark.parametrize("url", ["/registry/incidents/", "/registry/orders/", "/registry/"])
def test_list_pages_do_not_query_per_row(
    staff, case, signed_in, url, django_assert_max_num_queries
):
    client = signed_in(staff["supervisor.abai"])
    client.get(url)  # warm the session and the territory scope
    _more_cases(staff, 2)
    with django_assert_max_num_queries(40) as few:  # with the names: one scope, one audit write
        client.get(url)
    _more_cases(staff, 8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
