"""The caseworker's pages and the API: set up, change and stop her notifications, read what was
sent, the local outbox; the organisation wall; kk, ru and en."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from qorgau.audit.models import AuditEntry
from qorgau.cases import services as case_services
from qorgau.cases import services_sharing as case_sharing
from qorgau.cases.models import GbvimsType, ShareWith
from qorgau.conftest import MEDEU
from qorgau.lib.crypto import decrypt_text
from qorgau.notices import job, services
from qorgau.notices.models import Channel, EventKind, NoticeSubscription
from qorgau.territory.models import Territory
from qorgau.web.tests.crawl import Visited, expectations, problems

from .conftest import CALLBACK, HER_PHONE, NOON, TODAY, order, subscribe, violation

pytestmark = pytest.mark.django_db


def _form(**fields):
    return {
        "channel": Channel.WHATSAPP,
        "contact": "8 (701) 234-56-78",
        "language": "ru",
        "events": [EventKind.ORDER_BREACHED, EventKind.ORDER_ENDING],
        "ending_days": "5",
        "quiet_from": "22:00",
        "quiet_until": "07:30",
        "callback_phone": CALLBACK,
        "opted_in_on": "2026-03-09",
    } | fields


def _sent(world, **fields):
    subscribe(world, **fields)
    violation(order(world, served_on=TODAY - dt.timedelta(days=25), term_days=60), TODAY)
    job.notices_send(as_of=TODAY, now=NOON)


def test_the_caseworker_sets_up_changes_and_stops_her_notifications(world, signed_in):
    client = signed_in(world.aigerim)
    url = f"/notices/case/{world.case.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "No notifications are set up." in page.content.decode()
    response = client.post(url, _form())
    assert response.status_code == 302 and response["Location"] == url
    subscription = NoticeSubscription.objects.get()
    assert decrypt_text(subscription.contact_token) == HER_PHONE  # normalised, encrypted
    assert HER_PHONE not in subscription.contact_token
    assert (subscription.channel, subscription.language, subscription.ending_days) == (
        "whatsapp",
        "ru",
        5,
    )
    assert subscription.events == [EventKind.ORDER_ENDING, EventKind.ORDER_BREACHED]
    assert not subscription.explicit_wording  # neutral unless she asked
    assert (subscription.quiet_from, subscription.quiet_until) == (dt.time(22), dt.time(7, 30))
    # Changing it keeps the one subscription.
    client.post(url, _form(language="kk", explicit_wording="on"))
    subscription.refresh_from_db()
    assert (subscription.language, subscription.explicit_wording) == ("kk", True)
    assert NoticeSubscription.objects.count() == 1
    page = client.get(url).content.decode()
    assert HER_PHONE in page and "Stop the notifications" in page
    response = client.post(f"{url}stop/", {"reason": "she changed her phone"})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.stopped_on, subscription.stopped_by) == (TODAY, world.aigerim)
    actions = AuditEntry.objects.filter(
        object_type="notices.noticesubscription", object_id=str(subscription.pk)
    ).values_list("action", flat=True)
    assert list(actions.order_by("position")) == ["create", "change", "change"]


def test_a_wrong_contact_or_no_consent_is_explained_on_the_page(world, signed_in):
    client = signed_in(world.aigerim)
    url = f"/notices/case/{world.case.pk}/"
    page = client.post(url, _form(contact="call me maybe")).content.decode()
    assert "Enter a phone number with its country code" in page
    page = client.post(url, _form(channel=Channel.TELEGRAM, contact="@ab")).content.decode()
    assert "Enter a Telegram user name" in page
    client.post(url, _form(channel=Channel.TELEGRAM, contact="@safe_aliya"))
    assert decrypt_text(NoticeSubscription.objects.get().contact_token) == "@safe_aliya"
    page = client.post(url, _form(quiet_until="")).content.decode()
    assert "Give both ends of the quiet hours" in page
    case_sharing.case_consent_withdraw(actor=world.aigerim, case=world.case, withdrawn_on=TODAY)
    page = client.get(url).content.decode()
    assert "Her consent is not in force: nothing is sent." in page
    page = client.post(url, _form()).content.decode()
    assert "Her consent is not in force: no notification can be set up." in page


def test_the_messages_sent_are_shown_with_their_texts_and_the_reading_audited(world, signed_in):
    _sent(world, language="en", explicit_wording=True)
    page = signed_in(world.aigerim).get(f"/notices/case/{world.case.pk}/").content.decode()
    text = decrypt_text(job.NoticeMessage.objects.get().text_token)
    assert "A violation of the protective order protecting you was recorded" in text
    assert text in page
    reading = AuditEntry.objects.filter(
        action="decrypt", object_type="cases.survivorcase", actor=world.aigerim
    ).last()
    assert reading.details["fields"] == ["notice_contact", "notice_texts"]


def test_another_organisations_caseworker_is_refused_and_the_refusal_audited(world, signed_in):
    _sent(world)
    saule = signed_in(world.saule)
    url = f"/notices/case/{world.case.pk}/"
    assert saule.get(url).status_code == 404
    assert saule.post(url, _form()).status_code == 404
    assert saule.post(f"{url}stop/").status_code == 404
    assert saule.get(f"/api/v1/notices/cases/{world.case.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.subscription_stop(actor=world.saule, case=world.case)
    with pytest.raises(PermissionDenied):
        services.case_notices(actor=world.saule, case=world.case)
    refused = AuditEntry.objects.filter(
        actor=world.saule, object_type="cases.survivorcase", object_id=str(world.case.pk)
    )
    assert refused.count() == 6
    assert all(entry.details.get("refused") for entry in refused)
    assert NoticeSubscription.objects.get().is_active
    # Her texts are not in Saule's outbox either.
    outbox = saule.get("/notices/outbox/").content.decode()
    assert "Nothing in the outbox." in outbox
    # The district's police keep no case files: refused before anything is looked up.
    police = signed_in(world.police)
    assert police.get(url).status_code == 403
    assert police.get("/notices/outbox/").status_code == 403
    assert police.get(f"/api/v1/notices/cases/{world.case.pk}/").status_code == 403


def test_the_outbox_shows_what_the_local_gateway_sent_for_the_organisations_cases(
    world, signed_in, make_user
):
    _sent(world)
    # Another centre's survivor, with a message of her own.
    other = case_services.case_open(
        actor=world.saule,
        district=Territory.objects.by_code(MEDEU),
        opened_on=TODAY,
        gbvims_type=GbvimsType.PSYCHOLOGICAL,
        consent_share=[ShareWith.HEALTH],
        consent_given_on=TODAY,
    )
    services.subscription_save(
        actor=world.saule,
        case=other,
        channel=Channel.SMS,
        contact="+77770000001",
        language="kk",
        events=[EventKind.ORDER_BREACHED],
        callback_phone="150",
        opted_in_on=TODAY,
    )
    page = signed_in(world.aigerim).get("/notices/outbox/").content.decode()
    assert HER_PHONE in page and world.case.label in page
    assert "+77770000001" not in page and other.label not in page
    assert AuditEntry.objects.filter(
        action="decrypt", object_type="notices.outboxentry", actor=world.aigerim
    ).exists()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_pages_render_in_each_language(world, signed_in, language):
    # Her texts in English whatever the page's language: marked as such, not a fault.
    _sent(
        world, language="en", explicit_wording=True, quiet_from=dt.time(22), quiet_until=dt.time(7)
    )
    client = signed_in(world.aigerim)
    client.cookies["qorgau_language"] = language
    paths = (f"/notices/case/{world.case.pk}/", "/notices/outbox/")
    page, outbox = (client.get(path).content.decode() for path in paths)
    text = decrypt_text(job.NoticeMessage.objects.get().text_token)
    with translation.override(language):
        for label in ("Notifications to her", "Subscription", "Messages", "Stop the notifications"):
            assert translation.gettext(label) in page
        assert translation.gettext("Local outbox") in outbox
        assert str(dict(EventKind.choices)[EventKind.ORDER_BREACHED]) in page
    assert f'<html lang="{language}">' in page
    assert 'href="/notices/outbox/"' in page  # the local gateway is in use
    assert text in page and text in outbox
    expected = expectations(language, {2025, 2026}, {1985, 1990})
    for path, shown in zip(paths, (page, outbox), strict=True):
        assert problems(Visited(path, 200, shown), expected) == [], path


def test_the_api_gives_the_subscription_masked_and_the_messages(world, signed_in):
    _sent(world, explicit_wording=True)
    data = signed_in(world.aigerim).get(f"/api/v1/notices/cases/{world.case.pk}/").json()
    assert data["case"] == world.case.pk and data["consent_in_force"] is True
    assert data["subscription"]["contact_masked"].endswith("678")
    assert HER_PHONE not in str(data["subscription"])
    [message] = data["messages"]
    assert message["event_kind"] == "order_breached" and message["status"] == "sent"
    assert message["text"] == decrypt_text(job.NoticeMessage.objects.get().text_token)
