"""The access layer's named policies beyond territory: the creator of an unplaced record, the
owner of a job, the children placed where their parents are, and ``placed_in``."""

from __future__ import annotations

import datetime as dt

import pytest

from qorgau.accounts.access import placed_in, restrict
from qorgau.accounts.roles import Role
from qorgau.conftest import MEDEU, SEMEY
from qorgau.registry import services
from qorgau.registry.models import OrderCheckIn, Person, ProtectiveOrder
from qorgau.registry.selectors import person_choices_for
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers(make_user):
    return {
        "semey": make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector.semey"),
        "semey.colleague": make_user(Role.POLICE_INSPECTOR, SEMEY, username="colleague.semey"),
        "medeu": make_user(Role.POLICE_INSPECTOR, MEDEU, username="inspector.medeu"),
    }


def test_a_person_the_officer_just_registered_is_his_until_a_record_places_her(officers):
    officer = officers["semey"]
    person = services.person_register(actor=officer, sex="F", birth_year=1990)
    assert person in restrict(Person.objects.all(), officer)
    assert person in person_choices_for(officer)
    # Nobody else sees an unplaced person: not a colleague, not another district.
    assert person not in restrict(Person.objects.all(), officers["semey.colleague"])
    assert person not in restrict(Person.objects.all(), officers["medeu"])


def test_registering_a_person_once_does_not_follow_her_to_another_territory(officers):
    """The probe's finding: "a user sees any person they created, even outside their
    territory". Once a home district places her in Medeu, Semey's officer no longer does."""
    officer = officers["semey"]
    person = services.person_register(actor=officer, sex="F", birth_year=1990)
    Person.objects.filter(pk=person.pk).update(home_district=Territory.objects.by_code(MEDEU))
    assert person not in restrict(Person.objects.all(), officer)
    assert person not in person_choices_for(officer)
    assert person in restrict(Person.objects.all(), officers["medeu"])


def _order_in(code: str, officer) -> ProtectiveOrder:
    offender = services.person_register(actor=officer, sex="M", birth_year=1985)
    victim = services.person_register(actor=officer, sex="F", birth_year=1990)
    day = dt.date(2025, 3, 1)
    return services.order_issue(
        actor=officer,
        offender=offender,
        protected=[victim],
        issued_on=day,
        served_on=day,
        district=Territory.objects.by_code(code),
    )


def test_a_child_row_is_seen_exactly_where_its_parent_is(officers):
    order = _order_in(SEMEY, officers["semey"])
    check = services.order_check_in(
        actor=officers["semey"], order=order, checked_on=dt.date(2025, 3, 8)
    )
    assert check in restrict(OrderCheckIn.objects.all(), officers["semey"])
    assert check not in restrict(OrderCheckIn.objects.all(), officers["medeu"])


def test_placed_in_uses_the_model_policy(officers):
    order = _order_in(SEMEY, officers["semey"])
    victim = order.protected_persons.get()
    semey, medeu = Territory.objects.by_code(SEMEY), Territory.objects.by_code(MEDEU)
    protecting = ProtectiveOrder.objects.filter(protected_persons=victim)
    assert placed_in(protecting, semey) and not placed_in(protecting, medeu)
    assert not placed_in(Person.objects.filter(pk=victim.pk), semey)  # no home district yet


def test_a_refusal_inside_a_rolled_back_transaction_still_reaches_the_audit_trail(officers):
    """The service refuses inside its own transaction; the audit entry used to roll back
    with it. Now it is written once the outermost transaction has ended."""
    from django.core.exceptions import PermissionDenied
    from django.db import transaction
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory

    from qorgau.accounts.middleware import RefusalsAuditMiddleware
    from qorgau.audit.models import AuditEntry

    elsewhere = services.person_register(
        sex="F", birth_year=1990, home_district=Territory.objects.by_code(MEDEU)
    )
    offender = services.person_register(actor=officers["semey"], sex="M", birth_year=1985)
    day = dt.date(2025, 3, 1)

    def view(request: HttpRequest) -> HttpResponse:
        with pytest.raises(PermissionDenied), transaction.atomic():  # the view's transaction
            services.order_issue(
                actor=officers["semey"],
                offender=offender,
                protected=[elsewhere],
                issued_on=day,
                served_on=day,
                district=Territory.objects.by_code(SEMEY),
            )
        refused_yet = AuditEntry.objects.filter(
            object_id=str(elsewhere.pk), actor=officers["semey"]
        ).exists()
        return HttpResponse(str(refused_yet))

    response = RefusalsAuditMiddleware(view)(RequestFactory().post("/registry/orders/new/"))
    assert response.content == b"False"  # rolled back with the view's transaction ...
    refused = AuditEntry.objects.filter(object_id=str(elsewhere.pk), actor=officers["semey"])
    assert [e.details.get("outside_scope") for e in refused] == [True]  # ... written after it
