"""The data steward reviews the uncertain pairs of a linkage run, in a real Chromium, in Kazakh.

From the linkage page to the review queue, then pair by pair: the two records' names are shown
(and the showing audited), the steward decides "same person" for the first, whose person
clusters merge, and "different persons" for the second, which stay apart; the queue is then
empty and lists the decisions under their status.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.conftest import ABAI, COUNTRY, SEMEY
from qorgau.lib.crypto import encrypt_text
from qorgau.linkage.models import CandidatePair, LinkageRun, LinkedRecord, PairStatus, RunStatus
from qorgau.linkage.templatetags.linkage import register_name
from qorgau.registry.models import RegisterRecord
from qorgau.territory.models import Territory
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import translated

pytestmark = [*BROWSER_MARKS]

LANGUAGE = "kk"


def _record(register: str, surname: str, first_name: str, birth_year: int) -> RegisterRecord:
    return RegisterRecord.objects.create(
        register=register,
        source="test",
        source_record_id=f"{register}-{surname}",
        district=Territory.objects.by_code(SEMEY),
        seen_on=dt.date(2024, 2, 1),
        surname_token=encrypt_text(surname),
        first_name_token=encrypt_text(first_name),
        sex="F",
        birth_year=birth_year,
    )


def _pair(run: LinkageRun, left: RegisterRecord, right: RegisterRecord, p: float):
    linked = [
        LinkedRecord.objects.create(
            run=run,
            register=record.register,
            source_record_id=record.pk,
            cluster=record.pk,  # each record alone in its cluster
            region_code=ABAI,
            year=2024,
            sex="F",
            birth_year=record.birth_year,
        )
        for record in (left, right)
    ]
    return CandidatePair.objects.create(run=run, left=linked[0], right=linked[1], probability=p)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_data_steward_decides_the_uncertain_pairs(browser_page, make_user):
    page = browser_page
    steward = make_user(Role.DATA_STEWARD, COUNTRY, username="steward")
    run = LinkageRun.objects.create(
        status=RunStatus.FINISHED, threshold=0.9, years=[2024], counts={"records": 4}
    )
    same = _pair(
        run,
        _record("health", "Әбенова", "Айгерім", 1990),
        _record("line_111", "Abenova", "Aigerim", 1990),
        0.87,
    )
    apart = _pair(
        run,
        _record("crisis_centre", "Иванова", "Елена", 1985),
        _record("social", "Иванова", "Елена", 1961),
        0.62,
    )

    sign_in(page, "steward", LANGUAGE)
    page.click("nav.menu a[href$='/linkage/']")
    assert page.get_attribute("html", "lang") == LANGUAGE
    assert page.inner_text("main h1") == translated("Record linkage", LANGUAGE)
    assert translated("Record linkage", LANGUAGE) != "Record linkage"
    page.click("main a[href$='/linkage/review/']")
    assert page.inner_text("main h1").startswith(translated("Linkage review", LANGUAGE))
    queue = page.inner_text("main table tbody")
    with translation.override(LANGUAGE):
        registers = [register_name(code) for code in ("health", "line_111", "crisis_centre")]
    assert all(label in queue for label in registers), queue  # named, not stored codes
    assert "line_111" not in queue and "crisis_centre" not in queue

    # The first pair: the same woman, her name written in two alphabets.
    page.click(f"main a[href$='/linkage/review/{same.pk}/']")
    assert page.inner_text("main h1") == f"{translated('Linkage pair', LANGUAGE)} #{same.pk}"
    records = page.inner_text("main table")
    assert "Әбенова" in records and "Abenova" in records
    assert "Айгерім" in records and "Aigerim" in records
    abai = Territory.objects.by_code(ABAI)
    with translation.override(LANGUAGE):
        assert abai.name in records and ABAI not in records  # the region named, not its code
    shown = AuditEntry.objects.filter(action=AuditAction.DECRYPT, actor=steward)
    assert shown.filter(object_type="linkage.candidatepair", object_id=str(same.pk)).exists()
    page.check(f"main input[name=decision][value={PairStatus.MATCH}]")
    page.click("main form.stacked button[type=submit].primary")
    # on to the next pair waiting
    page.wait_for_url(f"**/linkage/review/{apart.pk}/")
    assert page.inner_text(".messages") == translated(
        "The decision is recorded and the clusters updated.", LANGUAGE
    )
    same.refresh_from_db()
    same.left.refresh_from_db()
    same.right.refresh_from_db()
    assert (same.status, same.reviewer) == (PairStatus.MATCH, steward)
    assert same.left.cluster == same.right.cluster

    # The second: same name, a generation apart in age: two persons.
    records = page.inner_text("main table")
    assert "1985" in records and "1961" in records
    page.check(f"main input[name=decision][value={PairStatus.NON_MATCH}]")
    page.click("main form.stacked button[type=submit].primary")
    page.wait_for_url("**/linkage/review/")
    assert page.inner_text("main table tbody") == translated("No pairs.", LANGUAGE)
    apart.refresh_from_db()
    apart.left.refresh_from_db()
    apart.right.refresh_from_db()
    assert (apart.status, apart.reviewer) == (PairStatus.NON_MATCH, steward)
    assert apart.left.cluster != apart.right.cluster
    assert not CandidatePair.objects.filter(status=PairStatus.PENDING).exists()

    # The decisions, listed under their status.
    page.select_option("#id_status", PairStatus.MATCH.value)
    page.click("main form.filters button[type=submit].primary")
    page.wait_for_url("**status=match*")
    decided = page.locator("main table tbody tr")
    assert decided.count() == 1
    assert f"#{same.pk}" in decided.inner_text()
    with translation.override(LANGUAGE):
        assert str(PairStatus.MATCH.label) in decided.inner_text()
    decisions = AuditEntry.objects.filter(
        action=AuditAction.CHANGE, actor=steward, object_type="linkage.candidatepair"
    )
    assert sorted(decisions.values_list("details__decision", flat=True)) == ["match", "non_match"]
