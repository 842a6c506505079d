from __future__ import annotations

import pytest

from qorgau.accounts.roles import ROLE_SCOPES, Role, ScopeKind
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.audit.services import audit_record
from qorgau.conftest import PASSWORD, SEMEY

pytestmark = pytest.mark.django_db


def test_only_auditors_browse_the_trail(make_user, signed_in, roles):
    audit_record(action=AuditAction.VIEW, object_type="registry.person", object_id="7")
    for role in roles:
        code = {
            "police_inspector": SEMEY,
            "court_liaison": "100000000",
            "police_supervisor": "100000000",
            "akimat_coordinator": "100000000",
        }.get(role, "000000000")
        if ScopeKind.ORGANISATION in ROLE_SCOPES[role]:
            continue  # organisation roles are covered in accounts/tests/test_access.py
        client = signed_in(make_user(role, code, username=f"u-{role}"))
        expected = 200 if role == Role.AUDITOR else 403
        assert client.get("/audit/").status_code == expected, role
        assert client.get("/audit/verify/").status_code == expected, role
        assert client.get("/api/v1/audit/").status_code == expected, role


def test_auditor_filters_by_user_and_action(make_user, signed_in):
    auditor = make_user(Role.AUDITOR, "000000000")
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY, username="erlan")
    audit_record(
        action=AuditAction.VIEW, actor=inspector, object_type="registry.person", object_id="42"
    )
    audit_record(action=AuditAction.EXPORT, actor=auditor, object_type="monitoring.table")
    client = signed_in(auditor)
    page = client.get("/audit/?user=erlan").content.decode()
    # the entry under the person, by the model's translated name (not "registry.person")
    assert "№42" in page and "registry.person" not in page and "monitoring.table" not in page
    api = client.get("/api/v1/audit/?action=export").json()
    assert [e["object_type"] for e in api["results"]] == ["monitoring.table"]
    assert "intact" in client.get("/audit/verify/").content.decode()


def test_sign_in_and_failed_sign_in_are_recorded(make_user, client):
    user = make_user(Role.NATIONAL_ANALYST, "000000000", username="askar")
    client.post("/accounts/login/", {"username": "askar", "password": "wrong"})
    client.post("/accounts/login/", {"username": "askar", "password": PASSWORD})
    actions = list(AuditEntry.objects.order_by("position").values_list("action", "actor_username"))
    assert actions == [(AuditAction.SIGN_IN_FAILED, ""), (AuditAction.SIGN_IN, "askar")]
    failed = AuditEntry.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert failed.details == {"username": "askar"} and failed.ip_address == "127.0.0.1"
    assert AuditEntry.objects.get(action=AuditAction.SIGN_IN).object_id == str(user.pk)
