"""The prevention instruments of Law 245-VIII as records: from the day the law is in force,
the warning's term from the table, and the register's one open entry per district."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from qorgau.accounts.roles import Role
from qorgau.conftest import MEDEU, SEMEY
from qorgau.registry import choices as c
from qorgau.registry import services as s
from qorgau.registry.models import PreventiveRegisterEntry
from qorgau.registry.services_prevention import prevention_record, register_enter, register_leave
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def inspector(make_user):
    return make_user(Role.POLICE_INSPECTOR, SEMEY, username="erlan")


@pytest.fixture
def person(inspector):
    return s.person_register(actor=inspector, sex="M")


def test_a_measure_exists_only_from_the_day_the_law_is_in_force(inspector, person):
    semey = Territory.objects.by_code(SEMEY)
    common = dict(actor=inspector, person=person, district=semey)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        prevention_record(kind=c.PreventionKind.PREVENTIVE_TALK, held_on=D(2026, 3, 1), **common)
    assert "245-VIII" in refused.value.message_dict["held_on"][0]
    talk = prevention_record(kind=c.PreventionKind.PREVENTIVE_TALK, held_on=D(2026, 3, 2), **common)
    assert talk.ends_on is None and "arts. 50, 51" in talk.legal_basis
    warning = prevention_record(
        kind=c.PreventionKind.OFFICIAL_WARNING, held_on=D(2026, 3, 10), **common
    )
    assert warning.ends_on == D(2026, 4, 8) and "art. 51" in warning.legal_basis


def test_the_register_keeps_one_open_entry_and_an_exit_with_its_reason(
    inspector, person, make_user
):
    semey = Territory.objects.by_code(SEMEY)
    entry = register_enter(
        actor=inspector, person=person, district=semey, entered_on=D(2026, 4, 1), grounds="art. 73"
    )
    with pytest.raises(ValidationError, match="already on the preventive register"):
        register_enter(
            actor=inspector, person=person, district=semey, entered_on=D(2026, 5, 1), grounds="x"
        )
    with pytest.raises(ValidationError):
        register_leave(actor=inspector, entry=entry, left_on=D(2026, 3, 31), reason="done")
    with pytest.raises(ValidationError):
        register_leave(actor=inspector, entry=entry, left_on=D(2026, 6, 1), reason=" ")
    with pytest.raises(PermissionDenied):
        register_leave(
            actor=make_user(Role.POLICE_INSPECTOR, MEDEU),
            entry=entry,
            left_on=D(2026, 6, 1),
            reason="moved",
        )
    register_leave(actor=inspector, entry=entry, left_on=D(2026, 6, 1), reason="a year without")
    again = register_enter(
        actor=inspector, person=person, district=semey, entered_on=D(2026, 7, 1), grounds="again"
    )
    assert PreventiveRegisterEntry.objects.filter(left_on__isnull=True).get() == again
    with pytest.raises(ValidationError):
        register_enter(
            actor=inspector, person=person, district=semey, entered_on=D(2025, 7, 1), grounds="x"
        )
