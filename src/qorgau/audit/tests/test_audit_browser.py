"""The auditor reads the audit trail, filters it and verifies its chain, in a real Chromium, in
English.

An inspector's work leaves entries (persons registered, one opened with a reason). The
auditor finds the opening by user and action, then a person's whole history by its label,
then verifies the chain: intact, as the sealed stored verification says; and broken, at the
right entry, once an entry is altered past the application.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditAction, AuditChainHead, AuditEntry, ChainVerification
from qorgau.audit.services import audit_record
from qorgau.conftest import COUNTRY, SEMEY
from qorgau.registry import services
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import translated

pytestmark = [*BROWSER_MARKS]

LANGUAGE = "en"
REASON = "проверка по заявлению потерпевшей"


def _rows(page) -> list[list[str]]:
    rows = page.locator("main table tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def _filter(page, **values: str) -> None:
    for name, value in values.items():
        if page.locator(f"main form.filters select[name={name}]").count():
            page.select_option(f"main form.filters select[name={name}]", value)
        else:
            page.fill(f"main form.filters input[name={name}]", value)
    page.click("main form.filters button[type=submit].primary")
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_auditor_filters_the_trail_and_verifies_the_chain(browser_page, make_user):
    page = browser_page
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY, username="inspector.semey")
    make_user(Role.AUDITOR, COUNTRY, username="auditor")
    victim = services.person_register(actor=inspector, surname="Akhmetova", first_name="Aigul")
    services.person_register(actor=inspector, surname="Akhmetov", first_name="Bolat")
    audit_record(action=AuditAction.VIEW, actor=inspector, target=victim, reason=REASON)

    sign_in(page, "auditor", LANGUAGE)
    page.click("nav.menu a[href$='/audit/']")
    assert page.get_attribute("html", "lang") == LANGUAGE
    assert page.inner_text("main h1") == translated("Audit trail", LANGUAGE)
    assert len(_rows(page)) == AuditEntry.objects.count()

    # Who opened a record, with which reason: by user and action.
    _filter(page, user="inspector.semey", action=AuditAction.VIEW.value)
    assert "user=inspector.semey" in page.url
    (row,) = _rows(page)
    opened = AuditEntry.objects.get(actor=inspector, action=AuditAction.VIEW)
    assert row[0] == str(opened.position)
    assert row[2] == "inspector.semey"
    assert row[4] == translated("view", LANGUAGE)
    assert row[5].endswith(f"№{victim.pk}")
    assert row[6] == REASON

    # A person's whole history, by the label the registry shows.
    _filter(page, user="", action="", person=victim.label)
    history = _rows(page)
    expected = AuditEntry.objects.filter(object_type="registry.person", object_id=str(victim.pk))
    assert len(history) == expected.count() >= 2  # registered, then opened
    assert sorted(int(r[0]) for r in history) == sorted(e.position for e in expected)

    # The chain: intact, as the stored and sealed verification says.
    page.click("main a[href$='/audit/verify/']")
    assert page.inner_text("main h1") == translated("Audit chain", LANGUAGE)
    verification = ChainVerification.objects.first()
    assert verification is not None and verification.intact and verification.is_sealed()
    assert verification.entries_checked == AuditChainHead.objects.get().length
    with translation.override(LANGUAGE):
        intact = translation.ngettext(
            "The chain is intact: %(counter)s entry verified.",
            "The chain is intact: %(counter)s entries verified.",
            verification.entries_checked,
        ) % {"counter": verification.entries_checked}
    assert page.inner_text("main p.ok") == intact

    # An entry altered past the application: the walk the auditor asks for finds it.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET reason = %s WHERE position = %s", ["", opened.position]
        )
    page.click("main form[method=post] button[type=submit].primary")
    page.wait_for_selector("main p.bad")
    broken = page.inner_text("main p.bad")
    assert broken.startswith(translated("The chain is broken.", LANGUAGE))
    with translation.override(LANGUAGE):
        first = translation.gettext("First broken entry: #%(position)s.") % {
            "position": opened.position
        }
    assert first in broken
    last = ChainVerification.objects.first()
    assert last is not None and last.pk != verification.pk
    assert (last.intact, last.first_broken_position) == (False, opened.position)
    assert last.is_sealed()
