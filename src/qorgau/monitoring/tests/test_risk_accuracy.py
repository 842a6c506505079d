"""The accuracy of the risk instrument on a small synthetic country: the command and the page,
and who may open the page."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from qorgau.accounts.roles import Role
from qorgau.conftest import ABAI, COUNTRY, SEMEY
from qorgau.registry.models import RiskAssessment

pytestmark = pytest.mark.django_db

SYNTH = ("synth", "--years", "2023-2025", "--scale", "0.003", "--seed", "7", "--clear")
AUC_LINE = re.compile(r"revictimisation\s+events\s+\d+.*AUC ([\d.]+) \[([\d.]+), ([\d.]+)\]")


def _accuracy_output(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("risk", "accuracy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_and_page_on_a_synthetic_country(make_user: Any, signed_in: Any) -> None:
    call_command(*SYNTH, stdout=io.StringIO(), stderr=io.StringIO())
    assert RiskAssessment.objects.exists()
    out, progress = _accuracy_output("--window", "6")
    assert "Read the outcomes that followed them" in progress
    assert "6 months:" in out and "12 months:" not in out
    found = AUC_LINE.search(out)
    assert found is not None, out
    value, low, high = map(float, found.groups())
    assert 0 <= low <= value <= high <= 1
    assert re.search(r"\d+ censored", out)

    client = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    for language in ("kk", "ru", "en"):
        response = client.get(
            reverse("monitoring:risk_accuracy"), {"window": "12"}, HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert f'lang="{language}"' in page
        assert page.count("<table") >= 3 + 1 + 4 + 1  # windows, levels, breakdowns, items
        assert "AUC" in page


def test_the_page_says_when_nothing_was_assessed(make_user: Any, signed_in: Any) -> None:
    """No assessment yet: the page says so instead of showing empty figures."""
    client = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    response = client.get(reverse("monitoring:risk_accuracy"))
    assert response.status_code == 200
    assert "No risk assessment has been recorded yet." in response.content.decode()


@pytest.mark.parametrize(
    ("role", "code", "status"),
    [
        (Role.NATIONAL_ANALYST, COUNTRY, 200),
        (Role.POLICE_SUPERVISOR, ABAI, 200),
        (Role.POLICE_INSPECTOR, SEMEY, 403),  # fills assessments in; does not grade the tool
        (Role.AKIMAT_COORDINATOR, ABAI, 403),
    ],
)
def test_who_may_open_the_page(
    make_user: Any, signed_in: Any, role: str, code: str | None, status: int
) -> None:
    client = signed_in(make_user(role, code))
    assert client.get(reverse("monitoring:risk_accuracy")).status_code == status


def test_the_menu_leads_the_analyst_and_the_supervisor_there(
    make_user: Any, signed_in: Any
) -> None:
    url = reverse("monitoring:risk_accuracy")
    for role, code, shown in (
        (Role.NATIONAL_ANALYST, COUNTRY, True),
        (Role.POLICE_SUPERVISOR, ABAI, True),
        (Role.POLICE_INSPECTOR, SEMEY, False),
    ):
        home = signed_in(make_user(role, code)).get("/").content.decode()
        assert (f'href="{url}"' in home) is shown, role
