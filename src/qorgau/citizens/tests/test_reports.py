"""Anonymous reports: durability, receipts, abuse resistance, hostile input, status lookup."""

from __future__ import annotations

import re

import pytest
from django.db import DatabaseError
from django.test import Client

from qorgau.accounts.roles import Role
from qorgau.citizens.models import CitizenReport, ReportAddition
from qorgau.citizens.services import (
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    clean_text,
    receipt_digest,
    report_by_receipt,
)
from qorgau.citizens.tests.helpers import form_data, latest_report, post_report
from qorgau.conftest import MEDEU, SEMEY
from qorgau.lib.crypto import decrypt_text

pytestmark = pytest.mark.django_db

RECEIPT = re.compile(r'id="receipt">([A-Z0-9-]+)<')


def receipt_in(response) -> str:
    match = RECEIPT.search(response.content.decode())
    assert match, "no receipt on the page"
    return match.group(1)


def test_a_report_is_stored_encrypted_and_its_receipt_shown_once(client: Client) -> None:
    response = post_report(
        client, SEMEY, address="Abai st. 5, flat 12", contact="+7 701 555 11 22 after 6 pm"
    )
    assert response.status_code == 200
    receipt = receipt_in(response)
    code = receipt.replace("-", "")
    assert len(code) == RECEIPT_LENGTH and set(code) <= set(RECEIPT_ALPHABET)
    report = CitizenReport.objects.get()
    assert report.district.kato_code == SEMEY and report.status == "new"
    # Only a keyed digest of the code is stored; identifying text only encrypted.
    assert code not in str(report.__dict__) and report.receipt_digest == receipt_digest(code)
    assert "Abai st" not in report.address_token and "701" not in report.contact_token
    assert decrypt_text(report.address_token) == "Abai st. 5, flat 12"
    assert response["Cache-Control"].startswith("no-store")
    # The reporter's address is in no stored field.
    values = [str(v) for v in CitizenReport.objects.values().get().values()]
    assert not any("127.0.0.1" in v for v in values)
    # The code never travels in a URL: the answer is rendered, not redirected.
    assert "Location" not in response


def test_no_receipt_is_shown_when_the_report_could_not_be_stored(
    client: Client, monkeypatch
) -> None:
    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(CitizenReport.objects, "create", fail)
    client.raise_request_exception = False
    response = post_report(client, SEMEY)
    assert response.status_code == 500
    assert 'id="receipt"' not in response.content.decode()
    assert not CitizenReport.objects.exists()


def test_happening_now_puts_the_emergency_numbers_first(client: Client) -> None:
    page = client.get("/portal/report/").content.decode()
    assert page.index("102") < page.index("<h1") and "111" in page
    answer = post_report(client, SEMEY, happening_now="on").content.decode()
    main = answer[answer.index('<main id="main">') :]
    assert main.index("102 or 112") < main.index("<h1")
    assert CitizenReport.objects.get().happening_now


def test_an_invalid_form_stores_nothing_and_shows_errors(client: Client) -> None:
    response = post_report(client, SEMEY, account="", district="999999")
    assert response.status_code == 200
    assert response.content.decode().count('class="field-errors"') == 2
    assert not CitizenReport.objects.exists()


def test_the_rate_limit_refuses_a_flood_from_one_address(client: Client, settings) -> None:
    settings.QORGAU_CITIZENS_RATE_LIMITS = {"report": (3, 3600)}
    codes = [post_report(client, SEMEY).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert CitizenReport.objects.count() == 3
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert post_report(other, SEMEY).status_code == 200


def test_the_rate_limit_keeps_no_plain_address(client: Client) -> None:
    from qorgau.accounts.models import RequestCount

    post_report(client, SEMEY)
    rows = list(RequestCount.objects.values_list("bucket", "client"))
    assert rows and not any("127.0.0.1" in bucket + key for bucket, key in rows)


def test_the_honeypot_field_rejects_bots(client: Client) -> None:
    response = post_report(client, SEMEY, website="http://spam.example")
    assert response.status_code == 400
    assert not CitizenReport.objects.exists()


def test_size_limits(client: Client) -> None:
    too_long = post_report(client, SEMEY, account="x" * 5001)
    assert too_long.status_code == 200 and not CitizenReport.objects.exists()
    huge = client.post("/portal/report/", form_data(SEMEY, account="y" * 100_000))
    assert huge.status_code == 413
    assert not CitizenReport.objects.exists()


def test_hostile_input_is_stored_safely_and_shown_escaped(
    client: Client, make_user, signed_in
) -> None:
    hostile = '<script>alert("x")</script> <img src=x onerror=alert(1)> \u202eevil \ufeff ЖҚ'
    assert post_report(client, SEMEY, account=hostile, contact="<b>bold</b>").status_code == 200
    report = latest_report()
    stored = decrypt_text(report.account_token)
    assert "\u202e" not in stored and "ЖҚ" in stored
    assert clean_text("a\x00b\u200bc\r\nd", limit=10) == "abc\nd"
    # A NUL character is refused by the form with a message instead of reaching the database.
    assert "Null characters" in post_report(client, SEMEY, account="x\x00").content.decode()
    inspector = make_user(Role.POLICE_INSPECTOR, SEMEY)
    page = signed_in(inspector).get(f"/portal/triage/{report.pk}/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_status_lookup_by_receipt_and_adding_information(client: Client) -> None:
    receipt = receipt_in(post_report(client, SEMEY))
    page = client.post("/portal/status/", {"receipt": receipt.lower().replace("-", " ")})
    assert "Received. It is waiting to be read." in page.content.decode()
    added = client.post("/portal/status/", {"receipt": receipt, "text": "He came back tonight."})
    assert "Your information was added to the report." in added.content.decode()
    addition = ReportAddition.objects.get()
    assert decrypt_text(addition.text_token) == "He came back tonight."
    wrong = client.post("/portal/status/", {"receipt": "ABCD-EFGH-JKMN"})
    assert "No report has this code." in wrong.content.decode()
    assert report_by_receipt("nonsense") is None


def test_guessing_receipts_is_rate_limited(client: Client, settings) -> None:
    settings.QORGAU_CITIZENS_RATE_LIMITS = {"lookup": (3, 3600)}
    codes = [
        client.post("/portal/status/", {"receipt": f"AAAA-BBBB-CCC{i}"}).status_code
        for i in range(2, 7)
    ]
    assert codes == [200, 200, 200, 429, 429]


def test_public_pages_are_neutral_safe_and_have_a_quick_exit(client: Client) -> None:
    for path in (
        "/portal/",
        "/portal/report/",
        "/portal/status/",
        "/portal/help/",
        "/portal/volunteer/",
        "/portal/activities/",
        "/portal/statistics/",
        "/portal/safety/",
    ):
        response = client.get(path)
        page = response.content.decode()
        assert response.status_code == 200, path
        assert 'id="quick-exit"' in page and 'href="/portal/weather/"' in page, path
        assert "script-src 'self'" in response["Content-Security-Policy"], path
        assert re.findall(r"<script(?![^>]*\bsrc=)", page) == [], path
        assert "Main menu" not in page and "Sign out" not in page, path
        assert response["Cache-Control"].startswith("no-store"), path
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        assert "violence" not in title.lower(), path
        assert set(response.cookies) <= {"csrftoken"}, path
    weather = client.get("/portal/weather/").content.decode()
    assert "quick-exit" not in weather and "portal" not in weather.lower()


def test_the_language_switch_works_on_public_pages(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "ru", "next": "/portal/report/"})
    assert '<html lang="ru">' in client.get("/portal/report/").content.decode()
    client.post("/i18n/setlang/", {"language": "kk", "next": "/portal/report/"})
    assert '<html lang="kk">' in client.get("/portal/report/").content.decode()


def test_other_districts_are_a_separate_queue(client: Client) -> None:
    post_report(client, SEMEY)
    post_report(client, MEDEU)
    codes = set(CitizenReport.objects.values_list("district__kato_code", flat=True))
    assert codes == {MEDEU, SEMEY}
