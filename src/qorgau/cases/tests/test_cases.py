"""Survivor case files: the caseworker's workflow through the pages, the organisation wall,
the four-eyes closure and consent that stops every share.

Personas: Aigerim keeps cases at the Semey centre, Dana is her colleague who approves
closures, Saule works at a centre in Almaty and must see nothing of Semey's cases, and a
Semey police inspector must not see who went to a crisis centre.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qorgau.accounts.access import restrict
from qorgau.accounts.roles import MANAGE_SURVIVOR_CASES, Role
from qorgau.audit.models import AuditEntry
from qorgau.cases import services, services_sharing
from qorgau.cases.models import CaseFollowUp, CaseStatus, GbvimsType, ShareWith, SurvivorCase
from qorgau.conftest import MEDEU, SEMEY
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def people(make_user, make_organisation):
    semey = make_organisation("Semey crisis centre", SEMEY)
    almaty = make_organisation("Almaty crisis centre", MEDEU)
    return {
        "aigerim": make_user(Role.CRISIS_CENTRE, organisation=semey, username="aigerim"),
        "dana": make_user(Role.CRISIS_CENTRE_SUPERVISOR, organisation=semey, username="dana"),
        "saule": make_user(Role.CRISIS_CENTRE, organisation=almaty, username="saule"),
        "police": make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector"),
    }


def _open(actor, **fields) -> SurvivorCase:
    values = {
        "district": Territory.objects.by_code(SEMEY),
        "opened_on": TODAY,
        "gbvims_type": GbvimsType.PHYSICAL_ASSAULT,
        "consent_share": [ShareWith.HEALTH, ShareWith.LEGAL_AID],
        "consent_given_on": TODAY,
        "alias": "Aliya",
        "legal_types": ["physical", "psychological"],
    } | fields
    return services.case_open(actor=actor, **values)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


# --- the model's rule ----------------------------------------------------------------------


def test_may_share_only_what_she_agreed_to_while_consent_holds():
    case = SurvivorCase(
        consent_share=[ShareWith.HEALTH],
        consent_given_on=dt.date(2026, 1, 1),
        consent_expires_on=dt.date(2026, 6, 30),
    )
    assert case.may_share(ShareWith.HEALTH, on=dt.date(2026, 2, 1))
    assert not case.may_share(ShareWith.POLICE, on=dt.date(2026, 2, 1))  # never agreed
    assert not case.may_share(ShareWith.HEALTH, on=dt.date(2025, 12, 31))  # before consent
    assert not case.may_share(ShareWith.HEALTH, on=dt.date(2026, 7, 1))  # expired
    case.consent_withdrawn_on = dt.date(2026, 3, 1)
    assert case.may_share(ShareWith.HEALTH, on=dt.date(2026, 2, 28))  # before withdrawal
    assert not case.may_share(ShareWith.HEALTH, on=dt.date(2026, 3, 1))
    assert not case.may_share(ShareWith.HEALTH, on=dt.date(2026, 5, 1))


def test_withdrawing_consent_through_the_service_stops_every_share(people):
    case = _open(people["aigerim"])
    assert case.may_share(ShareWith.HEALTH) and case.may_share(ShareWith.LEGAL_AID)
    services_sharing.case_consent_withdraw(actor=people["aigerim"], case=case, withdrawn_on=TODAY)
    case.refresh_from_db()
    assert not any(case.may_share(kind) for kind in ShareWith.values)
    with pytest.raises(ValidationError):  # once is enough
        services_sharing.case_consent_withdraw(
            actor=people["aigerim"], case=case, withdrawn_on=TODAY
        )


# --- the organisation wall -----------------------------------------------------------------


def test_only_the_holding_organisation_sees_a_case(people):
    case = _open(people["aigerim"])
    cases = SurvivorCase.objects.all()
    assert case in restrict(cases, people["dana"], permission=MANAGE_SURVIVOR_CASES)
    assert case not in restrict(cases, people["saule"], permission=MANAGE_SURVIVOR_CASES)
    # The district's police see nothing of it: she may stay unknown to them.
    assert not restrict(cases, people["police"]).exists()


def test_another_organisation_cannot_act_on_a_case_and_the_attempt_is_audited(people):
    case = _open(people["aigerim"])
    with pytest.raises(PermissionDenied):
        services.case_followup_schedule(actor=people["saule"], case=case, due_on=TODAY)
    refused = AuditEntry.objects.filter(actor=people["saule"], object_id=str(case.pk))
    assert [entry.details.get("refused") for entry in refused] == [True]
    assert not case.followups.exists()


def test_another_organisations_caseworker_gets_404_on_the_pages_and_police_403(people, signed_in):
    case = _open(people["aigerim"])
    followup = services.case_followup_schedule(actor=people["aigerim"], case=case, due_on=TODAY)
    saule = signed_in(people["saule"])
    assert saule.get(f"/survivor-cases/{case.pk}/").status_code == 404
    response = saule.post(f"/survivor-cases/{case.pk}/closure/request/", {"reason": "x"})
    assert response.status_code == 404
    response = saule.post(f"/survivor-cases/follow-ups/{followup.pk}/record/")
    assert response.status_code == 404
    assert case.label not in saule.get("/survivor-cases/").content.decode()
    police = signed_in(people["police"])
    assert police.get("/survivor-cases/").status_code == 403
    assert police.get(f"/survivor-cases/{case.pk}/").status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_a_caseworker_of_another_organisation_cannot_be_named(people):
    with pytest.raises(ValidationError) as raised:
        _open(people["aigerim"], caseworker=people["saule"])
    assert "caseworker" in raised.value.message_dict


# --- closure needs a second user -------------------------------------------------------------


def test_closure_needs_the_supervisors_approval_never_the_requesters_own(people):
    case = _open(people["aigerim"])
    services.case_closure_request(actor=people["aigerim"], case=case, reason="safe now")
    with pytest.raises(PermissionDenied, match="supervisor"):  # a caseworker does not approve
        services.case_closure_approve(actor=people["aigerim"], case=case)
    with pytest.raises(PermissionDenied):  # nor anyone of another organisation
        services.case_closure_approve(actor=people["saule"], case=case)
    own = _open(people["dana"])
    services.case_closure_request(actor=people["dana"], case=own, reason="safe now")
    with pytest.raises(ValidationError) as raised:  # four eyes, a supervisor's case too
        services.case_closure_approve(actor=people["dana"], case=own)
    assert str(services.SAME_APPROVER) in raised.value.messages
    services.case_closure_approve(actor=people["dana"], case=case)
    case.refresh_from_db()
    assert (case.status, case.closed_by, case.closed_on) == (
        CaseStatus.CLOSED,
        people["dana"],
        TODAY,
    )


# --- the caseworker's day through the pages ------------------------------------------------


def _field_names(html: str) -> set[str]:
    return set(re.findall(r'name="([a-z_]+)"', html))


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_whole_workflow_through_the_pages(people, signed_in, language):
    aigerim, dana = signed_in(people["aigerim"]), signed_in(people["dana"])
    for client in (aigerim, dana):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    base = "/survivor-cases"
    form = aigerim.get(f"{base}/new/")
    assert form.status_code == 200
    assert 'type="date"' in form.content.decode()
    semey = Territory.objects.by_code(SEMEY)
    response = aigerim.post(
        f"{base}/new/",
        {
            "opened_on": TODAY.isoformat(),
            "district": semey.pk,
            "caseworker": people["aigerim"].pk,
            "alias": "Aliya",
            "contact": "+7 700 000 00 00",
            "gbvims_type": GbvimsType.PSYCHOLOGICAL,
            "legal_types": ["psychological"],
            "consent_share": [ShareWith.HEALTH, ShareWith.LEGAL_AID],
            "consent_given_on": TODAY.isoformat(),
            "sex": "F",
            "referred_by": "police",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = SurvivorCase.objects.get()
    assert case.alias_token and "Aliya" not in case.alias_token  # encrypted at rest
    detail = f"{base}/{case.pk}/"
    assert response["Location"].endswith(f"/survivor-cases/{case.pk}/")

    aigerim.post(
        f"{detail}safety-plan/", {"text": "Bag at a neighbour's", "review_on": "2026-04-01"}
    )
    aigerim.post(f"{detail}follow-ups/", {"due_on": "2026-03-17", "note": "call"})
    followup = CaseFollowUp.objects.get()
    aigerim.post(
        f"{base}/follow-ups/{followup.pk}/record/", {"done_on": "2026-03-10", "note": "reached"}
    )
    page = aigerim.get(detail).content.decode()
    assert "Bag at a neighbour" in page and "reached" in page and "Aliya" in page
    assert "None" not in page and "closure_requested" not in page
    assert f'lang="{language}"' in page

    aigerim.post(f"{detail}closure/request/", {"reason": "moved to her sister"})
    aigerim.post(f"{detail}closure/approve/")  # her own approval is refused
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSURE_REQUESTED
    dana.post(f"{detail}closure/approve/")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_by == people["dana"]

    aigerim.post(f"{detail}reopen/", {"reason": "she came back"})
    case.refresh_from_db()
    assert case.status == CaseStatus.REOPENED
    aigerim.post(f"{detail}consent/withdraw/", {"withdrawn_on": TODAY.isoformat()})
    case.refresh_from_db()
    assert not case.may_share(ShareWith.HEALTH)

    listing = aigerim.get(f"{base}/").content.decode()
    assert case.label in listing and "None" not in listing
    audited = set(
        AuditEntry.objects.filter(object_type__startswith="cases.").values_list("action", flat=True)
    )
    assert {"create", "change", "view", "decrypt"} <= audited


def test_the_list_is_paginated(people, signed_in, monkeypatch):
    from qorgau.cases import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for _ in range(3):
        _open(people["aigerim"])
    page = signed_in(people["aigerim"]).get("/survivor-cases/").content.decode()
    assert page.count("/survivor-cases/") >= 3 and "page=2" in page


def test_the_menu_links_the_cases_for_crisis_centres_only(people, signed_in):
    assert "/survivor-cases/" in signed_in(people["aigerim"]).get("/").content.decode()
    assert "/survivor-cases/" not in signed_in(people["police"]).get("/").content.decode()
