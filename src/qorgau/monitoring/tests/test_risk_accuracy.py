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


def test_a_proposed_version_is_judged_on_past_assessments(tmp_path: Any) -> None:
    """The same checklist proposed again scores every past assessment as it was (difference
    0); a proposal that keeps one weak item predicts worse, and the command says by how much."""
    import yaml

    from qorgau.monitoring.risk_proposal import proposal_compare
    from qorgau.registry.risk import INSTRUMENTS_DIR, instrument_parse

    call_command(*SYNTH, stdout=io.StringIO(), stderr=io.StringIO())
    base = yaml.safe_load((INSTRUMENTS_DIR / "qorgau-risk-v1.yaml").read_text(encoding="utf-8"))
    same = instrument_parse({**base, "version": 2, "in_force_from": None})
    compared = proposal_compare(same, months=12)
    assert compared.assessed > 50 and compared.auc is not None
    assert compared.auc.difference == 0 and compared.changed_level == 0
    assert compared.never_asked == []

    weak = {
        **base,
        "version": 3,
        "in_force_from": None,
        "items": [{**item, "weight": 0} for item in base["items"]]
        + [{"code": "new_question", "weight": 5, "text": {"en": "?", "ru": "?", "kk": "?"}}],
        "red_flags": [],
    }
    path = tmp_path / "weak.yaml"
    path.write_text(yaml.safe_dump(weak), encoding="utf-8")
    out = io.StringIO()
    call_command("risk", "propose", str(path), "--window", "12", stdout=out)
    text = out.getvalue()
    assert "never asked in past assessments (counted as no): new_question" in text
    difference = float(re.search(r"difference ([+-][\d.]+)", text).group(1))
    assert difference < 0  # nothing left to tell the cases apart
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: [", encoding="utf-8")
    with pytest.raises(Exception, match="broken.yaml"):
        call_command("risk", "propose", str(broken))
