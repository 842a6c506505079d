"""The daily job: events found and sent once, quiet hours, consent and stop honoured, gateway
failures retried then failed, nothing without the case's link to the registry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from qorgau.audit.models import AuditEntry
from qorgau.cases import services as case_services
from qorgau.cases import services_sharing as case_sharing
from qorgau.cases.models import GbvimsType, ShareWith
from qorgau.lib.crypto import decrypt_text
from qorgau.notices import job, services
from qorgau.notices.gateways import LocalOutboxGateway, configured_gateway
from qorgau.notices.models import (
    EventKind,
    MessageStatus,
    NoticeMessage,
    NoticeRun,
    OutboxEntry,
)

from .conftest import (
    ALMATY,
    CALLBACK,
    HER_ALIAS,
    HER_PHONE,
    HIS_SURNAME,
    NOON,
    TODAY,
    FailingGateway,
    RecordingGateway,
    conference,
    order,
    requirement,
    subscribe,
    violation,
)

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def _everything(world):
    """One event of each kind concerning her, dated around TODAY."""
    served = order(world, served_on=TODAY - DAY, term_days=4)  # ends TODAY + 2
    violation(served, TODAY)
    requirement(world, ends_on=TODAY + 3 * DAY)
    conference(world, held_on=TODAY - 2 * DAY, action_done_on=TODAY - DAY)


def _breach(world):
    """A violation today of an order served before she agreed, ending long after."""
    made = order(world, served_on=TODAY - 25 * DAY, term_days=60)
    violation(made, TODAY)
    return made


def test_every_event_is_found_and_sent_once_and_a_rerun_sends_nothing(world):
    subscribe(world)
    _everything(world)
    report = job.notices_send(as_of=TODAY, now=NOON)
    assert (report.found, report.sent) == (6, 6)
    messages = NoticeMessage.objects.all()
    assert sorted(m.event_kind for m in messages) == sorted(EventKind.values)
    assert {m.status for m in messages} == {MessageStatus.SENT}
    assert all(m.gateway_reference.startswith("local-") for m in messages)
    # The local gateway kept what it "sent", encrypted, to her contact.
    outbox = list(OutboxEntry.objects.all())
    assert len(outbox) == 6
    assert {decrypt_text(entry.to_token) for entry in outbox} == {HER_PHONE}
    assert all(HER_PHONE not in entry.to_token for entry in outbox)

    again = job.notices_send(as_of=TODAY, now=NOON + dt.timedelta(hours=1))
    assert (again.found, again.sent) == (0, 0)
    assert OutboxEntry.objects.count() == 6 and NoticeMessage.objects.count() == 6
    # A later day finds nothing new either (the same order still ends, already told).
    later = job.notices_send(as_of=TODAY + DAY, now=NOON + DAY)
    assert (later.found, later.sent) == (0, 0)
    assert NoticeRun.objects.filter(finished_at__isnull=False).count() == 3


def test_every_message_is_audited_by_the_system_without_its_text(world):
    subscribe(world)
    _breach(world)
    job.notices_send(as_of=TODAY, now=NOON)
    message = NoticeMessage.objects.get(event_kind=EventKind.ORDER_BREACHED)
    entries = AuditEntry.objects.filter(
        object_type="notices.noticemessage", object_id=str(message.pk)
    ).order_by("position")
    assert [(e.action, e.details["status"]) for e in entries] == [
        ("create", "queued"),
        ("change", "sent"),
    ]
    assert all(e.actor is None and e.details["case"] == world.case.pk for e in entries)
    text = decrypt_text(message.text_token)
    assert all(text not in str(e.details) and HER_PHONE not in str(e.details) for e in entries)


def test_texts_never_carry_a_name_and_are_stored_encrypted(world):
    subscribe(world, explicit_wording=True)
    _everything(world)
    job.notices_send(as_of=TODAY, now=NOON)
    for message in NoticeMessage.objects.all():
        text = decrypt_text(message.text_token)
        assert text not in message.text_token
        assert HER_ALIAS not in text and HIS_SURNAME not in text
        assert CALLBACK in text


def test_an_order_ending_is_told_within_her_days_and_again_after_an_extension(world):
    subscribe(world, ending_days=3, events=[EventKind.ORDER_ENDING])
    made = order(world, served_on=TODAY - 10 * DAY, term_days=16)  # ends TODAY + 5
    assert job.notices_send(as_of=TODAY, now=NOON).found == 0
    assert job.notices_send(as_of=TODAY + 2 * DAY, now=NOON + 2 * DAY).found == 1
    made.ends_on = TODAY + 9 * DAY  # extended
    made.save(update_fields=["ends_on"])
    assert job.notices_send(as_of=TODAY + 6 * DAY, now=NOON + 6 * DAY).found == 1
    keys = sorted(NoticeMessage.objects.values_list("event_key", flat=True))
    assert keys == [f"order:{made.pk}:ending:2026-03-15", f"order:{made.pk}:ending:2026-03-19"]


def test_only_the_events_she_chose_and_none_from_before_she_agreed(world):
    subscribe(world, events=[EventKind.ORDER_BREACHED], opted_in_on=TODAY - 2 * DAY)
    made = order(world, served_on=TODAY - DAY)
    violation(made, TODAY - 3 * DAY)  # before she agreed
    violation(made, TODAY)
    job.notices_send(as_of=TODAY, now=NOON)
    assert list(NoticeMessage.objects.values_list("event_kind", "event_date")) == [
        (EventKind.ORDER_BREACHED, TODAY)
    ]


def test_an_event_recorded_late_is_still_found_and_a_missed_week_caught_up(world):
    subscribe(world, events=[EventKind.ORDER_BREACHED], opted_in_on=TODAY - 20 * DAY)
    made = order(world, served_on=TODAY - 15 * DAY)
    job.notices_send(as_of=TODAY - 12 * DAY, now=NOON - 12 * DAY)  # the last run before a gap
    violation(made, TODAY - 11 * DAY)  # recorded during the gap, more than a week ago
    assert job.notices_send(as_of=TODAY, now=NOON).found == 1


def test_quiet_hours_keep_the_message_queued_until_they_end(world):
    subscribe(world, quiet_from=dt.time(21, 0), quiet_until=dt.time(8, 0))
    _breach(world)
    late = dt.datetime(2026, 3, 10, 23, 30, tzinfo=ALMATY)
    report = job.notices_send(as_of=TODAY, now=late)
    assert (report.found, report.sent, report.queued) == (1, 0, 1)
    message = NoticeMessage.objects.get()
    assert (message.status, message.reason, message.attempts) == ("queued", job.QUIET_HOURS, 0)
    assert not OutboxEntry.objects.exists()
    early = dt.datetime(2026, 3, 11, 7, 59, tzinfo=ALMATY)  # still quiet after midnight
    assert job.notices_send(as_of=TODAY + DAY, now=early).sent == 0
    morning = dt.datetime(2026, 3, 11, 8, 0, tzinfo=ALMATY)
    assert job.notices_send(as_of=TODAY + DAY, now=morning).sent == 1
    message.refresh_from_db()
    assert (message.status, message.reason) == ("sent", "")
    assert OutboxEntry.objects.count() == 1


def test_quiet_hours_within_a_day():
    from qorgau.notices.models import NoticeSubscription

    subscription = NoticeSubscription(quiet_from=dt.time(13, 0), quiet_until=dt.time(15, 0))
    at = lambda hour: dt.datetime(2026, 3, 10, hour, 0, tzinfo=ALMATY)  # noqa: E731
    assert [subscription.quiet_at(at(h)) for h in (12, 13, 14, 15)] == [False, True, True, False]
    assert not NoticeSubscription().quiet_at(at(3))


def test_consent_withdrawn_on_the_case_stops_every_further_message(world):
    subscribe(world, quiet_from=dt.time(21, 0), quiet_until=dt.time(8, 0))
    made = _breach(world)
    job.notices_send(as_of=TODAY, now=dt.datetime(2026, 3, 10, 22, 0, tzinfo=ALMATY))
    assert NoticeMessage.objects.get().status == MessageStatus.QUEUED  # waiting for morning
    case_sharing.case_consent_withdraw(actor=world.aigerim, case=world.case, withdrawn_on=TODAY)
    violation(made, TODAY)  # a second breach, the same day
    report = job.notices_send(as_of=TODAY + DAY, now=NOON + DAY)
    assert (report.found, report.sent, report.withheld) == (0, 0, 1)
    message = NoticeMessage.objects.get()
    assert (message.status, message.reason) == (MessageStatus.WITHHELD, job.CONSENT_ENDED)
    assert not OutboxEntry.objects.exists()


def test_consent_expired_stops_messages_too(world):
    world.case.consent_expires_on = TODAY - DAY
    world.case.save(update_fields=["consent_expires_on"])
    from qorgau.notices.models import Channel, NoticeSubscription

    NoticeSubscription.objects.create(  # set up while consent held
        case=world.case,
        channel=Channel.SMS,
        contact_token="x",
        language="en",
        events=[EventKind.ORDER_BREACHED],
        callback_phone=CALLBACK,
        opted_in_on=TODAY - 10 * DAY,
    )
    _breach(world)
    assert job.notices_send(as_of=TODAY, now=NOON).found == 0
    assert not NoticeMessage.objects.exists()


def test_a_stopped_subscription_sends_nothing_further(world):
    subscribe(world, quiet_from=dt.time(21, 0), quiet_until=dt.time(8, 0))
    made = _breach(world)
    job.notices_send(as_of=TODAY, now=dt.datetime(2026, 3, 10, 22, 0, tzinfo=ALMATY))
    services.subscription_stop(actor=world.aigerim, case=world.case, reason="phone not safe")
    violation(made, TODAY)
    report = job.notices_send(as_of=TODAY + DAY, now=NOON + DAY)
    assert (report.subscriptions, report.found, report.sent, report.withheld) == (0, 0, 0, 1)
    message = NoticeMessage.objects.get()
    assert (message.status, message.reason) == (MessageStatus.WITHHELD, job.STOPPED)
    assert not OutboxEntry.objects.exists()


def test_an_event_she_no_longer_wants_is_withheld(world):
    subscribe(world, quiet_from=dt.time(21, 0), quiet_until=dt.time(8, 0))
    _breach(world)
    job.notices_send(as_of=TODAY, now=dt.datetime(2026, 3, 10, 22, 0, tzinfo=ALMATY))
    subscribe(world, events=[EventKind.ORDER_ENDING])
    job.notices_send(as_of=TODAY, now=NOON + dt.timedelta(hours=22))
    message = NoticeMessage.objects.get()
    assert (message.status, message.reason) == (MessageStatus.WITHHELD, job.NOT_WANTED)


def test_a_gateway_failure_is_retried_on_the_next_run_then_marked_failed(world):
    subscribe(world)
    _breach(world)
    FailingGateway.calls = 0
    first = job.notices_send(as_of=TODAY, now=NOON, gateway=FailingGateway())
    assert (first.sent, first.retrying, first.failed) == (0, 1, 0)
    message = NoticeMessage.objects.get()
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert message.reason == "GatewayError: provider unavailable (HTTP 503)"
    hour = dt.timedelta(hours=1)
    job.notices_send(as_of=TODAY, now=NOON + hour, gateway=FailingGateway())
    third = job.notices_send(as_of=TODAY, now=NOON + 2 * hour, gateway=FailingGateway())
    assert third.failed == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    # A failed message is not tried again, even once the provider is back.
    assert job.notices_send(as_of=TODAY, now=NOON + dt.timedelta(hours=3)).sent == 0
    assert FailingGateway.calls == 3
    statuses = AuditEntry.objects.filter(object_type="notices.noticemessage").values_list(
        "details__status", flat=True
    )
    assert list(statuses.order_by("position")) == ["queued", "queued", "queued", "failed"]


def test_a_message_that_failed_once_is_sent_by_the_next_run(world):
    subscribe(world)
    _breach(world)
    job.notices_send(as_of=TODAY, now=NOON, gateway=FailingGateway())
    recording = RecordingGateway()
    assert job.notices_send(as_of=TODAY, now=NOON, gateway=recording).sent == 1
    assert [(channel, to) for channel, to, _text in recording.sent] == [("sms", HER_PHONE)]
    message = NoticeMessage.objects.get()
    assert (message.status, message.attempts, message.gateway_reference) == ("sent", 2, "rec-1")


def test_another_exceptions_text_is_not_kept(world):
    class Leaky:
        def send(self, channel, to, text):
            raise ConnectionError(f"cannot reach https://sms.example/send?to={to}")

    subscribe(world)
    _breach(world)
    job.notices_send(as_of=TODAY, now=NOON, gateway=Leaky())
    assert NoticeMessage.objects.get().reason == "ConnectionError"


def test_without_her_iin_no_registry_event_reaches_her(world, make_user):
    anonymous = case_services.case_open(
        actor=world.aigerim,
        district=world.semey,
        opened_on=TODAY,
        gbvims_type=GbvimsType.PSYCHOLOGICAL,
        consent_share=[ShareWith.HEALTH],
        consent_given_on=TODAY - 20 * DAY,
    )
    subscribe(world, case=anonymous)
    _everything(world)  # all of it concerns the registry's person, not this case
    report = job.notices_send(as_of=TODAY, now=NOON)
    assert (report.subscriptions, report.found) == (1, 0)
    assert not NoticeMessage.objects.exists()


def test_an_iin_the_registry_does_not_know_brings_nothing(world):
    world.victim.iin_pseudonym = "someone-else"
    world.victim.save(update_fields=["iin_pseudonym"])
    subscribe(world)
    _everything(world)
    assert job.notices_send(as_of=TODAY, now=NOON).found == 0


def test_the_gateway_is_the_one_the_settings_name(world, settings):
    assert isinstance(configured_gateway(), LocalOutboxGateway)
    settings.QORGAU_MESSAGE_GATEWAY = "qorgau.notices.tests.conftest.FailingGateway"
    subscribe(world)
    _breach(world)
    assert job.notices_send(as_of=TODAY, now=NOON).retrying == 1
    assert NoticeMessage.objects.get().reason.startswith("GatewayError")
    assert not OutboxEntry.objects.exists()


def test_the_command_sends_as_of_a_day(world):
    from io import StringIO

    subscribe(world)
    _breach(world)
    out = StringIO()
    call_command("notices", "send", "--as-of", TODAY.isoformat(), stdout=out)
    assert "1 new events; 1 sent" in out.getvalue()
    call_command("notices", "send", stdout=out)  # today (TODAY in the tests)
    assert NoticeMessage.objects.get().status == MessageStatus.SENT
    assert OutboxEntry.objects.count() == 1
