"""Yearly returns of social services and forensic medicine: ``qorgau returns import`` end to end,
every bad row with its row, field and reason, re-runs, and the synthetic returns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from qorgau.audit.models import AuditEntry
from qorgau.conftest import ABAI, KURCHATOV, MEDEU, SEMEY
from qorgau.registry.models import SocialReturn
from qorgau.registry.tests.test_import_helpers import read_rejects, write_csv

pytestmark = pytest.mark.django_db
HEADER = [
    "district", "year", "families_identified", "families_supported", "children_at_risk",
    "support_centres", "deaths", "deaths_female", "deaths_children",
]  # fmt: skip


def row(district: str = SEMEY, year: int = 2024, **figures: Any) -> dict[str, Any]:
    return {"district": district, "year": year, **figures}


def run(*args: str) -> int:
    """``qorgau returns import ...``; the exit code (1 for a CommandError, as manage.py)."""
    try:
        call_command("returns", "import", *args)
    except SystemExit as exc:
        return int(exc.code or 0)
    except CommandError:
        return 1
    return 0


GOOD = [
    row(SEMEY, 2024, families_identified=120, families_supported=95, children_at_risk=240,
        support_centres=1),
    row(KURCHATOV, 2024, families_identified=8, families_supported=8, support_centres=0),
    row(MEDEU, 2023, deaths=2, deaths_female=2, deaths_children=0),
]  # fmt: skip
BAD = [
    row(ABAI, 2024, deaths=1),  # a region, not a district
    row(MEDEU, 2024, families_identified=5, families_supported=6),
    row(MEDEU, 2022, deaths_female=1),
    row(KURCHATOV, 2023),
    row(SEMEY, 2024, deaths=1),  # the same district and year as row 2
    row("12345", 2024, deaths=1),
    row(MEDEU, 2024, deaths="two"),
    row(MEDEU, timezone.localdate().year + 1, deaths=1),
]


def test_good_rows_are_stored_bad_ones_rejected_and_a_rerun_adds_nothing(tmp_path: Path):
    path = write_csv(tmp_path / "returns.csv", GOOD + BAD, HEADER)
    rejects = tmp_path / "rejects.csv"
    assert run(str(path), "--source", "Abai social protection", "--rejects", str(rejects)) == 3
    stored = {(r.district.kato_code, r.year): r for r in SocialReturn.objects.all()}
    assert set(stored) == {(SEMEY, 2024), (KURCHATOV, 2024), (MEDEU, 2023)}
    semey = stored[(SEMEY, 2024)]
    assert semey.source == "Abai social protection"
    assert (semey.families_identified, semey.families_supported, semey.deaths) == (120, 95, None)
    found = [(r["row"], r["field"], r["value"], r["reason"]) for r in read_rejects(rejects)]
    assert [(n, field) for n, field, _v, _r in found] == [
        ("5", "district"),
        ("6", "families_supported"),
        ("7", "deaths_female"),
        ("8", "families_identified"),
        ("9", "district"),
        ("10", "district"),
        ("11", "deaths"),
        ("12", "year"),
    ]
    reasons = {n: reason for n, _f, _v, reason in found}
    assert "had this KATO code in that year" in reasons["5"]
    assert reasons["6"] == "Larger than families_identified (5) in the same row."
    assert reasons["7"] == "Given without deaths: fill deaths in the same row."
    assert reasons["8"].startswith("The row gives no figure")
    assert reasons["9"] == "The file gives this district and year twice (first in row 2)."
    assert reasons["10"] == "A KATO code has 9 digits."
    assert reasons["11"] == "Not a whole number."
    assert reasons["12"] == "This year has not begun yet."
    audits = AuditEntry.objects.filter(object_type="registry.socialreturn").count()
    assert audits == 1

    again = tmp_path / "again.csv"
    assert run(str(path), "--source", "Abai social protection", "--rejects", str(again)) == 3
    assert SocialReturn.objects.count() == 3  # re-run: nothing added
    assert len(read_rejects(again)) == len(BAD)
    good_only = write_csv(tmp_path / "good.csv", GOOD, HEADER)
    assert run(str(good_only), "--source", "Abai social protection") == 0
    assert SocialReturn.objects.count() == 3
    assert AuditEntry.objects.filter(object_type="registry.socialreturn").count() == audits
    # another body's figures for the same districts and years are a return of their own
    assert run(str(good_only), "--source", "Forensic centre") == 0
    assert SocialReturn.objects.count() == 6


def test_other_figures_for_a_stored_return_are_rejected_unless_replaced(tmp_path: Path):
    source = ("--source", "Abai social protection")
    assert run(str(write_csv(tmp_path / "a.csv", GOOD, HEADER)), *source) == 0
    changed = [row(SEMEY, 2024, families_identified=130, families_supported=95,
                   children_at_risk=240, support_centres=1)]  # fmt: skip
    path = write_csv(tmp_path / "b.csv", changed, HEADER)
    rejects = tmp_path / "rejects.csv"
    assert run(str(path), *source, "--rejects", str(rejects)) == 3
    [reject] = read_rejects(rejects)
    assert (reject["row"], reject["field"], reject["value"]) == ("2", "families_identified", "130")
    assert "families_identified = 120" in reject["reason"] and "--replace" in reject["reason"]
    assert run(str(path), *source, "--replace") == 0
    semey = SocialReturn.objects.get(district__kato_code=SEMEY, year=2024)
    assert semey.families_identified == 130 and SocialReturn.objects.count() == 3


def test_a_file_that_cannot_be_read_or_no_source(tmp_path: Path):
    assert run(str(tmp_path / "missing.csv"), "--source", "x") == 2
    no_year = tmp_path / "no-year.csv"
    no_year.write_text("district,deaths\n101000000,1\n", encoding="utf-8")
    assert run(str(no_year), "--source", "x") == 2
    assert run(str(write_csv(tmp_path / "a.csv", GOOD, HEADER))) == 1  # no --source
    assert (
        run(str(write_csv(tmp_path / "b.csv", GOOD, HEADER)), "--source", "x", "--user", "nobody")
        == 1
    )
    assert not SocialReturn.objects.exists()


@pytest.fixture
def synthetic(db: Any) -> Any:
    from qorgau.registry.synthesis import clear
    from qorgau.synth.services import synth_clear, synth_run

    synth_clear()
    yield synth_run(first_year=2023, last_year=2024, scale=0.01, seed=11,
                    today=dt.date(2025, 6, 1))  # fmt: skip
    synth_clear()
    clear()


def test_the_generator_writes_both_returns_for_every_district_and_year(synthetic: Any):
    from qorgau.registry.synthesis import FORENSIC, SOCIAL, clear, synthesise
    from qorgau.synth.services import district_frame

    frame = district_frame()
    rows = list(SocialReturn.objects.order_by("year", "district_id", "source"))
    assert len(rows) == 2 * 2 * len(frame.codes)
    assert synthetic.counts["registry.social_returns"] == len(rows)
    for year in (2023, 2024):
        for source in (SOCIAL, FORENSIC):
            districts = {r.district_id for r in rows if r.year == year and r.source == source}
            assert districts == {int(pk) for pk in frame.pk_after}
    social = [r for r in rows if r.source == SOCIAL]
    assert all(r.families_supported <= r.families_identified for r in social)  # type: ignore[operator]
    identified = sum(r.families_identified or 0 for r in social if r.year == 2024)
    expected = 20 * frame.population.sum() / 10_000 * 0.01  # 20 per 10,000, at the run's scale
    assert 0.5 * expected < identified < 2 * expected
    assert sum(r.support_centres or 0 for r in social if r.year == 2024) > sum(
        r.support_centres or 0 for r in social if r.year == 2023
    )  # the roll-out of family support centres
    deaths = [r for r in rows if r.source == FORENSIC]
    assert all((r.deaths_female or 0) <= (r.deaths or 0) for r in deaths)
    figures = [(r.district_id, r.year, r.source, *r.figures().values()) for r in rows]
    clear()
    assert not SocialReturn.objects.exists()
    synthesise(seed=11)
    again = SocialReturn.objects.order_by("year", "district_id", "source")
    assert [(r.district_id, r.year, r.source, *r.figures().values()) for r in again] == figures
