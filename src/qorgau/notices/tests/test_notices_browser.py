"""Notifications to a survivor, in a real Chromium, in English.

Aigerim (``aigerim``, Semey crisis centre) opens her client's case, follows the link to the
notifications and sets them up with the number the client chose as safe. The offender breaches
the protective order; the daily job (``qorgau notices send``) sends the text, which the local
outbox shows, addressed to her number and giving the centre's number to call. Aigerim stops the
notifications; the next breach and the next run send nothing more. Elements are found by id
and name.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from qorgau.notices.models import MessageStatus, NoticeMessage, NoticeSubscription, OutboxEntry
from qorgau.tests.browser import BROWSER_MARKS, sign_in

from .conftest import CALLBACK, HER_PHONE, TODAY, World, order, violation

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _submit(page, form: str) -> None:
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def _send() -> None:
    """The daily job, as cron runs it."""
    call_command("notices", "send", f"--as-of={TODAY.isoformat()}", stdout=io.StringIO())


def test_a_caseworker_sets_up_her_notifications_sees_them_sent_and_stops_them(
    browser_page, world: World
):
    page, case = browser_page, world.case
    url = f"/notices/case/{case.pk}/"
    sign_in(page, "aigerim", "en")
    page.goto(f"/survivor-cases/{case.pk}/")
    page.click("#notices-link")
    page.wait_for_url(f"**{url}")
    assert "No notifications are set up." in page.inner_text("main")

    page.check("input[name=channel][value=sms]")
    page.fill("#id_contact", "+7 701 234 56 78")
    page.select_option("#id_language", "en")
    assert page.is_checked("input[name=events][value=order_breached]")  # all, by default
    page.fill("#id_callback_phone", CALLBACK)
    assert page.input_value("#id_opted_in_on") == TODAY.isoformat()
    _submit(page, "main form.stacked")
    page.wait_for_url(f"**{url}")
    assert "Saved." in page.inner_text("body")
    subscription = NoticeSubscription.objects.get(case=case)
    assert subscription.is_active and subscription.channel == "sms"
    assert HER_PHONE in page.inner_text("main")  # shown to her caseworker, stored encrypted

    breached = order(world, served_on=TODAY - dt.timedelta(days=25), term_days=60)
    violation(breached, TODAY)
    _send()
    message = NoticeMessage.objects.get()
    assert (message.status, message.event_kind) == (MessageStatus.SENT, "order_breached")

    page.reload()
    assert "Text as sent" in page.inner_text("main")
    page.click("main a[href='/notices/outbox/']")
    page.wait_for_url("**/notices/outbox/")
    outbox = page.inner_text("main table")
    assert case.label in outbox and HER_PHONE in outbox and CALLBACK in outbox
    assert page.locator("main table tbody tr").count() == 1

    page.goto(url)
    page.fill("form[action$='/stop/'] input[name=reason]", "she changed her phone")
    _submit(page, "form[action$='/stop/']")
    assert "Notifications stopped: nothing further is sent." in page.inner_text("body")
    assert "No notifications are set up." in page.inner_text("main")
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.stop_reason == "she changed her phone"

    violation(breached, TODAY)  # he comes again: she is no longer told
    _send()
    assert NoticeMessage.objects.count() == 1 and OutboxEntry.objects.count() == 1
    page.goto("/notices/outbox/")
    assert page.locator("main table tbody tr").count() == 1
