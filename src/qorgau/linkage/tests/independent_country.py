"""A small country that Qorgau did not generate: the check of the register intake end to end.

Everything here is written independently of :mod:`qorgau.synth` (no import of it, its name lists
or its error model), so that linkage and estimation are checked on data whose habits they were
not built around. It simulates, for three regions and one year, the true victims of domestic
violence and five lists that capture them:

* **police** — incidents (``incidents.csv``) naming victims and offenders by the record number
  of a ``persons.csv`` row; the IIN is known for almost every person;
* **health** — the IIN most of the time, occasional typing errors in names;
* **crisis_centre** — often no IIN, names in a Latin transliteration or mistyped, sometimes
  only the year of birth;
* **line_111** — usually only a first name (often a short form), sometimes a surname, seldom a
  year of birth, never an IIN;
* **social** — the IIN about half the time.

Capture is heterogeneous (a latent severity raises police, health and crisis-centre capture
together; a police report raises the chance of a crisis-centre or social-services referral),
and some persons appear twice in a register in the year. Each record is spelt by its own
register's habits, independently of the person's other records.

The truth — per region, the number of distinct victims seen in at least one *identifiable* record
(:func:`identifiable`, the rule of docs/linkage.md written out here on its own) — is counted from
the simulation itself, never from Qorgau; the number seen by any list at all is kept beside it.
The people, their names and the registers' habits are in
:mod:`qorgau.linkage.tests.independent_people`. ``python -m qorgau.linkage.tests.independent_
country OUT_DIR`` writes the files for a manual run of ``qorgau import``.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qorgau.linkage.tests.independent_people import (
    CITIES,
    HABITS,
    REGIONS,
    Namer,
    Person,
    Recorder,
    Region,
)

REGISTERS: tuple[str, ...] = ("health", "crisis_centre", "line_111", "social")
LISTS: tuple[str, ...] = ("police", *REGISTERS)
REGISTER_COLUMNS: tuple[str, ...] = (
    "record_id",
    "seen_on",
    "district",
    "iin",
    "surname",
    "first_name",
    "patronymic",
    "sex",
    "birth_date",
    "birth_year",
    "injury",
)
PERSON_COLUMNS: tuple[str, ...] = (
    "record_id",
    "iin",
    "surname",
    "first_name",
    "patronymic",
    "sex",
    "birth_date",
    "birth_year",
    "citizenship",
    "home_district",
)
INCIDENT_COLUMNS: tuple[str, ...] = (
    "record_id",
    "occurred_at",
    "reported_at",
    "district",
    "settlement_type",
    "source_channel",
    "physical",
    "psychological",
    "economic",
    "children_present",
    "alcohol",
    "administrative_protocol",
    "injury",
    "victim_person_id",
    "offender_person_id",
    "relationship",
)


def identifiable(row: Mapping[str, str]) -> bool:
    """Whether a written record can tell its person apart, by the rule docs/linkage.md states
    ("Identifiability") — written here from that text, not imported from linkage: an IIN; or a
    surname and a first name; or one of the two with a full date of birth (a year alone is not
    a date). A name counts when it has a letter."""

    def given(column: str) -> bool:
        return any(char.isalpha() for char in row.get(column, ""))

    if row.get("iin", "").strip():
        return True
    if given("surname") and given("first_name"):
        return True
    return (given("surname") or given("first_name")) and bool(row.get("birth_date", "").strip())


@dataclass
class Country:
    """The simulated year: the true persons, the extracts in the import formats, the truth."""

    year: int
    victims: list[Person]
    persons_rows: list[dict[str, str]] = field(default_factory=list)
    incident_rows: list[dict[str, str]] = field(default_factory=list)
    register_rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    # (list, record_id) → the victim's key; the police list by the person's record number.
    record_truth: dict[tuple[str, str], str] = field(default_factory=dict)

    def seen(self) -> dict[str, set[str]]:
        """Victim key → the lists that saw her in the year."""
        lists: dict[str, set[str]] = defaultdict(set)
        for (name, _record), key in self.record_truth.items():
            lists[key].add(name)
        return dict(lists)

    def seen_by_region(self) -> dict[str, int]:
        """Per region (today's KATO code), distinct victims seen by at least one list."""
        region_of = {victim.key: victim.region for victim in self.victims}
        counts = {region.code: 0 for region in REGIONS}
        for key in self.seen():
            counts[region_of[key]] += 1
        return counts

    def rows_by_record(self) -> dict[tuple[str, str], dict[str, str]]:
        """(list, record_id) → the row as written in the extract."""
        rows = {("police", row["record_id"]): row for row in self.persons_rows}
        for name, register_rows in self.register_rows.items():
            rows.update({(name, row["record_id"]): row for row in register_rows})
        return rows

    def seen_identifiable(self) -> set[str]:
        """The victims seen in at least one identifiable record (:func:`identifiable`): those a
        linkage can count — a victim known only from, say, a first name on the 111 line is
        seen, but cannot be told from other women of that name."""
        rows = self.rows_by_record()
        return {key for record, key in self.record_truth.items() if identifiable(rows[record])}

    def identifiable_by_region(self) -> dict[str, int]:
        """Per region, distinct victims seen in at least one identifiable record — the truth
        the linked count is held to."""
        region_of = {victim.key: victim.region for victim in self.victims}
        counts = {region.code: 0 for region in REGIONS}
        for key in self.seen_identifiable():
            counts[region_of[key]] += 1
        return counts

    def truth_summary(self) -> list[dict[str, int | str]]:
        seen = self.seen()
        identified = self.seen_identifiable()
        rows: list[dict[str, int | str]] = []
        for region in REGIONS:
            victims = [v for v in self.victims if v.region == region.code]
            row: dict[str, int | str] = {
                "region_code": region.code,
                "year": self.year,
                "true_victims": len(victims),
                "seen": sum(1 for v in victims if v.key in seen),
                "seen_identifiable": sum(1 for v in victims if v.key in identified),
            }
            for name in LISTS:
                row[f"seen_by_{name}"] = sum(1 for v in victims if name in seen.get(v.key, ()))
            rows.append(row)
        return rows


# Capture: logit of the base probability, the weight of the latent severity, and the bonus of a
# police report (referral) — per list.
CAPTURE_BASE: dict[str, float] = {
    "police": 0.3,
    "health": 0.2,
    "crisis_centre": 0.07,
    "line_111": 0.1,
    "social": 0.1,
}
CAPTURE_SEVERITY: dict[str, float] = {
    "police": 0.6,
    "health": 0.9,
    "crisis_centre": 0.5,
    "line_111": 0.2,
    "social": 0.3,
}
REFERRAL_BONUS: dict[str, float] = {"crisis_centre": 0.9, "social": 0.7}
MALE_VICTIM_SHARE = 0.14


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _expit(x: float) -> float:
    return float(1 / (1 + np.exp(-x)))


# --- the simulation -----------------------------------------------------------------------------


def _day(rng: np.random.Generator, year: int) -> dt.date:
    days = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days
    return dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(0, days + 1)))


def _district(rng: np.random.Generator, person: Person, region: Region, stay: float) -> str:
    """Mostly the person's home district; otherwise another of the region (the regional
    hospital, the crisis centre of the regional centre)."""
    if rng.random() < stay:
        return person.home_district
    return region.districts[int(rng.integers(0, len(region.districts)))]


def country_generate(*, seed: int = 2024, year: int = 2024, scale: float = 1.0) -> Country:
    """Simulate the victims of one year in the three regions, and what each list recorded."""
    rng = np.random.default_rng(seed)
    namer = Namer(rng)
    recorder = Recorder(rng)
    victims: list[Person] = []
    for region in REGIONS:
        for number in range(round(region.victims * scale)):
            sex = "M" if rng.random() < MALE_VICTIM_SHARE else "F"
            age = int(min(85, 18 + rng.gamma(2.5, 8.0)))
            kazakh = bool(rng.random() < region.kazakh_share)
            victim = namer.person(
                f"V-{region.code[:2]}-{number:05d}",
                sex=sex,
                age=age,
                year=year,
                region=region,
                kazakh=kazakh,
            )
            victim.severity = float(rng.normal())
            victims.append(victim)
    country = Country(year=year, victims=victims)
    regions = {region.code: region for region in REGIONS}
    offender_number = 0
    for victim in victims:
        region = regions[victim.region]
        captured: dict[str, bool] = {}
        for name in LISTS:
            logit = _logit(CAPTURE_BASE[name]) + CAPTURE_SEVERITY[name] * victim.severity
            if captured.get("police"):
                logit += REFERRAL_BONUS.get(name, 0.0)
            if name == "crisis_centre" and victim.sex == "M":
                logit -= 1.5  # few crisis centres take men in
            captured[name] = bool(rng.random() < _expit(logit))
        if captured["police"]:
            offender_number += 1
            offender = namer.person(
                f"O-{offender_number:05d}",
                sex="F" if victim.sex == "M" and rng.random() < 0.7 else "M",
                age=int(min(80, 20 + rng.gamma(2.5, 8.0))),
                year=year,
                region=region,
                kazakh=victim.kazakh if rng.random() < 0.9 else not victim.kazakh,
            )
            _police(country, rng, recorder, victim, offender, region)
        for name in REGISTERS:
            if captured[name]:
                _register(country, rng, recorder, victim, region, name)
    return country


RELATIONSHIPS = ("spouse", "cohabitant", "former_spouse", "former_cohabitant", "in_law", "child")
RELATIONSHIP_WEIGHTS = np.array([0.5, 0.15, 0.12, 0.08, 0.07, 0.08])
CHANNELS = ("call_102", "statement", "contact_111", "health", "patrol", "crisis_centre")
CHANNEL_WEIGHTS = np.array([0.6, 0.2, 0.06, 0.06, 0.05, 0.03])


def _police(
    country: Country,
    rng: np.random.Generator,
    recorder: Recorder,
    victim: Person,
    offender: Person,
    region: Region,
) -> None:
    victim_id = f"P-{len(country.persons_rows) + 1:06d}"
    offender_id = f"P-{len(country.persons_rows) + 2:06d}"
    for record_id, person in ((victim_id, victim), (offender_id, offender)):
        identity = recorder.identity(person, "police")
        if not identity["iin"] and not identity["birth_date"] and not identity["birth_year"]:
            identity["birth_year"] = str(person.birth_date.year)
        country.persons_rows.append(
            {
                "record_id": record_id,
                **{k: identity[k] for k in ("iin", "surname", "first_name", "patronymic")},
                "sex": identity["sex"],
                "birth_date": identity["birth_date"],
                "birth_year": identity["birth_year"],
                "citizenship": "KZ",
                "home_district": person.home_district,
            }
        )
    country.record_truth[("police", victim_id)] = victim.key
    relationship = RELATIONSHIPS[
        int(rng.choice(len(RELATIONSHIPS), p=RELATIONSHIP_WEIGHTS / RELATIONSHIP_WEIGHTS.sum()))
    ]
    incidents = 1 + min(3, int(rng.poisson(0.35 * np.exp(0.3 * victim.severity))))
    for _ in range(incidents):
        district = _district(rng, victim, region, 0.9)
        day = _day(rng, country.year)
        occurred = dt.datetime.combine(
            day, dt.time(int(rng.integers(0, 24)), int(rng.integers(0, 60)))
        )
        reported = occurred + dt.timedelta(minutes=int(rng.integers(5, 600)))
        if reported.year != country.year:
            reported = occurred
        injured = rng.random() < _expit(-0.5 + victim.severity)
        channel = CHANNELS[
            int(rng.choice(len(CHANNELS), p=CHANNEL_WEIGHTS / CHANNEL_WEIGHTS.sum()))
        ]
        country.incident_rows.append(
            {
                "record_id": f"KUI-{country.year}-{len(country.incident_rows) + 1:06d}",
                "occurred_at": f"{occurred:%Y-%m-%d %H:%M}",
                "reported_at": f"{reported:%Y-%m-%d %H:%M}",
                "district": district,
                "settlement_type": "urban" if district in CITIES else "rural",
                "source_channel": channel,
                "physical": "1" if injured or rng.random() < 0.4 else "0",
                "psychological": "1" if rng.random() < 0.7 else "0",
                "economic": "1" if rng.random() < 0.1 else "0",
                "children_present": "1" if rng.random() < 0.3 else "0",
                "alcohol": "1" if rng.random() < 0.45 else "0",
                "administrative_protocol": "1" if rng.random() < 0.6 else "0",
                "injury": ("light" if rng.random() < 0.8 else "moderate") if injured else "none",
                "victim_person_id": victim_id,
                "offender_person_id": offender_id,
                "relationship": relationship,
            }
        )


REGISTER_PREFIX = {"health": "HL", "crisis_centre": "CC", "line_111": "L111", "social": "SOC"}


def _register(
    country: Country,
    rng: np.random.Generator,
    recorder: Recorder,
    victim: Person,
    region: Region,
    register: str,
) -> None:
    rows = country.register_rows.setdefault(register, [])
    visits = 2 if rng.random() < HABITS[register].second_record else 1
    for _ in range(visits):
        identity = recorder.identity(victim, register)
        if register == "line_111":
            district = victim.home_district if rng.random() < 0.6 else region.districts[0]
        else:
            district = _district(rng, victim, region, 0.8)
        injury = ""
        if register == "health":
            injury = ("light", "moderate", "grave")[int(rng.choice(3, p=[0.65, 0.28, 0.07]))]
        record_id = f"{REGISTER_PREFIX[register]}-{country.year}-{len(rows) + 1:06d}"
        rows.append(
            {
                "record_id": record_id,
                "seen_on": _day(rng, country.year).isoformat(),
                "district": district,
                **{k: identity[k] for k in ("iin", "surname", "first_name", "patronymic")},
                "sex": identity["sex"],
                "birth_date": identity["birth_date"],
                "birth_year": identity["birth_year"],
                "injury": injury,
            }
        )
        country.record_truth[(register, record_id)] = victim.key


# --- files --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryFiles:
    persons: Path
    incidents: Path
    registers: dict[str, Path]
    truth: Path
    record_truth: Path


def _write(path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
    return path


def country_write(country: Country, directory: Path) -> CountryFiles:
    """The extracts in the import formats (docs/import-formats.md) and two truth files."""
    directory.mkdir(parents=True, exist_ok=True)
    truth_rows = country.truth_summary()
    return CountryFiles(
        persons=_write(directory / "persons.csv", PERSON_COLUMNS, country.persons_rows),
        incidents=_write(directory / "incidents.csv", INCIDENT_COLUMNS, country.incident_rows),
        registers={
            name: _write(
                directory / f"{name}.csv", REGISTER_COLUMNS, country.register_rows.get(name, [])
            )
            for name in REGISTERS
        },
        truth=_write(directory / "truth.csv", list(truth_rows[0]), truth_rows),
        record_truth=_write(
            directory / "record_truth.csv",
            ("list", "record_id", "victim"),
            [
                {"list": name, "record_id": record, "victim": key}
                for (name, record), key in country.record_truth.items()
            ],
        ),
    )


if __name__ == "__main__":  # pragma: no cover - a manual aid
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "independent-country")
    made = country_generate()
    country_write(made, out)
    for line in made.truth_summary():
        sys.stdout.write(f"{line}\n")
