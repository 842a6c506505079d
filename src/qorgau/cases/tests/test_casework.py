"""A survivor case's work beyond the file: assessment and advocate, referrals on her consent,
withdrawal that stops what waits, transfer to another centre, the crisis-centre register
record and the month's statistics filling the monthly form.

Personas as in ``test_cases``: Aigerim and Dana at the Semey centre, Saule in Almaty; the
Semey legal aid office and hospital receive referrals; a Semey police inspector.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qorgau.accounts.models import OrganisationKind
from qorgau.accounts.roles import Role
from qorgau.cases import services, services_assessment, services_sharing
from qorgau.cases.models import (
    CaseStatus,
    CaseTransfer,
    GbvimsType,
    ReferredBy,
    ShareWith,
    SurvivorCase,
    TransferStatus,
)
from qorgau.cases.register_feed import REGISTER_SOURCE, case_register_records_sync
from qorgau.cases.statistics import month_statistics, monthly_report_fill
from qorgau.conftest import MEDEU, SEMEY
from qorgau.coordination import services as coordination
from qorgau.coordination.models import ReferralKind, ReferralOutcome, ReferralStatus
from qorgau.monitoring.models import AggregateReport
from qorgau.registry.models import Person, RegisterRecord
from qorgau.registry.models.register_records import Register
from qorgau.territory.models import Territory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 10)
IIN = "900101300007"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


@pytest.fixture
def people(make_user, make_organisation):
    semey = make_organisation("Semey crisis centre", SEMEY)
    shelter = make_organisation("Semey shelter", SEMEY, kind=OrganisationKind.SHELTER)
    almaty = make_organisation("Almaty crisis centre", MEDEU)
    legal = make_organisation("Semey legal aid", SEMEY, kind=OrganisationKind.LEGAL_AID)
    hospital = make_organisation("Semey hospital", SEMEY, kind=OrganisationKind.HEALTH)
    police = make_organisation("Semey police", SEMEY, kind=OrganisationKind.POLICE)
    return {
        "semey": semey,
        "shelter": shelter,
        "legal": legal,
        "hospital": hospital,
        "police_org": police,
        "aigerim": make_user(Role.CRISIS_CENTRE, organisation=semey, username="aigerim"),
        "dana": make_user(Role.CRISIS_CENTRE_SUPERVISOR, organisation=semey, username="dana"),
        "saule": make_user(Role.CRISIS_CENTRE, organisation=almaty, username="saule"),
        "asel": make_user(Role.CRISIS_CENTRE, organisation=shelter, username="asel"),
        "lawyer": make_user(Role.AGENCY_OFFICER, organisation=legal, username="lawyer"),
        "doctor": make_user(Role.AGENCY_OFFICER, organisation=hospital, username="doctor"),
    }


def _open(actor, **fields) -> SurvivorCase:
    values = {
        "district": Territory.objects.by_code(SEMEY),
        "opened_on": TODAY,
        "gbvims_type": GbvimsType.PHYSICAL_ASSAULT,
        "consent_share": [ShareWith.HEALTH, ShareWith.LEGAL_AID, ShareWith.SOCIAL],
        "consent_given_on": TODAY,
        "birth_year": 1990,
        "legal_types": ["physical"],
    } | fields
    return services.case_open(actor=actor, **values)


def _kind(code: str) -> ReferralKind:
    return ReferralKind.objects.get(code=code)


# --- assessment and advocate ------------------------------------------------------------------


def test_a_high_risk_assessment_names_the_caseworker_as_advocate(people):
    case = _open(people["aigerim"])
    low = services_assessment.case_assess(
        actor=people["aigerim"], case=case, answers={"separation": 1}, needs=["legal"]
    )
    case.refresh_from_db()
    assert low.level == "low" and case.advocate is None and low.needs == ["legal"]
    high = services_assessment.case_assess(
        actor=people["aigerim"],
        case=case,
        answers={"strangulation": 1, "threat_to_kill": 1, "weapon": 1, "escalation": 1},
        needs=["safety", "legal", "nonsense"],
    )
    case.refresh_from_db()
    assert high.is_high and case.advocate == people["aigerim"]
    assert high.needs == ["safety", "legal"]  # an unknown need is dropped
    assert services_assessment.current_assessment(case) == high


def test_a_level_may_be_raised_with_a_reason_never_lowered(people):
    case = _open(people["aigerim"])
    answers = {"strangulation": 1, "threat_to_kill": 1, "weapon": 1, "escalation": 1}
    with pytest.raises(ValidationError):
        services_assessment.case_assess(
            actor=people["aigerim"], case=case, answers=answers, needs=[], level="low"
        )
    with pytest.raises(ValidationError):
        services_assessment.case_assess(
            actor=people["aigerim"], case=case, answers={}, needs=[], level="critical"
        )
    raised = services_assessment.case_assess(
        actor=people["aigerim"],
        case=case,
        answers={},
        needs=[],
        level="critical",
        override_reason="he bought a gun",
    )
    assert raised.level == "critical" and raised.computed_level == "low"
    with pytest.raises(ValidationError):
        services_assessment.case_assess(
            actor=people["aigerim"], case=case, answers={"no_such_item": 1}, needs=[]
        )


def test_the_advocate_is_a_colleague_of_the_same_centre(people):
    case = _open(people["aigerim"])
    services_assessment.case_advocate_assign(
        actor=people["aigerim"], case=case, advocate=people["dana"]
    )
    case.refresh_from_db()
    assert case.advocate == people["dana"]
    with pytest.raises(ValidationError):
        services_assessment.case_advocate_assign(
            actor=people["aigerim"], case=case, advocate=people["saule"]
        )
    with pytest.raises(PermissionDenied):
        services_assessment.case_assess(actor=people["saule"], case=case, answers={}, needs=[])


# --- referrals on her consent -----------------------------------------------------------------


def test_referrals_follow_the_closed_loop_on_her_consent(people):
    case = _open(people["aigerim"])
    legal = services_sharing.case_refer(
        actor=people["aigerim"],
        case=case,
        kind=_kind("legal_aid"),
        receiver=people["legal"],
        reason="divorce and alimony",
    )
    health = services_sharing.case_refer(
        actor=people["aigerim"],
        case=case,
        kind=_kind("health"),
        receiver=people["hospital"],
        reason="forensic examination",
    )
    referral = legal.referral
    assert referral.sharing_basis == "consent" and case.label in referral.sharing_reference
    assert referral.person is None and referral.sender == people["semey"]
    assert legal.share_kind == ShareWith.LEGAL_AID and health.share_kind == ShareWith.HEALTH
    coordination.referral_answer(actor=people["lawyer"], referral=referral, accept=True)
    coordination.referral_report_outcome(
        actor=people["lawyer"], referral=referral, outcome=ReferralOutcome.SERVICE_GIVEN
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED


def test_no_referral_to_a_body_she_did_not_agree_to(people):
    case = _open(people["aigerim"], consent_share=[ShareWith.HEALTH])
    with pytest.raises(ValidationError, match="not agreed"):
        services_sharing.case_refer(
            actor=people["aigerim"],
            case=case,
            kind=_kind("legal_aid"),
            receiver=people["legal"],
            reason="divorce",
        )
    with pytest.raises(ValidationError):  # the police are the police, whatever is asked
        services_sharing.case_refer(
            actor=people["aigerim"],
            case=case,
            kind=_kind("health"),
            receiver=people["police_org"],
            reason="anything",
        )
    with pytest.raises(ValidationError):  # offender programmes are not asked from her file
        services_sharing.case_refer(
            actor=people["aigerim"],
            case=case,
            kind=_kind("programme"),
            receiver=people["hospital"],
            reason="anything",
        )


def test_withdrawal_stops_every_further_share_and_withdraws_what_waits(people):
    case = _open(people["aigerim"])
    waiting = services_sharing.case_refer(
        actor=people["aigerim"],
        case=case,
        kind=_kind("legal_aid"),
        receiver=people["legal"],
        reason="divorce",
    ).referral
    answered = services_sharing.case_refer(
        actor=people["aigerim"],
        case=case,
        kind=_kind("health"),
        receiver=people["hospital"],
        reason="examination",
    ).referral
    coordination.referral_answer(actor=people["doctor"], referral=answered, accept=True)
    transfer = services_sharing.case_transfer_request(
        actor=people["aigerim"], case=case, to_organisation=people["shelter"], reason="shelter"
    )
    services_sharing.case_consent_withdraw(actor=people["aigerim"], case=case, withdrawn_on=TODAY)
    waiting.refresh_from_db()
    answered.refresh_from_db()
    transfer.refresh_from_db()
    assert waiting.status == ReferralStatus.WITHDRAWN
    assert answered.status == ReferralStatus.ACCEPTED  # already with the receiver
    assert transfer.status == TransferStatus.DECLINED
    with pytest.raises(ValidationError):
        services_sharing.case_refer(
            actor=people["aigerim"],
            case=case,
            kind=_kind("health"),
            receiver=people["hospital"],
            reason="again",
        )
    with pytest.raises(ValidationError):
        services_sharing.case_transfer_request(
            actor=people["aigerim"], case=case, to_organisation=people["shelter"], reason="x"
        )


# --- transfer -------------------------------------------------------------------------------


def test_a_transfer_accepted_moves_the_case_to_the_receiving_centre(people):
    from qorgau.accounts.access import restrict

    case = _open(people["aigerim"])
    transfer = services_sharing.case_transfer_request(
        actor=people["aigerim"], case=case, to_organisation=people["shelter"], reason="shelter"
    )
    with pytest.raises(ValidationError):  # one pending transfer at a time
        services_sharing.case_transfer_request(
            actor=people["aigerim"], case=case, to_organisation=people["shelter"], reason="x"
        )
    # The receiver sees the request, not the case, until it accepts.
    assert restrict(CaseTransfer.objects.all(), people["asel"]).count() == 1
    assert not restrict(SurvivorCase.objects.all(), people["asel"]).exists()
    with pytest.raises(PermissionDenied):  # the sender cannot accept for the receiver
        services_sharing.case_transfer_answer(actor=people["dana"], transfer=transfer, accept=True)
    with pytest.raises(ValidationError):
        services_sharing.case_transfer_answer(actor=people["asel"], transfer=transfer, accept=False)
    services_sharing.case_transfer_answer(actor=people["asel"], transfer=transfer, accept=True)
    case.refresh_from_db()
    assert case.organisation == people["shelter"] and case.caseworker == people["asel"]
    assert restrict(SurvivorCase.objects.all(), people["asel"]).get() == case
    assert not restrict(SurvivorCase.objects.all(), people["aigerim"]).exists()
    with pytest.raises(ValidationError):
        services_sharing.case_transfer_answer(actor=people["asel"], transfer=transfer, accept=True)


def test_a_transfer_goes_only_to_another_centre(people):
    case = _open(people["aigerim"])
    for target in (people["semey"], people["hospital"]):
        with pytest.raises(ValidationError):
            services_sharing.case_transfer_request(
                actor=people["aigerim"], case=case, to_organisation=target, reason="x"
            )


# --- the crisis-centre register record ----------------------------------------------------


def test_the_register_record_is_written_at_intake_and_reopening_never_twice(people, monkeypatch):
    case = _open(people["aigerim"], iin=IIN, injury="moderate")
    records = RegisterRecord.objects.filter(source=REGISTER_SOURCE)
    record = records.get()
    assert record.register == Register.CRISIS_CENTRE
    assert record.iin_pseudonym == case.iin_pseudonym and record.iin_pseudonym != IIN
    assert (record.seen_on, record.injury, record.birth_year) == (TODAY, "moderate", 1990)
    assert record.organisation == people["semey"] and not record.surname_token
    assert not Person.objects.exists()  # nothing reaches the police register
    assert case_register_records_sync() == 0  # safe to re-run
    services.case_closure_request(actor=people["aigerim"], case=case, reason="done")
    services.case_closure_approve(actor=people["dana"], case=case)
    services.case_reopen(actor=people["aigerim"], case=case, reason="the same day")
    assert records.count() == 1  # seen once that day
    services.case_closure_request(actor=people["aigerim"], case=case, reason="done")
    services.case_closure_approve(actor=people["dana"], case=case)
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY + dt.timedelta(days=20))
    services.case_reopen(actor=people["aigerim"], case=case, reason="she came back")
    assert records.count() == 2
    records.filter(source_record_id=str(case.pk)).delete()
    assert case_register_records_sync() == 1 and records.count() == 2


# --- the month's statistics ---------------------------------------------------------------


def test_the_months_statistics_count_the_case_files_and_fill_the_form(people):
    february = dt.date(2026, 2, 10)
    _open(people["aigerim"], opened_on=february, consent_given_on=february)
    _open(
        people["aigerim"],
        opened_on=february,
        consent_given_on=february,
        birth_year=2012,
        gbvims_type=GbvimsType.SEXUAL_ASSAULT,
    )
    _open(
        people["aigerim"],
        opened_on=dt.date(2026, 1, 5),
        consent_given_on=dt.date(2026, 1, 5),
        sex="M",
        referred_by=ReferredBy.POLICE,
    )
    _open(
        people["saule"],
        opened_on=february,
        consent_given_on=february,
        district=Territory.objects.by_code(MEDEU),
    )
    _open(people["aigerim"])  # March: not in February
    cases = SurvivorCase.objects.filter(organisation=people["semey"])
    stats = month_statistics(cases, "2026-02")
    assert (stats.served, stats.served_women, stats.served_children, stats.served_men) == (
        3,
        1,
        1,
        1,
    )
    assert stats.new_cases == 2 and stats.served_referred_by_police == 1
    assert stats.by_type[GbvimsType.SEXUAL_ASSAULT] == 1
    report = monthly_report_fill(actor=people["aigerim"], cases=cases, period="2026-02")
    figures = dict(report.figures.values_list("item", "value"))
    assert figures["clients_total"] == 3 and figures["clients_children"] == 1
    assert figures["referrals_from_police"] == 1 and report.status == "draft"
    # The centre's own beds stay when the figures are filled again.
    report.figures.filter(item="beds").update(value=12)
    again = monthly_report_fill(actor=people["aigerim"], cases=cases, period="2026-02")
    assert again.pk == report.pk and again.figures.get(item="beds").value == 12
    assert AggregateReport.objects.count() == 1


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_caseworkers_pages_for_assessment_referral_transfer_and_statistics(
    people, signed_in, language
):
    client = signed_in(people["aigerim"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    case = _open(people["aigerim"])
    detail = f"/survivor-cases/{case.pk}/"
    page = client.get(f"{detail}assessment/").content.decode()
    assert 'name="item_strangulation"' in page and f'lang="{language}"' in page
    response = client.post(
        f"{detail}assessment/",
        {
            "item_strangulation": "on",
            "item_threat_to_kill": "on",
            "item_weapon": "on",
            "item_escalation": "on",
            "needs": ["legal", "health"],
        },
    )
    assert response.status_code == 302
    client.post(
        f"{detail}refer/",
        {
            "refer-kind": _kind("legal_aid").pk,
            "refer-receiver": people["legal"].pk,
            "refer-reason": "divorce",
        },
    )
    page = client.get(detail).content.decode()
    assert 'id="risk-level"' in page and 'id="case-referrals"' in page
    assert "None" not in page
    case.refresh_from_db()
    assert case.advocate == people["aigerim"] and case.referrals.count() == 1
    client.post(
        f"{detail}transfer/",
        {"transfer-to_organisation": people["shelter"].pk, "transfer-reason": "bed"},
    )
    assert CaseTransfer.objects.filter(case=case, status="pending").exists()
    stats = client.get("/survivor-cases/statistics/?period=2026-02")
    assert stats.status_code == 200 and 'id="month-figures"' in stats.content.decode()
    filled = client.post("/survivor-cases/statistics/", {"period": "2026-02"})
    assert filled.status_code == 302 and "/reports/" in filled["Location"]
    receiver = signed_in(people["asel"])
    receiver.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    inbox = receiver.get("/survivor-cases/transfers/").content.decode()
    assert case.label in inbox and "None" not in inbox
    transfer = CaseTransfer.objects.get(case=case)
    receiver.post(f"/survivor-cases/transfers/{transfer.pk}/answer/", {"accept": "1"})
    case.refresh_from_db()
    assert case.organisation == people["shelter"] and case.status == CaseStatus.OPEN
    assert client.get(detail).status_code == 404  # gone from the sender


def test_the_case_page_shows_the_conferences_actions_for_her_owned_by_the_centre(people, signed_in):
    from qorgau.coordination.models import (
        ConferenceCase,
        CoordinatingBody,
        Meeting,
        MeetingKind,
        SafetyAction,
    )
    from qorgau.registry.services_persons import iin_pseudonym

    semey = Territory.objects.by_code(SEMEY)
    case = _open(people["aigerim"], iin=IIN)
    anonymous = _open(people["aigerim"])
    victim = Person.objects.create(iin_pseudonym=iin_pseudonym(IIN), home_district=semey)
    body = CoordinatingBody.objects.create(name="Semey body", territory=semey)
    meeting = Meeting.objects.create(
        body=body, kind=MeetingKind.CONFERENCE, planned_at=timezone.now()
    )
    conference = ConferenceCase.objects.create(
        meeting=meeting,
        victim=victim,
        district=semey,
        discussed_on=TODAY,
        sharing_basis="law",
    )
    mine = SafetyAction.objects.create(
        case=conference,
        owner=people["semey"],
        description="Shelter place for two weeks",
        deadline=TODAY + dt.timedelta(days=3),
    )
    SafetyAction.objects.create(
        case=conference,
        owner=people["hospital"],
        description="Forensic examination",
        deadline=TODAY + dt.timedelta(days=3),
    )
    client = signed_in(people["aigerim"])
    page = client.get(f"/survivor-cases/{case.pk}/").content.decode()
    assert mine.reference in page and "Shelter place" in page
    assert "Forensic examination" not in page  # another agency's action
    assert (
        'id="conference-actions"'
        not in client.get(f"/survivor-cases/{anonymous.pk}/").content.decode()
    )
