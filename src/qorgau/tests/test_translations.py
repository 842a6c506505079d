"""The Kazakh, Russian and English catalogues are complete and current."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|<[^>]+>")


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_message_is_translated(language):
    catalogue = _catalogue(language)
    missing = [
        e.msgid for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
    ]
    assert missing == [], f"{len(missing)} untranslated {language} messages, e.g. {missing[:5]}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_translations_keep_placeholders_and_markup(language):
    for entry in _catalogue(language):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            found = sorted(PLACEHOLDER.findall(text))
            assert found == expected or (entry.msgid_plural and set(found) <= set(expected)), (
                entry.msgid
            )


def test_the_catalogues_hold_every_message_of_the_code(tmp_path):
    """Re-extract the messages from a copy of the package; nothing may be new or gone."""
    package = Path(__file__).resolve().parent.parent
    copy = tmp_path / "qorgau"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "--no-obsolete",
            "--no-location",
            "-l",
            "en",
            "--settings",
            "qorgau.settings",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    extracted = {e.msgid for e in polib.pofile(str(copy / "locale/en/LC_MESSAGES/django.po"))}
    for language in ("kk", "ru", "en"):
        committed = {e.msgid for e in _catalogue(language) if not e.obsolete}
        assert extracted - committed == set(), f"run `make makemessages`: new in code ({language})"
        assert committed - extracted == set(), f"run `make makemessages`: stale in {language}"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_sign_in_page_speaks_each_language(language):
    client = Client()
    client.cookies["qorgau_language"] = language
    page = client.get("/accounts/login/").content.decode()
    with translation.override(language):
        assert translation.gettext("Sign in") in page
        assert translation.gettext("Monitoring and countering domestic violence") in page
    assert f'<html lang="{language}">' in page


@pytest.mark.django_db
def test_the_language_switcher_remembers_the_choice():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "kk", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert '<html lang="kk">' in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_a_failed_sign_in_is_explained_in_kazakh():
    """Django's own Kazakh catalogue lacks this message; ours supplies it."""
    client = Client()
    client.cookies["qorgau_language"] = "kk"
    page = client.post("/accounts/login/", {"username": "nobody", "password": "x"}).content.decode()
    assert "құпиясөзді енгізіңіз" in page
    assert "Please enter a correct" not in page
