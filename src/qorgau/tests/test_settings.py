from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from qorgau.env import env_bool, env_choice, env_int, env_str
from qorgau.lib.crypto import generate_field_key

PRODUCTION_SECRETS = {
    "QORGAU_SECRET_KEY": "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz-_ABCDEFG",
    "QORGAU_FIELD_ENCRYPTION_KEYS": generate_field_key(),
    "QORGAU_PSEUDONYM_KEY": "p" * 16 + "0123456789abcdefghijklmnop",
    "QORGAU_AUDIT_KEY": "a" * 16 + "0123456789abcdefghijklmnop",
    "QORGAU_DISCLOSURE_KEY": "d" * 16 + "0123456789abcdefghijklmnop",
}


def _qorgau(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("QORGAU_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    clean["QORGAU_BASE_DIR"] = tempfile.mkdtemp()  # no developer's .env, no shared var/
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "qorgau", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secrets():
    result = _qorgau("check", QORGAU_ENV="production")
    assert result.returncode != 0
    for name in (
        "QORGAU_SECRET_KEY",
        "QORGAU_FIELD_ENCRYPTION_KEYS",
        "QORGAU_PSEUDONYM_KEY",
        "QORGAU_AUDIT_KEY",
        "QORGAU_DISCLOSURE_KEY",
    ):
        assert name in result.stderr


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QORGAU_")}
    clean["QORGAU_BASE_DIR"] = tempfile.mkdtemp()
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_without_secrets_prints_one_clean_message_and_no_traceback():
    """The operator sees which secrets are missing and how to make them, nothing else."""
    result = _qorgau("migrate", "--no-input", QORGAU_ENV="production")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Qorgau refuses to start in production")
    assert "generate_keys" in result.stderr
    assert result.stdout == ""


def test_wsgi_without_secrets_stops_with_the_same_clean_message():
    result = _python("import qorgau.wsgi", QORGAU_ENV="production")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "QORGAU_SECRET_KEY is missing" in result.stderr


def test_production_refuses_the_development_defaults_and_switching_off_2fa(settings):
    result = _qorgau(
        "check",
        QORGAU_ENV="production",
        QORGAU_SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY,
        QORGAU_FIELD_ENCRYPTION_KEYS=settings.DEVELOPMENT_FIELD_KEY,
        QORGAU_PSEUDONYM_KEY=settings.DEVELOPMENT_PSEUDONYM_KEY,
        QORGAU_AUDIT_KEY=settings.DEVELOPMENT_AUDIT_KEY,
        QORGAU_DISCLOSURE_KEY=settings.DEVELOPMENT_DISCLOSURE_KEY,
        QORGAU_REQUIRE_2FA="false",
    )
    assert result.returncode != 0
    assert "development default" in result.stderr and "QORGAU_REQUIRE_2FA" in result.stderr
    assert "QORGAU_DISCLOSURE_KEY is missing or is the development default" in result.stderr


def test_production_settings_pass_the_deployment_check(tmp_path):
    result = _qorgau(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        QORGAU_ENV="production",
        QORGAU_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        QORGAU_STATIC_ROOT=str(tmp_path / "static"),
        **PRODUCTION_SECRETS,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_bad_value_stops_start_up_naming_the_variable():
    result = _qorgau("check", QORGAU_DEBUG="maybe")
    assert result.returncode != 0 and "QORGAU_DEBUG" in result.stderr


def test_env_helpers_fail_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv("QORGAU_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="QORGAU_X"):
        env_bool("QORGAU_X", False)
    monkeypatch.setenv("QORGAU_X", "ten")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("QORGAU_X", 1)
    monkeypatch.setenv("QORGAU_X", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("QORGAU_X", 1, minimum=1)
    monkeypatch.setenv("QORGAU_X", "staging")
    with pytest.raises(ImproperlyConfigured, match="development, production"):
        env_choice("QORGAU_X", "development", ("development", "production"))
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("QORGAU_Y_FILE", str(secret))
    assert env_str("QORGAU_Y") == "from-a-file"


def test_almaty_time_is_utc_plus_5_since_march_2024(settings):
    almaty = ZoneInfo(settings.TIME_ZONE)
    assert dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC).astimezone(almaty).hour == 17
    assert dt.datetime(2023, 1, 1, 12, tzinfo=dt.UTC).astimezone(almaty).hour == 18


def test_a_dot_env_file_fills_unset_variables_only(monkeypatch, tmp_path):
    from qorgau.env import load_env_file

    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nQORGAU_A=from-file\nQORGAU_B='quoted'\n\nQORGAU_C=file\n")
    monkeypatch.delenv("QORGAU_A", raising=False)
    monkeypatch.delenv("QORGAU_B", raising=False)
    monkeypatch.setenv("QORGAU_C", "from-environment")
    load_env_file(env_file)
    assert (os.environ["QORGAU_A"], os.environ["QORGAU_B"]) == ("from-file", "quoted")
    assert os.environ["QORGAU_C"] == "from-environment"
    env_file.write_text("NOT A SETTING\n")
    with pytest.raises(ImproperlyConfigured, match=":1: expected KEY=VALUE"):
        load_env_file(env_file)
    for name in ("QORGAU_A", "QORGAU_B"):
        monkeypatch.delenv(name)


def test_debug_is_off_unless_asked_for_even_in_development():
    show = "from django.conf import settings; print(settings.DEBUG)"
    assert _qorgau("shell", "-c", show).stdout.split()[-1] == "False"
    assert _qorgau("shell", "-c", show, QORGAU_DEBUG="true").stdout.split()[-1] == "True"
