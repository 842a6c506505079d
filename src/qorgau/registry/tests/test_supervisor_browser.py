"""A regional police supervisor reviews the protective orders of the whole region, in a real
Chromium, in English.

What a supervisor has that a district inspector has not is the region: its alerts (a fall of
registered incidents in Kurchatov), and on the work page the orders of every district of it
(Semey and Kurchatov here, never Almaty's Medeu), those ending soon and those whose police
check is overdue. The supervisor has the overdue check recorded
and extends the order that is about to end; both leave the lists, on the page and in the
database.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import formats, timezone, translation

from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.conftest import ABAI, KURCHATOV, MEDEU, SEMEY
from qorgau.monitoring.models import Alert, AlertKind
from qorgau.registry import choices as c
from qorgau.registry import services
from qorgau.registry.models import OrderCheckIn, OrderExtension, ProtectiveOrder
from qorgau.territory.models import Territory
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import translated

pytestmark = [*BROWSER_MARKS]

LANGUAGE = "en"


def _days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def _short(day: dt.date) -> str:
    with translation.override(LANGUAGE):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def _served_order(inspector, code: str, surname: str, served_days_ago: int) -> ProtectiveOrder:
    """An incident in district ``code`` and the order served on its day."""
    district = Territory.objects.by_code(code)
    victim = services.person_register(actor=inspector, surname=f"{surname}a", first_name="Dana")
    offender = services.person_register(
        actor=inspector, sex=c.Sex.MALE, birth_date=dt.date(1980, 3, 4), surname=surname
    )
    day = _days_ago(served_days_ago)
    occurred = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    incident = services.incident_register(
        actor=inspector,
        occurred_at=occurred,
        reported_at=occurred + dt.timedelta(hours=1),
        district=district,
        settlement_type=c.SettlementType.URBAN,
        source_channel=c.SourceChannel.CALL_102,
        victims=[victim],
        offenders=[(offender, c.Relationship.SPOUSE)],
        psychological=True,
    )
    return services.order_issue(
        actor=inspector,
        offender=offender,
        protected=[victim],
        issued_on=day,
        served_on=day,
        district=district,
        incident=incident,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_police_supervisor_reviews_the_orders_of_the_region(browser_page, make_user):
    page = browser_page
    supervisor = make_user(Role.POLICE_SUPERVISOR, ABAI, username="police.abai")
    # Ends in three days; checked five days ago, so its next check is not due yet.
    ending = _served_order(make_user(Role.POLICE_INSPECTOR, SEMEY), SEMEY, "Serikov", 26)
    services.order_check_in(
        actor=ending.created_by, order=ending, checked_on=_days_ago(5), note="seen"
    )
    ending.refresh_from_db()
    # Served twelve days ago and never checked: the weekly check is five days late.
    unchecked = _served_order(make_user(Role.POLICE_INSPECTOR, KURCHATOV), KURCHATOV, "Bekov", 12)
    # Both at once, but in Almaty: no business of Abai's supervisor.
    elsewhere = _served_order(make_user(Role.POLICE_INSPECTOR, MEDEU), MEDEU, "Omarov", 26)
    assert ending.ends_on == _days_ago(-3) and unchecked.next_check_due == _days_ago(5)

    # A fall of registered incidents in Kurchatov that hard outcomes do not follow (and one in
    # Almaty, not the region's).
    for code in (KURCHATOV, MEDEU):
        Alert.objects.create(
            territory=Territory.objects.by_code(code),
            indicator="incidents_rate",
            period=f"{timezone.localdate().year - 1}Q4",
            kind=AlertKind.UNDER_REGISTRATION,
            observed=4,
            expected=19.5,
            p_value=0.0003,
            computed_at=timezone.now(),
        )

    sign_in(page, "police.abai", LANGUAGE)

    # The region's alerts, from the monitoring of its figures.
    page.click("nav.menu a[href$='/monitoring/']")
    page.click("main a[href$='/monitoring/alerts/']")
    assert page.inner_text("main h1") == translated("Alerts", LANGUAGE)
    alerts = page.locator("main table >> nth=0").locator("tbody tr")
    assert alerts.count() == 1
    assert Territory.objects.by_code(KURCHATOV).name_en in alerts.inner_text()
    with translation.override(LANGUAGE):
        assert str(AlertKind.UNDER_REGISTRATION.label) in alerts.inner_text()

    # The region's protective orders: those ending soon, those whose check is overdue.
    page.click("nav.menu a[href$='/registry/']")
    assert page.get_attribute("html", "lang") == LANGUAGE
    assert page.inner_text("main h1") == translated("My work", LANGUAGE)
    expiring, overdue = page.locator("#expiring table.orders"), page.locator("#check-overdue")
    assert ending.number in expiring.inner_text()
    assert unchecked.number not in expiring.inner_text()
    assert unchecked.number in overdue.inner_text()
    assert ending.number not in overdue.inner_text()
    shown = page.inner_text("main")
    assert elsewhere.number not in shown and "Omarov" not in shown
    # the districts of the region side by side, with the names the supervisor works with
    assert Territory.objects.by_code(KURCHATOV).name_en in overdue.inner_text()
    assert "Bekov" in overdue.inner_text() and "Serikov" in expiring.inner_text()

    # The overdue check: recorded from the order's page.
    overdue.locator(f"a:text-is('{unchecked.number}')").click()
    page.wait_for_selector("main dd.status")
    assert (
        page.inner_text("main h1")
        == f"{translated('Protective order', LANGUAGE)} {unchecked.number}"
    )
    page.click(f"main a.button[href$='/orders/{unchecked.pk}/check-in/']")
    page.fill("#id_note", "victim visited at home, no contact since")
    page.click("main form.stacked button[type=submit].primary")
    page.wait_for_selector("main dd.status")
    assert page.inner_text(".messages") == translated(
        "The compliance check was recorded.", LANGUAGE
    )
    assert "no contact since" in page.inner_text("ul.check-ins")
    assert page.inner_text("main dd.next-check") == _short(_days_ago(-7))
    check = OrderCheckIn.objects.get(order=unchecked)
    assert (check.checked_on, check.compliant) == (_days_ago(0), True)
    unchecked.refresh_from_db()
    assert unchecked.next_check_due == _days_ago(-7)

    # The order about to end: extended by a month.
    page.click("nav.subnav a[href$='/registry/']")
    assert unchecked.number not in page.inner_text("#check-overdue")
    assert page.inner_text("#check-overdue tbody") == translated(
        "No protective orders match.", LANGUAGE
    )
    page.locator(f"#expiring a:text-is('{ending.number}')").click()
    page.wait_for_selector("main dd.status")
    assert page.inner_text("main dd.ends-on") == _short(ending.ends_on)
    page.click(f"main a.button[href$='/orders/{ending.pk}/extend/']")
    new_end = ending.ends_on + dt.timedelta(days=30)
    page.fill("#id_new_end", new_end.isoformat())
    page.fill("#id_reason", "threats repeated by phone")
    page.click("main form.stacked button[type=submit].primary")
    page.wait_for_selector("main dd.status")
    assert page.inner_text(".messages") == translated("The extension was recorded.", LANGUAGE)
    assert page.inner_text("main dd.ends-on") == _short(new_end)
    extension = OrderExtension.objects.get(order=ending)
    assert (extension.new_end, extension.decided_on, extension.reason) == (
        new_end,
        _days_ago(0),
        "threats repeated by phone",
    )
    ending.refresh_from_db()
    assert ending.ends_on == new_end

    page.click("nav.subnav a[href$='/registry/']")
    assert ending.number not in page.inner_text("#expiring")
    # both changes are on the audit trail in the supervisor's name
    changed = AuditEntry.objects.filter(
        actor=supervisor, object_type="registry.protectiveorder", action=AuditAction.CHANGE
    )
    assert {e.object_id for e in changed} >= {str(ending.pk)}
