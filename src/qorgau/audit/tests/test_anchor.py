"""Anchors outside the database (``audit.anchor``): a trail deleted, cut back or rebuilt as a
whole fails ``qorgau audit verify``. Each test reproduces a finding of the outside probe."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from qorgau.audit.anchor import anchor_path, anchors_read
from qorgau.audit.models import AuditAction, AuditChainHead
from qorgau.audit.services import audit_chain_verify, audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """Write ``n`` entries as committed requests would: their anchors are written."""

    def write(n: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            for i in range(n):
                audit_record(
                    action=AuditAction.VIEW, object_type="registry.person", object_id=str(i)
                )

    return write


def _sql(statement: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _wipe() -> None:
    _sql("DELETE FROM audit_auditentry")
    _sql("DELETE FROM audit_auditchainhead")


def test_every_committed_entry_is_anchored_and_verify_holds_the_chain_to_them(
    committed: Any, capsys: Any
) -> None:
    committed(4)
    anchors, problem = anchors_read()
    assert [a.length for a in anchors] == [1, 2, 3, 4] and not problem
    report = audit_chain_verify()
    assert report.intact and report.anchors_checked == 4
    assert report.last_good_anchor is not None and report.last_good_anchor.length == 4
    call_command("audit", "verify")
    assert "Held against 4 anchors" in capsys.readouterr().out


def test_deleting_both_audit_tables_is_detected(committed: Any) -> None:
    committed(5)
    _wipe()
    report = audit_chain_verify()
    assert not report.intact and "deleted" in report.problem
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify")
    # the application starts a new chain; its first entries are not the anchored ones
    committed(6)
    report = audit_chain_verify()
    assert not report.intact and "rebuilt" in report.problem
    assert report.first_broken_position == 1


def test_cutting_the_newest_entries_and_restoring_an_older_head_is_detected(
    committed: Any,
) -> None:
    committed(3)
    old_head = AuditChainHead.objects.values_list("length", "last_seal", "seal").get()
    committed(2)
    _sql("DELETE FROM audit_auditentry WHERE position > %s", 3)
    _sql("UPDATE audit_auditchainhead SET length = %s, last_seal = %s, seal = %s", *old_head)
    report = audit_chain_verify()
    assert not report.intact and report.first_broken_position == 4
    assert "counts 4" in report.problem
    assert report.last_good_anchor is not None and report.last_good_anchor.length == 3
    with pytest.raises(CommandError, match=r"Last good anchor: entry #3"):
        call_command("audit", "verify")


def test_an_entry_rolled_back_leaves_no_anchor(
    committed: Any, django_capture_on_commit_callbacks: Any
) -> None:
    committed(2)
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture, pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action=AuditAction.VIEW, object_type="registry.person", object_id="x")
        raise RuntimeError("refused")
    assert [a.length for a in anchors_read()[0]] == [1, 2]
    assert audit_chain_verify().intact


def test_a_forged_anchor_line_breaks_verification(committed: Any) -> None:
    committed(2)
    path = anchor_path()
    assert path is not None
    forged = {"length": 1, "seal": "0" * 64, "at": "2026-01-01T00:00:00+00:00", "mac": "0" * 64}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(forged) + "\n")
    report = audit_chain_verify()
    assert not report.intact and "line 3" in report.problem


def test_the_anchor_command_and_a_chain_without_anchors(committed: Any, capsys: Any) -> None:
    audit_record(action=AuditAction.VIEW, object_type="registry.person", object_id="1")
    call_command("audit", "verify")  # not committed: no anchor yet, reported, not a failure
    assert "no anchors outside the database" in capsys.readouterr().out
    call_command("audit", "anchor")
    assert [a.length for a in anchors_read()[0]] == [1]
    _wipe()
    assert not audit_chain_verify().intact  # an empty chain with an anchor is broken


def test_a_deliberate_rewind_signed_with_the_key_is_accepted(committed: Any) -> None:
    """``qorgau restore`` of an older backup appends a signed rewind: the anchors beyond the
    restored head stop counting, those before it still do, and new entries anchor as usual."""
    from qorgau.audit.anchor import anchor_rewind

    committed(3)
    old_head = AuditChainHead.objects.values_list("length", "last_seal", "seal").get()
    committed(2)
    _sql("DELETE FROM audit_auditentry WHERE position > %s", 3)
    _sql("UPDATE audit_auditchainhead SET length = %s, last_seal = %s, seal = %s", *old_head)
    assert not audit_chain_verify().intact
    anchor_rewind()
    assert audit_chain_verify().intact
    committed(1)
    report = audit_chain_verify()
    assert report.intact and report.last_good_anchor is not None
    assert report.last_good_anchor.length == 4
    _sql("DELETE FROM audit_auditentry WHERE position > %s", 2)  # cut before the rewind
    assert not audit_chain_verify().intact
