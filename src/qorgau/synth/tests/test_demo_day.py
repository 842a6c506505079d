"""Every organisation-scoped demo account has a working day in Semey.

A walk-through found ``provider.semey`` refused on three of the four links of its programme
page (its organisation had no provider) and ``crisis.semey`` and ``health.semey`` looking at
empty lists: the synthetic country gave its work to other organisations. ``qorgau
demo_accounts`` now sets the demo organisations up through the setup services and hands them
their region's synthetic work; here, over a small synthetic country, each account's main page
and every link on it answers, and its main lists are not empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from qorgau.accounts.access import restrict
from qorgau.accounts.models import User
from qorgau.conftest import audit_trail_clear
from qorgau.coordination import selectors as coordination
from qorgau.monitoring.models import AggregateReport
from qorgau.programs import selectors as programs
from qorgau.registry.models import RegisterRecord

THIS_YEAR = timezone.localdate().year
MAIN = re.compile(r'<main id="main">(.*)</main>', re.S)
HREF = re.compile(r'href="(/[^"#]*)"')
NOT_PAGES = re.compile(r"/logout/|\.ics$")  # a sign-out; a calendar feed for a calendar app
PAGES = {
    "provider.semey": "/programmes/",
    "crisis.semey": "/coordination/",
    "health.semey": "/coordination/",
    "legal.semey": "/coordination/",
}


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """A small synthetic country and the demo accounts, as ``make demo`` builds them; rolled
    back at the end of the module."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            years = f"{THIS_YEAR - 1}-{THIS_YEAR}"
            call_command("synth", "--years", years, "--scale", "0.01", "--seed", "1", "--clear")
            call_command("demo_accounts", stdout=StringIO())
            call_command("demo_accounts", stdout=StringIO())  # again: safe to re-run
            yield
            transaction.set_rollback(True)
        audit_trail_clear()


@pytest.fixture(autouse=True)
def _without_a_second_factor(settings: Any) -> None:
    settings.QORGAU_REQUIRE_2FA = False


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.mark.parametrize("username", sorted(PAGES))
def test_every_link_of_the_main_page_answers(demo: None, db: Any, username: str) -> None:
    client = _client(username)
    page = client.get(PAGES[username])
    assert page.status_code == 200
    main = MAIN.search(page.content.decode())
    assert main is not None
    links = {link.replace("&amp;", "&") for link in HREF.findall(main.group(1))}
    links = {link for link in links if not NOT_PAGES.search(link)}
    assert links
    refused = {link: client.get(link).status_code for link in sorted(links)}
    assert {link: code for link, code in refused.items() if code != 200} == {}


def test_the_provider_has_a_programme_and_participants(demo: None, db: Any) -> None:
    user = User.objects.get(username="provider.semey")
    provider = programs.provider_of(user)
    assert provider is not None
    assert provider.programmes.exists()
    enrolled = programs.enrolments_for(user)
    assert enrolled.exists()
    assert enrolled.filter(attendance__isnull=False).exists()  # sessions recorded
    client = _client("provider.semey")
    listed = {
        status: client.get(f"/programmes/participants/?status={status}").context["page"]
        for status in ("obliged", "enrolled", "completed", "dropped_out")
    }
    assert listed["obliged"].object_list  # the region's obliged offenders to enrol
    assert any(page.object_list for status, page in listed.items() if status != "obliged")


def test_the_crisis_centre_receives_and_sends_referrals(demo: None, db: Any) -> None:
    user = User.objects.get(username="crisis.semey")
    referrals = coordination.referrals_for(user)
    assert referrals.filter(receiver_id=user.organisation_id).exists()
    assert referrals.filter(sender_id=user.organisation_id).exists()
    assert restrict(RegisterRecord.objects.filter(register="crisis_centre"), user).exists()
    assert AggregateReport.objects.filter(organisation=user.organisation).exists()
    page = _client("crisis.semey").get("/coordination/referrals/")
    assert page.status_code == 200
    assert b"crisis" in page.content.lower()


def test_the_crisis_centre_keeps_case_files_in_every_state(demo: None, db: Any) -> None:
    from qorgau.cases.models import SurvivorCase

    worker = User.objects.get(username="crisis.semey")
    cases = restrict(SurvivorCase.objects.all(), worker)
    assert set(cases.values_list("status", flat=True)) == {"open", "closure_requested", "closed"}
    assert cases.filter(advocate__isnull=False, referrals__isnull=False).exists()
    head = _client("crisis.head.semey")
    waiting = cases.get(status="closure_requested")
    assert head.post(f"/survivor-cases/{waiting.pk}/closure/approve/").status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "closed"
    legal = User.objects.get(username="legal.semey")
    assert coordination.referrals_for(legal).filter(receiver_id=legal.organisation_id).exists()
    page = _client("crisis.semey").get("/survivor-cases/statistics/")
    assert page.status_code == 200


def test_the_polyclinic_has_actions_and_referrals(demo: None, db: Any) -> None:
    user = User.objects.get(username="health.semey")
    assert coordination.actions_for(user).exists()
    assert coordination.referrals_for(user).filter(sender_id=user.organisation_id).exists()
    assert restrict(RegisterRecord.objects.filter(register="health"), user).exists()
    page = _client("health.semey").get("/coordination/actions/")
    assert page.status_code == 200


def test_the_demo_help_entries_speak_three_languages(demo: None, db: Any) -> None:
    from qorgau.citizens.models import HelpService
    from qorgau.synth.demo import HELP_ENTRIES

    entries = HelpService.objects.filter(name__in=[e["name"] for e in HELP_ENTRIES])
    assert entries.count() == len(HELP_ENTRIES)
    for entry in entries:
        names = {entry.name_kk, entry.name_ru, entry.name_en}
        descriptions = {entry.description_kk, entry.description_ru, entry.description_en}
        assert len(names) == 3 and len(descriptions) == 3 and "" not in names | descriptions
