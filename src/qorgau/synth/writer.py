"""Writing sampled blocks into the database: the registry's rows, the other registers'
records and the truth behind them.

Registry rows go in with pre-assigned keys (:mod:`qorgau.synth.rows`); the other registers'
records go through the registry's one write path for them, as an imported file would.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import models

from qorgau.lib import phrases
from qorgau.lib.crypto import pseudonym
from qorgau.lib.months import add_months
from qorgau.registry import models as rm
from qorgau.registry.intake import RegisterRecordDraft, register_records_store
from qorgau.registry.legal import legal_rule
from qorgau.registry.names import name_indexes
from qorgau.registry.risk import instrument_load, reassess_by, risk_score
from qorgau.synth import calibration as cal
from qorgau.synth import identities as idt
from qorgau.synth.models import RecordTruth, SynthRun, TruthCount, VictimTruth
from qorgau.synth.rows import ALMATY, DistrictFrame, Ids, as_dates, as_datetimes, insert_rows
from qorgau.synth.sampling import REGISTERS, RISK_ITEMS, Block

SOURCE = "synth"


@dataclass
class BlockWriter:
    """Writes blocks of one run; keeps the keys, IIN serials, token cache and row counts."""

    run: SynthRun
    frame: DistrictFrame
    now: dt.datetime
    ids: Ids = field(default_factory=Ids)
    serials: idt.IinSerials = field(default_factory=idt.IinSerials)
    tokens: idt.TokenCache = field(default_factory=idt.TokenCache)
    counts: Counter[str] = field(default_factory=Counter)
    person_encryptions: int = 0

    def save(self, model: type[models.Model], rows: list[dict[str, Any]]) -> None:
        insert_rows(model, rows, self.now)
        self.counts[model._meta.label] += len(rows)

    def write(self, rng: np.random.Generator, block: Block) -> None:
        victims, offenders = self._persons(rng, block)
        incidents = self._incidents(rng, block, victims, offenders)
        orders = self._orders(block, incidents, victims, offenders)
        self._checks(block, orders)
        self._requirements(block, incidents, victims, offenders)
        self._offences(block, incidents, offenders)
        self._risks(block, incidents, victims, offenders)
        self._register_records(rng, block)
        self._truth(block)

    # --- persons ---------------------------------------------------------------------------

    def _persons(self, rng: np.random.Generator, block: Block) -> tuple[np.ndarray, np.ndarray]:
        pv = block.pv
        share = idt.RUSSIAN_NAME_SHARE.get(block.region, idt.DEFAULT_RUSSIAN_SHARE)
        sighted = np.flatnonzero(block.police | np.any([block.seen[r] for r in REGISTERS], axis=0))
        births = as_dates(block.victim_birth[sighted])
        people = idt.people_make(rng, block.victim_sex[sighted], births, share, self.serials)
        block.people = people
        position = np.full(len(block.z), -1)
        position[sighted] = np.arange(len(sighted))
        block.position = position
        at = position[pv]
        shared = np.isin(block.relationship, list(idt.SHARED_SURNAME))
        stems = np.asarray([_stem_index(people.surname[i], people.russian[i]) for i in at], int)
        off_people = idt.people_make(
            rng,
            block.offender_sex,
            as_dates(block.offender_birth),
            share,
            self.serials,
            surname_of=np.where(shared, stems, rng.integers(0, 10_000, len(pv))),
            russian=np.where(shared, people.russian[at], rng.random(len(pv)) < share),
        )
        victim_ids = self.ids.take(rm.Person, len(pv))
        offender_ids = self.ids.take(rm.Person, len(pv))
        home = self.frame.version(
            block.true_district[pv], np.full(len(pv), np.datetime64(f"{block.year}-12-31"))
        )
        russian_form = rng.random(2 * len(pv)) < 0.85
        rows = []
        for j, i in enumerate(at):
            rows.append(
                self._person(
                    int(victim_ids[j]),
                    people,
                    int(i),
                    block.victim_sex[pv[j]],
                    births[i],
                    int(home[j]),
                    bool(russian_form[j]),
                )
            )
        off_births = as_dates(block.offender_birth)
        for j in range(len(pv)):
            rows.append(
                self._person(
                    int(offender_ids[j]),
                    off_people,
                    j,
                    block.offender_sex[j],
                    off_births[j],
                    int(home[j]),
                    bool(russian_form[len(pv) + j]),
                )
            )
        self.save(rm.Person, rows)
        self.save(
            VictimTruth,
            [
                dict(
                    run_id=self.run.pk,
                    person_id=int(victim_ids[j]),
                    truth_key=idt.truth_key(self.run.pk, block.year, block.region, int(pv[j])),
                )
                for j in range(len(pv))
            ],
        )
        return victim_ids, offender_ids

    def _person(
        self, pk: int, people: idt.People, i: int, sex: str, birth: dt.date, home: int, ru: bool
    ) -> dict[str, Any]:
        surname, first, patronymic = (
            idt.police_spelling(text, ru)
            for text in (people.surname[i], people.first_name[i], people.patronymic[i])
        )
        tokens = idt.encrypt_person(surname, first, patronymic)
        self.person_encryptions += 3
        return dict(
            pk=pk,
            iin_pseudonym=pseudonym(people.iin[i], purpose="iin"),
            surname_token=tokens[0],
            first_name_token=tokens[1],
            patronymic_token=tokens[2],
            **name_indexes(surname=surname, first_name=first),
            sex=sex,
            birth_date=birth,
            birth_year=birth.year,
            disability="none",
            home_district_id=home,
            source=SOURCE,
        )

    # --- incidents -------------------------------------------------------------------------

    def _incidents(
        self, rng: np.random.Generator, block: Block, victims: np.ndarray, offenders: np.ndarray
    ) -> np.ndarray:
        inc = block.inc
        n = len(inc["owner"])
        pks = self.ids.take(rm.Incident, n)
        district = self.frame.version(inc["district"], inc["day"])
        occurred = as_datetimes(inc["day"], inc["seconds"], self.now)
        reported = as_datetimes(inc["day"], inc["seconds"] + inc["delay"], self.now)
        urban = rng.random(n) < self.frame.urban_share[inc["district"]]
        channel = _channels(rng, block)
        flags = rng.random((n, 6))
        refused = ~inc["order"] & ~inc["art73"] & ~inc["criminal"] & (flags[:, 5] < 0.5)
        rows = []
        for i in range(n):
            injury = inc["injury"][i]
            rows.append(
                dict(
                    pk=int(pks[i]),
                    occurred_at=occurred[i],
                    reported_at=max(reported[i], occurred[i]),
                    district_id=int(district[i]),
                    settlement_type="urban" if urban[i] else "rural",
                    source_channel=channel[i],
                    physical=injury != "none" or flags[i, 0] < 0.4,
                    psychological=flags[i, 1] < cal.PSYCHOLOGICAL_SHARE,
                    sexual=inc["article"][i] == "120" or flags[i, 2] < cal.SEXUAL_SHARE,
                    economic=flags[i, 3] < cal.ECONOMIC_SHARE,
                    children_present=flags[i, 4] < 0.35,
                    alcohol=flags[i, 4] < 0.5,
                    injury=injury,
                    administrative_protocol=bool(inc["art73"][i]),
                    criminal_case=bool(inc["criminal"][i]),
                    referred=flags[i, 0] < 0.3,
                    refused=bool(refused[i]),
                    refusal_reason=phrases.REFUSAL_REASONS[i % 3] if refused[i] else "",
                    erdr_number=f"{block.year % 100:02d}{pks[i]:010d}"
                    if inc["criminal"][i]
                    else "",
                    erap_number=f"A{block.year % 100:02d}{pks[i]:09d}" if inc["art73"][i] else "",
                    source=SOURCE,
                )
            )
        self.save(rm.Incident, rows)
        owner = inc["owner"]
        participants = [
            dict(
                incident_id=int(pks[i]),
                person_id=int(victims[owner[i]]),
                role="victim",
                relationship="",
            )
            for i in range(n)
        ] + [
            dict(
                incident_id=int(pks[i]),
                person_id=int(offenders[owner[i]]),
                role="offender",
                relationship=block.relationship[owner[i]],
            )
            for i in range(n)
        ]
        self.save(rm.IncidentParticipant, participants)
        return pks

    # --- orders ----------------------------------------------------------------------------

    def _orders(
        self, block: Block, incidents: np.ndarray, victims: np.ndarray, offenders: np.ndarray
    ) -> np.ndarray:
        o, inc = block.orders, block.inc
        k = len(o["incident"])
        pks = self.ids.take(rm.ProtectiveOrder, k)
        owner = inc["owner"][o["incident"]]
        district = self.frame.version(inc["district"][o["incident"]], o["issued"])
        issued, served = as_dates(o["issued"]), as_dates(o["served"])
        ends, due = as_dates(o["ends"]), as_dates(o["next_check_due"])
        revoked = as_dates(o["revoked_on"])
        prohibitions = legal_rule("protective_order.prohibitions", dt.date(2020, 1, 1)).value
        rows = []
        for i in range(k):
            term = legal_rule("protective_order.term_days", issued[i])
            code = self.frame.codes[inc["district"][o["incident"][i]]]
            unserved = bool(o["unserved"][i])
            rows.append(
                dict(
                    pk=int(pks[i]),
                    number=f"ЗП-{code[:4]}-{issued[i]:%Y}-S{pks[i]:07d}",
                    incident_id=int(incidents[o["incident"][i]]),
                    district_id=int(district[i]),
                    offender_id=int(offenders[owner[i]]),
                    issued_on=issued[i],
                    served_on=None if unserved else served[i],
                    term_days=term.value,
                    ends_on=None if unserved else ends[i],
                    check_interval_days=7,
                    next_check_due=None if unserved else due[i],
                    prohibitions=sorted(prohibitions[: 1 + (i % 4)]),
                    legal_basis=term.basis,
                    revoked_on=revoked[i] if o["revoked"][i] else None,
                    revocation_reason=phrases.REVOKED_ON_REQUEST if o["revoked"][i] else "",
                    source=SOURCE,
                )
            )
        self.save(rm.ProtectiveOrder, rows)
        through = rm.ProtectiveOrder.protected_persons.through
        self.save(
            through,
            [
                dict(protectiveorder_id=int(pks[i]), person_id=int(victims[owner[i]]))
                for i in range(k)
            ],
        )
        violated = np.flatnonzero(o["violated"])
        days = as_dates(o["violation_on"][violated])
        sanction = block.offences["violation_sanction"]
        self.save(
            rm.OrderViolation,
            [
                dict(
                    order_id=int(pks[i]),
                    occurred_on=days[j],
                    description=phrases.ORDER_BREACH,
                    sanction={"detention": "arrest"}.get(sanction[j], sanction[j]),
                    article=legal_rule("protective_order.violation_article", days[j]).value,
                )
                for j, i in enumerate(violated)
            ],
        )
        return pks

    def _checks(self, block: Block, orders: np.ndarray) -> None:
        c = block.checks
        days = as_dates(c["day"])
        self.save(
            rm.OrderCheckIn,
            [
                dict(
                    order_id=int(orders[c["order"][i]]),
                    checked_on=days[i],
                    compliant=bool(c["compliant"][i]),
                )
                for i in range(len(days))
            ],
        )

    # --- requirements, offences, risk --------------------------------------------------------

    def _requirements(
        self, block: Block, incidents: np.ndarray, victims: np.ndarray, offenders: np.ndarray
    ) -> None:
        r, inc = block.requirements, block.inc
        m = len(r["incident"])
        pks = self.ids.take(rm.BehaviourRequirement, m)
        decided = as_dates(r["decided"])
        owner = inc["owner"][r["incident"]]
        district = self.frame.version(inc["district"][r["incident"]], r["decided"])
        rows, broken = [], []
        for i in range(m):
            term = legal_rule("requirement.term_months", decided[i])
            ends = add_months(decided[i], int(r["term"][i])) - dt.timedelta(days=1)
            name = self.frame.names_en[inc["district"][r["incident"][i]]]
            rows.append(
                dict(
                    pk=int(pks[i]),
                    number=f"5-{decided[i]:%Y}-S{pks[i]:07d}",
                    incident_id=int(incidents[r["incident"][i]]),
                    district_id=int(district[i]),
                    offender_id=int(offenders[owner[i]]),
                    court=phrases.COURT.format(district=name),
                    decided_on=decided[i],
                    starts_on=decided[i],
                    term_months=int(r["term"][i]),
                    ends_on=ends,
                    conditions=list(r["conditions"][i]),
                    police_reports_per_month=int(r["reports"][i]),
                    legal_basis=term.basis,
                    source=SOURCE,
                )
            )
            last = min(ends, self.now.date())
            if r["violated"][i] and last >= decided[i]:
                day = decided[i] + dt.timedelta(
                    days=int(r["violation_share"][i] * (last - decided[i]).days)
                )
                conditions = r["conditions"][i]
                broken.append(
                    dict(
                        requirement_id=int(pks[i]),
                        occurred_on=day,
                        condition=conditions[int(r["violation_condition"][i] * len(conditions))],
                        description=phrases.REQUIREMENT_BREACH,
                        sanction="fine",
                    )
                )
        self.save(rm.BehaviourRequirement, rows)
        through = rm.BehaviourRequirement.protected_persons.through
        self.save(
            through,
            [
                dict(behaviourrequirement_id=int(pks[i]), person_id=int(victims[owner[i]]))
                for i in range(m)
            ],
        )
        self.save(rm.RequirementViolation, broken)

    def _offences(self, block: Block, incidents: np.ndarray, offenders: np.ndarray) -> None:
        f, inc = block.offences, block.inc
        n = len(f["incident"])
        district = self.frame.version(inc["district"][f["incident"]], f["committed"])
        committed, decided = as_dates(f["committed"]), as_dates(f["decided"])
        owner = inc["owner"][f["incident"]]
        self.save(
            rm.Offence,
            [
                dict(
                    incident_id=int(incidents[f["incident"][i]]),
                    district_id=int(district[i]),
                    offender_id=int(offenders[owner[i]]),
                    kind=f["kind"][i],
                    article=f["article"][i],
                    committed_on=committed[i],
                    decided_on=decided[i] if f["done"][i] else None,
                    outcome=f["outcome"][i] if f["done"][i] else "pending",
                    source=SOURCE,
                )
                for i in range(n)
            ],
        )

    def _risks(
        self, block: Block, incidents: np.ndarray, victims: np.ndarray, offenders: np.ndarray
    ) -> None:
        r, inc = block.risks, block.inc
        instrument = instrument_load()
        which = r["incident"]
        owner = inc["owner"][which]
        assessed = as_datetimes(
            inc["day"][which], inc["seconds"][which] + inc["delay"][which] + r["delay"], self.now
        )
        district = self.frame.version(inc["district"][which], inc["day"][which])
        rows = []
        for i in range(len(which)):
            answers = {
                code: 1 for code, yes in zip(RISK_ITEMS, r["answers"][i], strict=True) if yes
            }
            score, computed = _score(instrument, tuple(sorted(answers)))
            level = computed
            if r["raised"][i] and computed != "critical":
                level = {"low": "medium", "medium": "high", "high": "critical"}[computed]
            day = assessed[i].astimezone(ALMATY).date()
            rows.append(
                dict(
                    victim_id=int(victims[owner[i]]),
                    offender_id=int(offenders[owner[i]]),
                    incident_id=int(incidents[which[i]]),
                    district_id=int(district[i]),
                    instrument=instrument.code,
                    instrument_version=instrument.version,
                    answers=answers,
                    score=score,
                    computed_level=computed,
                    level=level,
                    override_reason=phrases.RISK_RAISED if level != computed else "",
                    assessed_at=assessed[i],
                    next_due=reassess_by(instrument, level, day),
                )
            )
        self.save(rm.RiskAssessment, rows)

    # --- hidden violence ---------------------------------------------------------------------

    def _register_records(self, rng: np.random.Generator, block: Block) -> None:
        """The victims the other registers saw, stored as an import of their records would be
        (names encrypted, one token per spelling); who they truly are goes to ``RecordTruth``."""
        drafts: list[RegisterRecordDraft] = []
        truth: list[str] = []
        for register in REGISTERS:
            seen = np.flatnonzero(block.seen[register])
            district = self.frame.version(block.true_district[seen], block.seen_on[register][seen])
            days = as_dates(block.seen_on[register][seen])
            births = as_dates(block.victim_birth[seen])
            for j, t in enumerate(seen):
                drafts.append(
                    self._draft(rng, block, register, int(t), int(district[j]), days[j], births[j])
                )
                truth.append(idt.truth_key(self.run.pk, block.year, block.region, int(t)))
        pks = register_records_store(drafts, source=SOURCE, encrypt=self.tokens.token)
        self.counts[rm.RegisterRecord._meta.label] += len(pks)
        self.save(
            RecordTruth,
            [
                dict(run_id=self.run.pk, record_id=pk, truth_key=key)
                for pk, key in zip(pks, truth, strict=True)
            ],
        )

    def _draft(
        self,
        rng: np.random.Generator,
        block: Block,
        register: str,
        t: int,
        district: int,
        day: dt.date,
        birth: dt.date,
    ) -> RegisterRecordDraft:
        people: idt.People = block.people
        i = block.position[t]
        spelled = idt.spell_for_register(
            rng,
            register,
            people.surname[i],
            people.first_name[i],
            people.patronymic[i],
            birth,
            people.iin[i],
        )
        return RegisterRecordDraft(
            register=register,
            record_id=f"{register}-{self.run.pk}-{block.year}-{block.region}-{t}",
            district_id=district,
            seen_on=day,
            iin_pseudonym=spelled.iin_pseudonym,
            surname=spelled.surname,
            first_name=spelled.first_name,
            patronymic=spelled.patronymic,
            sex=block.victim_sex[t],
            birth_date=spelled.birth_date,
            birth_year=spelled.birth_year,
            injury=injury_recorded(register, float(block.z[t])),
        )

    def _truth(self, block: Block) -> None:
        seen = {r: int(block.seen[r].sum()) for r in REGISTERS}
        any_register = block.police | np.any([block.seen[r] for r in REGISTERS], axis=0)
        self.save(
            TruthCount,
            [
                dict(
                    run_id=self.run.pk,
                    region_code=block.region,
                    year=block.year,
                    population=block.population,
                    true_victims=len(block.z),
                    police=int(block.police.sum()),
                    any_register=int(any_register.sum()),
                    **seen,
                )
            ],
        )


_SCORES: dict[tuple[str, ...], tuple[Decimal, str]] = {}


def _score(instrument: Any, yes: tuple[str, ...]) -> tuple[Decimal, str]:
    found = _SCORES.get(yes)
    if found is None:
        result = risk_score(instrument, dict.fromkeys(yes, 1))
        found = _SCORES[yes] = (result.score, str(result.level))
    return found


def injury_recorded(register: str, severity: float) -> str:
    """The injury a register writes down for a victim of latent ``severity`` (``z``).

    Severe cases (z > 1) carry a medium or, beyond z > 2, a grave harm in every register;
    below that only health facilities, which examine, write a light one; the others leave it
    unknown.
    """
    if severity > 2.0:
        return "grave"
    if severity > 1.0:
        return "moderate"
    return "light" if register == "health" else ""


def _stem_index(surname: str, russian: bool) -> int:
    stems = idt.SURNAME_STEMS[int(russian)]
    for index, stem in enumerate(stems):
        if surname in (stem, stem + "а") or surname == stem[:-2] + "ая":
            return index
    return 0


def _channels(rng: np.random.Generator, block: Block) -> list[str]:
    from qorgau.synth.calibration import SOURCE_CHANNELS
    from qorgau.synth.sampling import choice

    inc = block.inc
    n = len(inc["owner"])
    channel = choice(rng, SOURCE_CHANNELS, n)
    true_index = block.pv[inc["owner"]]
    health = block.seen["health"][true_index] & (rng.random(n) < 0.3)
    channel[health] = "health"
    return [str(c) for c in channel]
