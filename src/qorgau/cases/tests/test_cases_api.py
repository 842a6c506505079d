"""The survivor-case API: the same wall, services and audit as the pages, no decrypted text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qorgau.accounts.models import OrganisationKind
from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditEntry
from qorgau.cases.models import SurvivorCase
from qorgau.conftest import MEDEU, SEMEY
from qorgau.coordination.models import ReferralStatus

pytestmark = pytest.mark.django_db
API = "/api/v1/survivor-cases"
TODAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


def test_a_centre_opens_assesses_refers_and_withdraws_through_the_api(
    make_user, make_organisation, signed_in
):
    semey = make_organisation("Semey crisis centre", SEMEY)
    legal = make_organisation("Semey legal aid", SEMEY, kind=OrganisationKind.LEGAL_AID)
    client = signed_in(make_user(Role.CRISIS_CENTRE, organisation=semey, username="aigerim"))
    body = {
        "district": SEMEY,
        "opened_on": "2026-03-09",
        "gbvims_type": "physical_assault",
        "consent_share": ["legal_aid"],
        "consent_given_on": "2026-03-09",
        "birth_year": 1991,
        "legal_types": ["physical"],
        "iin": "900101300007",
    }
    created = client.post(f"{API}/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["reference"].startswith("SC-") and "iin" not in case
    assert "900101300007" not in created.content.decode()
    wrong = client.post(f"{API}/", {**body, "iin": "900101300008"}, content_type="application/json")
    assert wrong.status_code == 400 and "iin" in wrong.json()["extra"]["fields"]

    pk = case["id"]
    answers = {"strangulation": 1, "threat_to_kill": 1, "weapon": 1, "escalation": 1}
    assessed = client.post(
        f"{API}/{pk}/assessments/",
        {"answers": answers, "needs": ["legal"]},
        content_type="application/json",
    )
    assert assessed.status_code == 201 and assessed.json()["risk_level"] in {"high", "critical"}
    assert assessed.json()["advocate"] is not None
    refer = {"kind": "legal_aid", "receiver": legal.pk, "reason": "divorce"}
    referred = client.post(f"{API}/{pk}/referrals/", refer, content_type="application/json")
    assert referred.status_code == 201 and referred.json()["status"] == ReferralStatus.SENT
    health = client.post(
        f"{API}/{pk}/referrals/",
        {**refer, "kind": "health"},
        content_type="application/json",
    )
    assert health.status_code == 400  # she agreed to legal aid only
    withdrawn = client.post(
        f"{API}/{pk}/consent/withdraw/",
        {"withdrawn_on": "2026-03-10"},
        content_type="application/json",
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["consent_in_force"] is False
    detail = client.get(f"{API}/{pk}/").json()
    assert detail["referrals"][0]["status"] == ReferralStatus.WITHDRAWN
    stats = client.get(f"{API}/statistics/?period=2026-03").json()
    assert stats["clients_total"] == 1 and stats["new_cases"] == 1
    assert client.get(f"{API}/statistics/?period=March").status_code == 400
    assert AuditEntry.objects.filter(object_type="cases.survivorcase", action="view").exists()

    other = signed_in(
        make_user(
            Role.CRISIS_CENTRE,
            organisation=make_organisation("Almaty centre", MEDEU),
            username="saule",
        )
    )
    assert other.get(f"{API}/").json()["count"] == 0
    assert other.get(f"{API}/{pk}/").status_code == 404
    assert (
        other.post(f"{API}/{pk}/referrals/", refer, content_type="application/json").status_code
        == 404
    )
    police = signed_in(make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector"))
    assert police.get(f"{API}/").status_code == 403
    assert SurvivorCase.objects.count() == 1
