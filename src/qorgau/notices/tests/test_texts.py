"""The words of the texts: neutral by default, explicit only when she chose it, in kk, ru, en."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from qorgau.lib.crypto import decrypt_text
from qorgau.notices import job
from qorgau.notices.models import EventKind, NoticeMessage
from qorgau.notices.texts import notice_text

from .conftest import CALLBACK, NOON, TODAY, order, subscribe, violation

LANGUAGES = ("kk", "ru", "en")
# Stems that would tell whoever reads her phone what the text is about.
SENSITIVE = {
    "en": r"order|protect|violen|offender|violation|breach|court|police|conference|safety|abuse",
    "ru": r"предписан|защит|насил|правонаруш|нарушен|\bсуд|полиц|конференц|безопасн|агресс",
    "kk": r"нұсқама|қорға|зорлық|құқық бұзушы|бұзу|бұзыл|\bсот|полиция|конференц|қауіпсіз",
}
# What the explicit wording of an order's events says, in each language.
ORDER_WORDS = {"en": "protective order", "ru": "защитного предписания", "kk": "қорғау нұсқама"}
DAY = dt.date(2026, 3, 13)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", EventKind.values)
def test_the_neutral_wording_has_no_sensitive_word(language, kind):
    text = notice_text(kind, language=language, explicit=False, day=DAY, callback_phone=CALLBACK)
    assert not re.search(SENSITIVE[language], text, re.IGNORECASE), text
    assert CALLBACK in text
    assert "Qorgau" not in text and "Қорғау" not in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", EventKind.values)
def test_the_explicit_wording_names_what_happened(language, kind):
    text = notice_text(kind, language=language, explicit=True, day=DAY, callback_phone=CALLBACK)
    neutral = notice_text(kind, language=language, explicit=False, day=DAY, callback_phone=CALLBACK)
    assert text != neutral
    assert re.search(SENSITIVE[language], text, re.IGNORECASE), text
    assert CALLBACK in text


@pytest.mark.parametrize("kind", EventKind.values)
def test_each_language_has_its_own_text(kind):
    for explicit in (False, True):
        texts = {
            language: notice_text(
                kind, language=language, explicit=explicit, day=DAY, callback_phone=CALLBACK
            )
            for language in LANGUAGES
        }
        assert len(set(texts.values())) == 3, texts
        assert re.search("[а-яё]", texts["ru"]) and re.search("[әғқңөұүһі]", texts["kk"])


def test_dates_are_written_the_languages_way():
    kind = EventKind.ORDER_ENDING
    texts = {
        language: notice_text(kind, language=language, explicit=True, day=DAY, callback_phone="1")
        for language in LANGUAGES
    }
    assert "13.03.2026" in texts["kk"] and "13.03.2026" in texts["ru"]
    assert "13 Mar 2026" in texts["en"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("explicit", [False, True])
def test_the_job_sends_in_her_language_and_wording(world, language, explicit, settings):
    settings.LANGUAGE_CODE = "en" if language != "en" else "kk"  # never the job's language
    subscribe(world, language=language, explicit_wording=explicit)
    violation(order(world, served_on=TODAY - dt.timedelta(days=25), term_days=60), TODAY)
    job.notices_send(as_of=TODAY, now=NOON)
    message = NoticeMessage.objects.get()
    text = decrypt_text(message.text_token)
    assert message.language == language
    assert text == notice_text(
        EventKind.ORDER_BREACHED,
        language=language,
        explicit=explicit,
        day=TODAY,
        callback_phone=CALLBACK,
    )
    assert (ORDER_WORDS[language] in text) is explicit
