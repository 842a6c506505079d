"""Versions of the risk instrument as data: each switched on from its own date, a proposal
(no date) never used for a new assessment, and an assessment scored with the version in force
on its day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from qorgau.registry import risk
from qorgau.registry.risk import InstrumentError, instrument_load, instrument_read

V1 = risk.INSTRUMENTS_DIR / "qorgau-risk-v1.yaml"


def _version(base: dict, version: int, in_force_from: str | None, weight: int) -> dict:
    data = {**base, "version": version, "in_force_from": in_force_from}
    data["items"] = [{**item, "weight": weight} for item in base["items"]]
    return data


@pytest.fixture
def versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    base = yaml.safe_load(V1.read_text(encoding="utf-8"))
    for data in (
        _version(base, 1, "2015-01-01", 1),
        _version(base, 2, "2027-01-01", 2),
        _version(base, 3, None, 3),  # a proposal
    ):
        (tmp_path / f"v{data['version']}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr(risk, "INSTRUMENTS_DIR", tmp_path)
    risk.instrument_versions.cache_clear()
    yield tmp_path
    risk.instrument_versions.cache_clear()


def test_the_version_in_force_on_a_day_is_the_newest_switched_on_by_then(versions: Path) -> None:
    assert instrument_load(on=dt.date(2026, 12, 31)).version == 1
    assert instrument_load(on=dt.date(2027, 1, 1)).version == 2
    assert instrument_load(on=dt.date(2030, 1, 1)).version == 2  # never the proposal
    assert instrument_load(version=3).in_force_from is None  # loaded only by its version
    with pytest.raises(InstrumentError):
        instrument_load(on=dt.date(2014, 12, 31))


@pytest.mark.django_db
def test_an_assessment_uses_the_version_in_force_on_its_day(versions: Path) -> None:
    from qorgau.registry.services_risk import risk_judge

    answers = {"strangulation": 1}
    before = risk_judge("qorgau-risk", answers, None, "", on=dt.date(2026, 6, 1))
    after = risk_judge("qorgau-risk", answers, None, "", on=dt.date(2027, 6, 1))
    assert (before.instrument.version, after.instrument.version) == (1, 2)
    assert after.result.score == 2 * before.result.score


def test_a_proposal_file_is_read_or_refused_clearly() -> None:
    proposal = instrument_read(V1.read_text(encoding="utf-8").replace("version: 1", "version: 9"))
    assert proposal.version == 9
    for text in ("- a list", "code: [", "code: x\\nversion: 1\\n"):
        with pytest.raises(InstrumentError):
            instrument_read(text)


def test_the_shipped_instrument_is_in_force_from_its_date() -> None:
    risk.instrument_versions.cache_clear()
    shipped = instrument_load()
    assert shipped.version == 1 and shipped.in_force_from == dt.date(2015, 1, 1)
