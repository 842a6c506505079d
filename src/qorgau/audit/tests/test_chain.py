from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from qorgau.audit.models import AuditAction, AuditChainHead, AuditEntry
from qorgau.audit.services import audit_chain_verify, audit_record

pytestmark = pytest.mark.django_db


def _write_entries(n: int) -> None:
    for i in range(n):
        audit_record(
            action=AuditAction.VIEW,
            object_type="registry.person",
            object_id=str(i),
            reason="case work" if i % 2 else "",
            details={"i": i},
        )


def _sql(statement: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_untouched_chain_verifies():
    _write_entries(5)
    report = audit_chain_verify()
    assert report.intact and report.entries_checked == 5
    call_command("audit", "verify")


def test_an_altered_row_is_named():
    _write_entries(5)
    _sql("UPDATE audit_auditentry SET reason = %s WHERE position = %s", "nothing to see", 3)
    report = audit_chain_verify()
    assert not report.intact
    assert report.first_broken_position == 3
    assert "altered" in report.problem
    with pytest.raises(CommandError, match="entry #3"):
        call_command("audit", "verify")


def test_a_deleted_row_is_named():
    _write_entries(5)
    _sql("DELETE FROM audit_auditentry WHERE position = %s", 2)
    report = audit_chain_verify()
    assert (report.intact, report.first_broken_position) == (False, 2)
    assert "missing" in report.problem


def test_a_deleted_newest_row_is_caught_by_the_head():
    _write_entries(4)
    _sql("DELETE FROM audit_auditentry WHERE position = %s", 4)
    report = audit_chain_verify()
    assert (report.intact, report.first_broken_position) == (False, 4)


def test_renumbering_after_a_deletion_is_caught():
    _write_entries(4)
    _sql("DELETE FROM audit_auditentry WHERE position = %s", 2)
    _sql("UPDATE audit_auditentry SET position = position - 1 WHERE position > %s", 2)
    _sql("UPDATE audit_auditchainhead SET length = 3")
    report = audit_chain_verify()
    assert not report.intact and report.first_broken_position == 2


def test_a_forged_head_is_caught():
    _write_entries(3)
    _sql("DELETE FROM audit_auditentry WHERE position = %s", 3)
    previous = AuditEntry.objects.get(position=2).seal
    _sql("UPDATE audit_auditchainhead SET length = 2, last_seal = %s", previous)
    report = audit_chain_verify()
    assert not report.intact and "head" in report.problem


def test_the_trail_refuses_updates_and_deletes_through_the_orm():
    _write_entries(1)
    entry = AuditEntry.objects.get()
    entry.reason = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(reason="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_entries_are_chained_and_numbered_without_gaps():
    _write_entries(3)
    entries = list(AuditEntry.objects.order_by("position"))
    assert [e.position for e in entries] == [1, 2, 3]
    assert entries[0].previous_seal == ""
    assert entries[1].previous_seal == entries[0].seal
    head = AuditChainHead.objects.get()
    assert (head.length, head.last_seal) == (3, entries[2].seal)
