"""Risk instruments as versioned data files, and the pure scoring that applies them.

An instrument (``data/risk_instruments/*.yaml``) lists items with weights, score cut-offs for
the levels, *red flags* (any or all of some items set a minimum level, as DASH's red flags and
VioGén's extreme-risk check do) and the re-assessment interval per level. The format expresses
count-based checklists (DASH: every "yes" weighs 1, bands 0-9/10-13/14+), actuarial sums
(ODARA: 13 binary items, bins of the total) and weighted scores with overrides (VioGén).
A professional may raise the computed level, with a reason, but never lower it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone
from django.utils.translation import get_language

from qorgau.registry.choices import RISK_ORDER, RiskLevel

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "data" / "risk_instruments"
DEFAULT_INSTRUMENT = "qorgau-risk"


class InstrumentError(ValueError):
    """An instrument file or an answer set that cannot be used."""


@dataclass(frozen=True)
class Item:
    code: str
    weight: Decimal
    text: dict[str, str]
    max_count: int = 1  # 1: a yes/no item; more: the answer is a count up to this

    def label(self) -> str:
        return self.text.get((get_language() or "en")[:2], self.text["en"])


@dataclass(frozen=True)
class RedFlag:
    items: tuple[str, ...]
    require_all: bool
    min_level: RiskLevel

    def raised_by(self, yes: set[str]) -> bool:
        hits = [code in yes for code in self.items]
        return all(hits) if self.require_all else any(hits)


@dataclass(frozen=True)
class Instrument:
    code: str
    version: int
    name: dict[str, str]
    items: tuple[Item, ...]
    cutoffs: tuple[tuple[Decimal, RiskLevel], ...]
    red_flags: tuple[RedFlag, ...]
    reassess_days: dict[str, int]
    # From this day new assessments use this version; ``None``: a proposal, evaluated on past
    # assessments (``qorgau risk propose``) but never used until a date is written here.
    in_force_from: dt.date | None = None

    def label(self) -> str:
        return self.name.get((get_language() or "en")[:2], self.name["en"])


@dataclass(frozen=True)
class RiskResult:
    score: Decimal
    level: RiskLevel
    flags: tuple[RedFlag, ...]


def instrument_parse(data: dict[str, Any]) -> Instrument:
    """Build an instrument from its file's content, refusing anything inconsistent."""
    try:
        items = tuple(
            Item(
                str(i["code"]),
                Decimal(str(i.get("weight", 1))),
                dict(i["text"]),
                int(i.get("max_count", 1)),
            )
            for i in data["items"]
        )
        cutoffs = tuple(
            sorted(
                ((Decimal(str(lv["min_score"])), RiskLevel(lv["level"])) for lv in data["levels"]),
                key=lambda pair: pair[0],
            )
        )
        flags = tuple(
            RedFlag(
                tuple(f.get("all") or f.get("any") or ()), "all" in f, RiskLevel(f["min_level"])
            )
            for f in data.get("red_flags", [])
        )
        instrument = Instrument(
            code=str(data["code"]),
            version=int(data["version"]),
            name=dict(data["name"]),
            items=items,
            cutoffs=cutoffs,
            red_flags=flags,
            reassess_days={RiskLevel(k).value: int(v) for k, v in data["reassess_days"].items()},
            in_force_from=_day_or_none(data.get("in_force_from")),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise InstrumentError(f"The risk instrument is not valid: {exc!r}") from exc
    codes = [item.code for item in items]
    if len(set(codes)) != len(codes):
        raise InstrumentError("Item codes must be unique.")
    if not cutoffs or cutoffs[0][0] != 0:
        raise InstrumentError("The lowest level must start at score 0.")
    if set(instrument.reassess_days) != {level for _, level in cutoffs} | {
        f.min_level for f in flags
    }:
        raise InstrumentError("Every level needs a re-assessment interval.")
    for flag in flags:
        if not flag.items or not set(flag.items) <= set(codes):
            raise InstrumentError(f"A red flag names unknown items: {flag.items}")
    return instrument


def _day_or_none(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@lru_cache(maxsize=16)
def instrument_versions(code: str = DEFAULT_INSTRUMENT) -> tuple[Instrument, ...]:
    """Every version of the instrument ``code`` in the data folder, oldest first."""
    found = []
    for path in sorted(INSTRUMENTS_DIR.glob("*.yaml")):
        instrument = instrument_parse(yaml.safe_load(path.read_text(encoding="utf-8")))
        if instrument.code == code:
            found.append(instrument)
    return tuple(sorted(found, key=lambda instrument: instrument.version))


def instrument_load(
    code: str = DEFAULT_INSTRUMENT, version: int | None = None, on: dt.date | None = None
) -> Instrument:
    """The instrument ``code`` at ``version``; without one, the version in force on ``on``
    (today): the newest whose ``in_force_from`` has come. A proposal (no date) is loaded only
    by its version."""
    versions = instrument_versions(code)
    if version is not None:
        chosen = [instrument for instrument in versions if instrument.version == version]
    else:
        day = on or timezone.localdate()
        chosen = [i for i in versions if i.in_force_from is not None and i.in_force_from <= day]
    if not chosen:
        raise InstrumentError(f"No risk instrument {code!r} version {version} in force.")
    return chosen[-1]


def instrument_read(text: str) -> Instrument:
    """An instrument from a file's text (a proposal uploaded for evaluation)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InstrumentError(f"The file is not YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InstrumentError("The file does not describe an instrument.")
    return instrument_parse(data)


def risk_score(instrument: Instrument, answers: dict[str, Any]) -> RiskResult:
    """Score a set of answers (item code → yes/no or a count). Unknown items are refused."""
    unknown = set(answers) - {item.code for item in instrument.items}
    if unknown:
        raise InstrumentError(f"Answers for items not in the instrument: {sorted(unknown)}")
    score = Decimal(0)
    yes: set[str] = set()
    for item in instrument.items:
        value = int(answers.get(item.code) or 0)
        if not 0 <= value <= item.max_count:
            raise InstrumentError(f"{item.code}: answer {value} outside 0..{item.max_count}")
        score += item.weight * value
        if value:
            yes.add(item.code)
    level = RiskLevel.LOW
    for min_score, cut_level in instrument.cutoffs:
        if score >= min_score:
            level = cut_level
    flags = tuple(flag for flag in instrument.red_flags if flag.raised_by(yes))
    for flag in flags:
        level = max_level(level, flag.min_level)
    return RiskResult(score=score, level=level, flags=flags)


def max_level(a: str, b: str) -> RiskLevel:
    return RISK_ORDER[max(RISK_ORDER.index(RiskLevel(a)), RISK_ORDER.index(RiskLevel(b)))]


def reassess_by(instrument: Instrument, level: str, assessed_on: dt.date) -> dt.date:
    return assessed_on + dt.timedelta(days=instrument.reassess_days[RiskLevel(level).value])
