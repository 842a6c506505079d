"""The chain page shows the last stored verification; the button and the command walk it all.

Walking the chain grows with the trail, so the page reads the stored result
(``audit.verification``) in a fixed number of queries however long the trail, while a POST and
``qorgau audit verify`` still re-compute every seal and catch an altered entry.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditAction, ChainVerification
from qorgau.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _record(count: int) -> None:
    for number in range(count):
        audit_record(action=AuditAction.VIEW, object_type="registry.person", object_id=str(number))


def test_the_page_reads_the_last_result_in_few_queries(
    make_user, signed_in, django_assert_max_num_queries
):
    client = signed_in(make_user(Role.AUDITOR, "000000000"))
    _record(3)
    first = client.get("/audit/verify/").content.decode()  # none stored: walks once
    assert "intact" in first and ChainVerification.objects.count() == 1
    _record(40)
    with django_assert_max_num_queries(12):
        page = client.get("/audit/verify/").content.decode()
    assert ChainVerification.objects.count() == 1, "a visit does not walk the chain"
    assert "recorded after this verification" in page


def test_the_button_and_the_command_walk_the_whole_chain(make_user, signed_in):
    client = signed_in(make_user(Role.AUDITOR, "000000000"))
    _record(3)
    assert client.post("/audit/verify/").status_code == 302
    assert ChainVerification.objects.get().intact
    with connection.cursor() as cursor:  # past the append-only manager, as an intruder would
        cursor.execute("UPDATE audit_auditentry SET object_id = %s WHERE position = 2", ["x"])
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    last = ChainVerification.objects.first()
    assert last is not None and not last.intact and last.first_broken_position == 2
    assert "broken" in client.get("/audit/verify/").content.decode()


def test_a_forged_row_is_not_believed(make_user, signed_in):
    """Whoever can write the table could store "intact, 10,000 entries verified" over a chain
    nobody walked; the stored result is sealed with a key derived from the audit key, so a
    forged row makes the page walk the chain again and show what it found."""
    from django.utils import timezone

    client = signed_in(make_user(Role.AUDITOR, "000000000"))
    _record(3)
    ChainVerification.objects.create(
        checked_at=timezone.now(), intact=True, entries_checked=10_000, seal="0" * 64
    )
    client.get("/audit/verify/")
    newest = ChainVerification.objects.first()
    assert newest is not None and newest.is_sealed()
    assert newest.entries_checked < 10_000 and newest.intact
